import ChangeGate
import Foundation
import PolicyDSL

/// `changegate history` over a whole repository, limited to the files the shipped policy reads,
/// against git finding, reading and diffing the same files (`git log -p`) and only finding them
/// (`git log --raw`, the floor); and its peak memory on a short and a long history.
struct HistoryScan {
    let repository: SyntheticRepository
    /// A repository with several times the commits of `repository` (the memory case).
    let longRepository: SyntheticRepository
    let changegate: String
    let policyPath: String
    let scratch: String
    let runs: Int

    func cases() throws -> (timed: [Benchmark], memory: [MemoryCase]) {
        let git = try Shell.output("sh", ["-c", "command -v git"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let pathspecs = try Self.pathspecs(policyPath: policyPath)
        let input = scratch + "/empty.input"
        _ = FileManager.default.createFile(atPath: input, contents: Data())
        func history(_ repository: SyntheticRepository) throws -> Int {
            try Spawn.runMeasuringMemory(
                changegate,
                ["history", "--no-index", "--repo", repository.path, "--ref", "main", "--format", "ndjson"],
                inputFile: input, environment: [:], directory: scratch
            ).peakKiB
        }
        func log(_ repository: SyntheticRepository, _ format: [String]) throws -> Int {
            try Spawn.runMeasuringMemory(
                git, ["-C", repository.path, "log"] + format + ["main", "--"] + pathspecs, inputFile: input,
                environment: [:], directory: scratch
            ).peakKiB
        }
        let rows = try Shell.lineCount(
            changegate, ["history", "--no-index", "--repo", repository.path, "--ref", "main", "--format", "ndjson"])
        let commits = try repository.count("main")
        let shape = "\(commits.formatted()) commits, \(repository.shape.files.formatted()) files"
        let longCommits = try longRepository.count("main")
        let timed = [
            Benchmark(
                name: "history: every watched change in \(shape) vs git log -p", target: .ratio(1.5), warmUp: 1,
                runs: runs, subject: { _ = try history(repository) },
                reference: (
                    "`git log -p --format=%H -- <policy paths>`", { _ = try log(repository, ["-p", "--format=%H"]) }
                ),
                note: "`changegate history --ref main --format ndjson` (the policy at the tip, \(rows.formatted()) "
                    + "changes listed) against git finding, reading and diffing the same files as text: "
                    + "`git log -p` limited to the \(pathspecs.count) globs of the policy's `files` lines as "
                    + "`:(glob)` pathspecs. Both whole processes, output to /dev/null."),
            Benchmark(
                name: "history: every watched change in \(shape) vs git log --raw", target: nil, warmUp: 1,
                runs: runs, subject: { _ = try history(repository) },
                reference: (
                    "`git log --raw --format=%H -- <policy paths>`",
                    { _ = try log(repository, ["--raw", "--format=%H"]) }
                ),
                note: "the floor: git only finding the commits and blobs that changed, reading no file."),
        ]
        let memory = [
            MemoryCase(
                name: "history over \(commits.formatted()) commits", subject: { try history(repository) },
                reference: ("`git log -p` (same paths)", { try log(repository, ["-p", "--format=%H"]) }),
                note: "peak resident memory (`ru_maxrss`) of the whole process, as the history grows:"),
            MemoryCase(
                name: "history over \(longCommits.formatted()) commits", subject: { try history(longRepository) },
                reference: ("`git log -p` (same paths)", { try log(longRepository, ["-p", "--format=%H"]) }),
                note: "the same on \(longRepository.shape.commits.formatted()) generated commits of "
                    + "\(longRepository.shape.files.formatted()) files: flat means about the figure above."),
        ]
        return (timed, memory)
    }

    /// The policy's `files` globs as git pathspecs (`:(glob)` gives `**` and `*` the same meaning).
    static func pathspecs(policyPath: String) throws -> [String] {
        let compiled = try PolicyLoader.compile(at: policyPath)
        guard let program = compiled.program else {
            throw Shell.Failure(command: policyPath, status: 2, output: compiled.rendered)
        }
        return Gate.selectors(of: program).map { ":(glob)" + $0.glob }
    }
}
