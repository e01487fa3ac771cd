import ArgumentParser
import ChangeGate
import ChangeGateSimulation
import Foundation

/// `changegate simulate patroni FILE`: a real failover on loopback, measured, as JUnit evidence.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a real failover of a configuration on loopback and measure it (docs/simulation.md).",
        subcommands: [Patroni.self])

    struct Patroni: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "patroni",
            abstract: "etcd and three Patroni members over PostgreSQL, from a Patroni file's failover settings.",
            discussion: """
                Each scenario runs on a cluster of its own: kill-leader (SIGKILL to the leader's Patroni and \
                PostgreSQL), crash-postgres (SIGKILL to its postmaster), switchover. A scenario passes when a \
                primary takes an INSERT within --rto. Only the file's failover settings are used: its commands, \
                libraries and paths are never run. Exit 0 when every scenario passed, 1 when one did not, 2 when \
                the simulation could not run.
                """)

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
            help: ArgumentHelp(
                "A scenario to run: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")) (repeatable; default: all).",
                valueName: "name"))
        var scenarios: [String] = []

        @Option(
            help: ArgumentHelp(
                "file: the file's timers; fast: loop_wait ≤ 2 s, retry_timeout ≤ 5 s (CI).", valueName: "profile"))
        var timers: String = TimerProfile.file.rawValue

        @Option(
            help: ArgumentHelp("The recovery time objective a scenario must meet (60, 60s, 2m).", valueName: "duration")
        )
        var rto: String = "60s"

        @Option(help: ArgumentHelp("Scenarios run at once, each a cluster of its own.", valueName: "n"))
        var parallel: Int = 3

        @Option(help: ArgumentHelp("Write the JUnit report here.", valueName: "path"), completion: .file())
        var junit: String?

        @Argument(
            help: ArgumentHelp("The Patroni configuration file (a repository path with --rev)."), completion: .file())
        var file: String

        func run() throws {
            guard let profile = TimerProfile(rawValue: timers) else {
                throw ValidationError("--timers is file or fast, not \(timers)")
            }
            guard let seconds = Self.seconds(rto), seconds > 0 else {
                throw ValidationError("--rto is a duration (60, 60s, 2m), not \(rto)")
            }
            var chosen: [Scenario] = []
            for name in scenarios {
                guard let scenario = Scenario(rawValue: name) else {
                    throw ValidationError(
                        "no scenario \(name): \(Scenario.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                chosen.append(scenario)
            }
            let report: SimulationReport
            do {
                let bytes = try Self.read(file, rev: rev, repo: repo)
                let tools = try SimulationTools.locate()
                // Interrupted: the clusters are stopped; the command ends the process as a shell
                // reports a death by that signal (130, 143).
                SimulationInterrupts.install { signal in _exit(128 + signal) }
                let options = Simulation.Options(
                    scenarios: chosen.isEmpty ? Scenario.allCases : chosen, timers: profile, rto: seconds,
                    parallel: parallel)
                report = try Simulation.patroni(bytes: bytes, path: file, options: options, tools: tools)
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
}
