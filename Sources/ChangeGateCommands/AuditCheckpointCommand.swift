import ArgumentParser
import ChangeGate
import Foundation

/// `changegate audit keygen|checkpoint|witness` and `audit verify --checkpoint`: signed checkpoints
/// of the trail (C2SP signed notes) and the witnesses that co-sign them.
extension AuditCommand {
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Make an Ed25519 key pair for checkpoints: PREFIX.key (mode 0600) and PREFIX.pub.",
            discussion: """
                The keys are in the signed-note encodings golang.org/x/mod/sumdb/note reads. The trail's key \
                signs checkpoints (`audit checkpoint`); a witness's key co-signs them (`audit witness`). Neither \
                file is ever overwritten.
                """)
        @Option(
            help: ArgumentHelp(
                "The key's name, a schema-less URL by convention (git.example.com/changegate/shop); no spaces or '+'.",
                valueName: "name"))
        var name: String
        @Option(help: ArgumentHelp("Write PREFIX.key and PREFIX.pub.", valueName: "prefix"))
        var out: String

        func run() throws {
            let lines = try AuditCommand.exiting { () throws(WorkflowError) in
                try AuditWorkflow.keygen(name: name, prefix: out)
            }
            for line in lines { print(line) }
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Sign the trail's size and head hash (a C2SP checkpoint), after verifying the chain.",
            discussion: """
                With --output, a checkpoint already there must be one the trail still holds (signed by the same \
                key, of the same origin): a checkpoint is never signed over a rewritten history. The file is \
                replaced in one rename.
                """)
        @OptionGroup var location: Location
        @Option(help: ArgumentHelp("The signer key (`audit keygen`'s PREFIX.key).", valueName: "file"))
        var key: String
        @Option(help: ArgumentHelp("The origin line (default: the key's name).", valueName: "name"))
        var origin: String?
        @Option(help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "file"))
        var output: String?

        func run() throws {
            let store = try location.open().store
            let text = try AuditCommand.exiting { () throws(WorkflowError) in
                try AuditWorkflow.checkpoint(store, keyPath: key, origin: origin, output: output)
            }
            if output == nil { print(text, terminator: "") }
        }
    }

    struct Witness: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "witness",
            abstract: "Co-sign a trail's checkpoint as a witness (a C2SP tlog-cosignature).",
            discussion: """
                The witness checks the trail's signature (--log-key), that the trail it reads holds the \
                checkpoint, and that the checkpoint extends the last one it co-signed (kept in --state); it \
                refuses a fork, a smaller checkpoint, or one the trail does not hold. Then it writes the state and \
                adds its signature line to the checkpoint (in place, or to --output).
                """)
        @Option(
            name: [.customLong("trail"), .customLong("audit")],
            help: ArgumentHelp("The trail as the witness can read it (SQLite file).", valueName: "path"))
        var trail: String?
        @Option(help: ArgumentHelp("The repository whose git directory holds the default trail.", valueName: "path"))
        var repo: String?
        @Option(help: ArgumentHelp("The witness's signer key (`audit keygen`'s PREFIX.key).", valueName: "file"))
        var key: String
        @Option(help: ArgumentHelp("The trail's verifier key (its PREFIX.pub).", valueName: "file"))
        var logKey: String
        @Option(help: ArgumentHelp("The trail's signed checkpoint.", valueName: "file"))
        var checkpoint: String
        @Option(
            help: ArgumentHelp(
                "What the witness co-signed before (default: the key's path with .state for .key).", valueName: "file"))
        var state: String?
        @Option(
            help: ArgumentHelp("Write the co-signed checkpoint here (default: over --checkpoint).", valueName: "file"))
        var output: String?

        func run() throws {
            let trail = AuditWorkflow.Trail(
                location: self.trail, repositoryPath: repo, environment: ProcessInfo.processInfo.environment)
            let store = try AuditCommand.exiting { () throws(WorkflowError) in try AuditWorkflow.openForReading(trail) }
                .store
            let statePath = state ?? (key.hasSuffix(".key") ? String(key.dropLast(4)) : key) + ".state"
            let outcome = try AuditCommand.exiting { () throws(WorkflowError) in
                try AuditWorkflow.witness(
                    store, keyPath: key, logKeyPath: logKey, checkpoint: checkpoint, state: statePath, output: output,
                    now: UInt64(Date().timeIntervalSince1970))
            }
            for line in outcome.lines { print(line) }
        }
    }

    /// `audit verify --checkpoint FILE --key PUB…`.
    struct CheckpointOptions: ParsableArguments {
        @Option(
            help: ArgumentHelp(
                "A signed checkpoint (`audit checkpoint`): proves the trail still holds its history.",
                valueName: "file"))
        var checkpoint: String?
        @Option(
            help: ArgumentHelp(
                "A verifier key that must have signed the checkpoint (repeatable: the trail's, each witness's).",
                valueName: "file"))
        var key: [String] = []

        /// The checkpoint's verification; nil when no checkpoint was given.
        func verify(_ trail: AuditWorkflow.OpenedTrail, expect: String?) throws -> AuditWorkflow.Verification? {
            guard let checkpoint else {
                guard key.isEmpty else {
                    Standard.error("changegate: error: --key checks a --checkpoint; give one")
                    throw ExitCode.error
                }
                return nil
            }
            guard expect == nil else {
                Standard.error("changegate: error: give --checkpoint or --expect, not both")
                throw ExitCode.error
            }
            return try AuditCommand.exiting { () throws(WorkflowError) in
                try AuditWorkflow.verify(trail, checkpoint: checkpoint, keys: key)
            }
        }
    }
}
