import ArgumentParser
import ChangeGate
import Foundation

/// `changegate failover explain FILE [--rev REV]`: what the failover model makes of a file.
struct FailoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "What the failover model computes from a configuration file.",
        subcommands: [Explain.self])

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "explain",
            abstract: "Whether automatic failover is possible, and each failure mode's worst case, with the inputs.",
            discussion:
                "Exit 0 when it is possible (or no model applies), 1 when it is not, 2 when the file cannot be read.")

        @Option(
            help: ArgumentHelp(
                "The repository, with --rev (default: the one containing the working directory).", valueName: "path"),
            completion: .directory)
        var repo: String?

        @Option(
            help: ArgumentHelp("Read FILE at this revision of the repository instead of from disk.", valueName: "rev"),
            completion: Completions.revisions)
        var rev: String?

        @Argument(
            help: ArgumentHelp(
                "The configuration file (a repository path with --rev, which reads it as the gate does: with the "
                    + "other members of its Patroni cluster and the values.yaml it overrides)."),
            completion: .file())
        var file: String

        func run() throws {
            var assessments: [FailoverAssessment]
            do {
                let bytes: [UInt8]
                var atCommit: (Repository, ObjectID)? = nil
                if let rev {
                    let repository = try Repository.open(path: repo, environment: ProcessInfo.processInfo.environment)
                    let commit = try repository.resolveCommit(rev)
                    guard let blob = try repository.file(at: file, in: commit),
                        case .text(let content) = try repository.blob(blob, maxSize: ReaderLimits.default.maxFileSize)
                    else {
                        Standard.error("changegate: error: \(file) is not a text file at \(rev)")
                        throw ExitCode.error
                    }
                    bytes = content
                    atCommit = (repository, commit)
                } else {
                    bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
                }
                // The file alone first: a file that cannot be read says why.
                assessments = try FailoverModel.assess(file: file, bytes: bytes)
                // In a repository, as the gate sees it: with the cluster's other members and the
                // values.yaml an override file is layered on.
                if let (repository, commit) = atCommit, !assessments.isEmpty {
                    assessments = try Gate(repository: repository).failoverAssessments(of: file, at: commit)
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode.error
            }
            print(FailoverRenderer.text(assessments, file: file), terminator: "")
            if assessments.contains(where: { !$0.possible }) { throw ExitCode.refused }
        }
    }
}
