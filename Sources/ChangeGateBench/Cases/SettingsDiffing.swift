import ChangeGate
import Foundation
import TestSupport

/// The settings diff: `changegate diff` of two commits 1,000 commits apart against `git diff
/// --stat` on the same pair, and the diff of one 1 MiB YAML file with 5,000 changed keys.
struct SettingsDiffing {
    let repository: SyntheticRepository
    let changegate: String
    let scratch: String

    func cases() throws -> [Benchmark] {
        let git = try Shell.output("sh", ["-c", "command -v git"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let input = scratch + "/empty.input"
        _ = FileManager.default.createFile(atPath: input, contents: Data())
        let back = min(1_000, repository.shape.commits / 2)
        let base = try repository.resolve("main~\(back)")
        let head = try repository.resolve("main")
        let files = try Shell.output("git", ["-C", repository.path, "diff", "--name-only", base, head])
            .split(separator: "\n").count
        let changes =
            try Shell.output(changegate, ["diff", "--repo", repository.path, "--format", "json", base, head])
            .components(separatedBy: "\"key\"").count - 1

        let (old, new) = Self.largeYAMLPair(changedKeys: 5_000)
        let reader = ConfigReader()
        // Checked once before timing: the pair must differ in exactly the keys it was made with.
        let found = try Self.diff(old, new, reader: reader)
        guard found == 5_000 else {
            throw Shell.Failure(command: "large YAML pair", status: 1, output: "\(found) changes, not 5,000")
        }
        return [
            Benchmark(
                name: "diff: two commits \(back.formatted()) apart vs git diff --stat", target: nil, warmUp: 2,
                runs: 11,
                subject: {
                    _ = try Spawn.run(
                        changegate, ["diff", "--repo", repository.path, base, head], inputFile: input,
                        environment: [:], directory: scratch)
                },
                reference: (
                    "`git diff --stat`",
                    {
                        _ = try Spawn.run(
                            git, ["-C", repository.path, "diff", "--stat", base, head], inputFile: input,
                            environment: [:], directory: scratch)
                    }
                ),
                note: "`changegate diff main~\(back) main` (every YAML, JSON and TOML file; \(files.formatted()) "
                    + "files differ, \(changes.formatted()) settings changed) against `git diff --stat` on the same "
                    + "pair, both whole processes."),
            Benchmark(
                name: "settings diff: a 1 MiB YAML file, 5,000 keys changed", target: .milliseconds(100),
                runs: 11,
                subject: { _ = try Self.diff(old, new, reader: reader) },
                note: "in process: both versions (\((old.count / 1_024).formatted()) KiB, "
                    + "\(Self.sections.formatted()) sections of \(Self.keysPerSection) keys) parsed, flattened and "
                    + "compared: 5,000 modified settings."),
        ]
    }

    static let sections = 1_150
    static let keysPerSection = 30

    /// Parses, flattens and compares two versions of one file; the number of changes.
    static func diff(_ old: [UInt8], _ new: [UInt8], reader: ConfigReader) throws -> Int {
        let base = try reader.read(old, path: "catalog.yaml")
        let head = try reader.read(new, path: "catalog.yaml")
        return try SettingsDiff.changes(file: "catalog.yaml", base: base, head: head).count
    }

    /// About 1 MiB of YAML (sections of scalar keys), and the same with `changedKeys` values changed.
    static func largeYAMLPair(changedKeys: Int) -> (old: [UInt8], new: [UInt8]) {
        var random = SeededGenerator(seed: 5_000)
        let total = sections * keysPerSection
        var changed = Set<Int>()
        while changed.count < changedKeys { changed.insert(Int.random(in: 0..<total, using: &random)) }
        var old = ""
        var new = ""
        for section in 0..<sections {
            let header = "service_\(section):\n"
            old += header
            new += header
            for key in 0..<keysPerSection {
                let index = section * keysPerSection + key
                let value = Int.random(in: 0...1_000_000, using: &random)
                let name = "  setting_\(key)_\(["timeout", "replicas", "limit", "port"][key % 4]): "
                old += name + "\(value)\n"
                new += name + (changed.contains(index) ? "\(value + 1)" : "\(value)") + "\n"
            }
        }
        return (Array(old.utf8), Array(new.utf8))
    }
}
