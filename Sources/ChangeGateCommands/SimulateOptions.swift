import ArgumentParser
import ChangeGate
import ChangeGateSimulation
import Foundation

/// What every `changegate simulate` subcommand takes, and the run they share: read the file (from
/// disk or a revision), simulate, print, write the JUnit, exit by the result.
struct SimulateOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The repository, with --rev (default: the one containing the working directory).", valueName: "path"),
        completion: .directory)
    var repo: String?

    @Option(
        help: ArgumentHelp("Read FILE at this revision of the repository instead of from disk.", valueName: "rev"),
        completion: Completions.revisions)
    var rev: String?

    @Option(
        name: .customLong("scenario"),
        help: ArgumentHelp("A scenario to run (repeatable; default: all of the system's).", valueName: "name"))
    var scenarios: [String] = []

    @Option(
        help: ArgumentHelp(
            "file: the file's timers; fast: shortened where it does not change what is measured (CI).",
            valueName: "profile"))
    var timers: String = TimerProfile.file.rawValue

    @Option(
        help: ArgumentHelp("The recovery time objective a scenario must meet (60, 60s, 2m).", valueName: "duration"))
    var rto: String = "60s"

    @Option(help: ArgumentHelp("Scenarios run at once, each a cluster of its own.", valueName: "n"))
    var parallel: Int = 3

    @Option(help: ArgumentHelp("Write the JUnit report here.", valueName: "path"), completion: .file())
    var junit: String?

    @Option(
        name: .customLong("file"),
        help: ArgumentHelp("The configuration file, as FILE (a repository path with --rev).", valueName: "path"),
        completion: .file())
    var fileOption: String?

    @Argument(help: ArgumentHelp("The configuration file (a repository path with --rev)."), completion: .file())
    var file: String?

    /// Parses the options, reads the file and runs `simulate`: `prepare` finds the tools (before the
    /// signal handling is installed, so that a missing tool is a plain error) and returns the run.
    func run(
        scenarios system: [Scenario],
        prepare: ([UInt8], String, Simulation.Options) throws(SimulationError) -> () throws(SimulationError) ->
            SimulationReport
    ) throws {
        guard let profile = TimerProfile(rawValue: timers) else {
            throw ValidationError("--timers is file or fast, not \(timers)")
        }
        guard let seconds = Self.seconds(rto), seconds > 0 else {
            throw ValidationError("--rto is a duration (60, 60s, 2m), not \(rto)")
        }
        let names = system.map(\.rawValue).joined(separator: ", ")
        var chosen: [Scenario] = []
        for name in scenarios {
            guard let scenario = Scenario(rawValue: name), system.contains(scenario) else {
                throw ValidationError("no scenario \(name): \(names)")
            }
            chosen.append(scenario)
        }
        let path: String
        switch (file, fileOption) {
        case (let positional?, nil): path = positional
        case (nil, let option?): path = option
        case (_?, _?): throw ValidationError("give the file once: as FILE or as --file")
        case (nil, nil): throw ValidationError("missing the configuration file (FILE or --file PATH)")
        }
        let report: SimulationReport
        do {
            let bytes = try Self.read(path, rev: rev, repo: repo)
            let options = Simulation.Options(scenarios: chosen, timers: profile, rto: seconds, parallel: parallel)
            let simulate = try prepare(bytes, path, options)
            // Interrupted: the clusters are stopped; the command ends the process as a shell
            // reports a death by that signal (130, 143).
            SimulationInterrupts.install { signal in _exit(128 + signal) }
            report = try simulate()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Standard.error("changegate: error: \(error)")
            throw ExitCode.error
        }
        print(report.text, terminator: "")
        if let junit {
            do {
                // CI names a report folder that may not exist yet (`reports/…`).
                let folder = URL(fileURLWithPath: junit).deletingLastPathComponent()
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try report.junit.write(toFile: junit, atomically: true, encoding: .utf8)
            } catch {
                Standard.error("changegate: error: cannot write \(junit): \(error)")
                throw ExitCode.error
            }
        }
        if !report.errors.isEmpty { throw ExitCode.error }
        if !report.passed { throw ExitCode.refused }
    }

    static func read(_ file: String, rev: String?, repo: String?) throws -> [UInt8] {
        guard let rev else { return Array(try Data(contentsOf: URL(fileURLWithPath: file))) }
        let repository = try Repository.open(path: repo, environment: ProcessInfo.processInfo.environment)
        let commit = try repository.resolveCommit(rev)
        guard let blob = try repository.file(at: file, in: commit),
            case .text(let content) = try repository.blob(blob, maxSize: ReaderLimits.default.maxFileSize)
        else {
            Standard.error("changegate: error: \(file) is not a text file at \(rev)")
            throw ExitCode.error
        }
        return content
    }

    /// `60`, `60s`, `2m`.
    static func seconds(_ text: String) -> Double? {
        if text.hasSuffix("m"), let minutes = Double(text.dropLast()) { return minutes * 60 }
        if text.hasSuffix("s"), let seconds = Double(text.dropLast()) { return seconds }
        return Double(text)
    }
}
