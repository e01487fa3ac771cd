import ArgumentParser
import ChangeGate
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `changegate hook pre-receive|update|install|uninstall`: the gate on a git server.
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Judge pushes on a git server, before any ref moves.",
        subcommands: [PreReceive.self, Update.self, PostReceive.self, Install.self, Uninstall.self]
    )

    /// Options shared by the hook entry points (written into the hook script by `install`).
    struct JudgeOptions: ParsableArguments {
        @Option(
            name: .customLong("protect"),
            help: ArgumentHelp(
                "A protected ref pattern, `*` within a segment, `**` across (repeatable; default: "
                    + "refs/heads/main, refs/heads/master, refs/heads/release/**, refs/heads/prod*/**).",
                valueName: "ref-pattern"))
        var protected: [String] = []

        @Option(
            help: ArgumentHelp(
                "A policy file or directory on the server (default: policies/ at the protected ref's tip).",
                valueName: "path"))
        var policy: String?

        @Option(help: ArgumentHelp("Seconds before the hook gives up and rejects the push.", valueName: "seconds"))
        var deadline: Double = 4

        @Option(help: ArgumentHelp("Risk a push that rewrites history adds of its own.", valueName: "points"))
        var forcePushRisk: Int = 50

        @Option(
            help: ArgumentHelp(
                "Where CI leaves test results per commit (default: GIT_DIR/changegate/evidence).", valueName: "path"))
        var evidenceDir: String?

        @Option(
            help: ArgumentHelp(
                "The audit trail the hook writes decisions and approvals to: a SQLite file or a postgres:// URL "
                    + "(default: $CHANGEGATE_AUDIT, else GIT_DIR/changegate/audit.sqlite).", valueName: "location"))
        var audit: String?

        @Flag(
            help: ArgumentHelp(
                "Let pushes create or move refs/replace/* (refused by default: git would serve the replacement "
                    + "while ChangeGate judged the original; install sets core.useReplaceRefs=false either way)."))
        var allowReplaceRefs = false

        @Flag(help: "Let pushes create or move refs/namespaces/* (refused by default: out of reach of --protect).")
        var allowNamespaceRefs = false

        @Option(
            help: ArgumentHelp(
                "The most bytes of config files one ref's decision reads, both sides of every file together "
                    + "(default: 32 MiB); a push over it is refused before its files are read.", valueName: "bytes"))
        var maxReadBytes: Int = ReadBudget.defaultMaxBytes

        var configuration: HookConfiguration {
            var configuration = HookConfiguration(
                protectedPatterns: protected.isEmpty ? HookConfiguration.defaultProtectedPatterns : protected,
                policyPath: policy, deadline: deadline, forcePushRisk: forcePushRisk,
                allowReplaceRefs: allowReplaceRefs, allowNamespaceRefs: allowNamespaceRefs)
            configuration.maxBytesRead = max(0, maxReadBytes)
            return configuration
        }
    }

    /// Runs a hook workflow under the deadline, prints what it says, and exits with its code. When
    /// the deadline is cancelled, a watchdog thread refuses at once, wherever the workflow is: only
    /// the CLI ends the process, not the library.
    static func run(
        options: JudgeOptions, expiredMessage: @escaping @Sendable (Double) -> String,
        _ workflow: (HookRequest, HookDeadline) -> HookRunOutcome
    ) throws {
        let deadline = HookDeadline(seconds: options.deadline)
        // Whoever takes it first speaks: the watchdog's refusal or the workflow's outcome, never both.
        let speaking = NSLock()
        Thread.detachNewThread {
            guard deadline.waitForCancellation() else { return }
            speaking.lock()
            Standard.error(expiredMessage(deadline.seconds))
            // _exit, not exit: the main thread may be inside SQLite; no atexit handler must run under it.
            _exit(WorkflowExit.refused.rawValue)
        }
        var request = HookRequest(
            configuration: options.configuration, environment: ProcessInfo.processInfo.environment)
        request.auditLocation = options.audit
        request.evidenceDirectory = options.evidenceDir
        let outcome = workflow(request, deadline)
        speaking.lock()
        FileHandle.standardError.write(Data(outcome.message.utf8))
        if let error = outcome.error { Standard.error(error) }
        if outcome.exit != .success { throw ExitCode(outcome.exit) }
    }

    /// Judges the updates `readUpdates` gives (pre-receive, or update with one ref).
    static func judge(options: JudgeOptions, readUpdates: () throws -> [RefUpdate]) throws {
        try run(options: options, expiredMessage: HookWorkflow.deadlineMessage) { request, deadline in
            HookWorkflow.preReceive(request, deadline: deadline, readUpdates: readUpdates)
        }
    }

    struct PreReceive: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pre-receive",
            abstract: "The pre-receive hook: reads `<old> <new> <ref>` lines; exit 1 refuses the whole push.")

        @OptionGroup var options: JudgeOptions

        func run() throws {
            try HookCommand.judge(options: options) {
                try RefUpdate.parse(bytes: Array(FileHandle.standardInput.readDataToEndOfFile()))
            }
        }
    }

    struct PostReceive: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "post-receive",
            abstract: "The post-receive hook: records the approvals that landed and who first pushed each commit.",
            discussion: """
                Runs after the refs moved, so it refuses nothing; an approval it cannot record does not count, \
                and it says so. Takes the judge options so that install can write one argument list.
                """)

        @OptionGroup var options: JudgeOptions

        func run() throws {
            // The refs have moved; the deadline bounds how long the push waits on the recording (the
            // hosting's limit holds here too). Past it nothing is recorded, and the pusher is told so.
            try HookCommand.run(options: options, expiredMessage: HookWorkflow.postReceiveDeadlineMessage) {
                request, deadline in
                HookWorkflow.postReceive(request, deadline: deadline) {
                    try RefUpdate.parse(bytes: Array(FileHandle.standardInput.readDataToEndOfFile()))
                }
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update", abstract: "The update hook: judges one ref (REF OLD NEW); exit 1 refuses it.",
            discussion: """
                Prefer pre-receive (what `hook install` writes unless given --hook update). git gives the update \
                hook no push options, so there is no break-glass: `-o changegate.override=…` never reaches it, and \
                neither overrides nor override deletions work. It is not atomic across refs: git refuses only the \
                refs it refused and lands the others of the same push, unless the pusher uses `git push --atomic`.
                """)

        @Argument var ref: String
        @Argument var old: String
        @Argument var new: String
        @OptionGroup var options: JudgeOptions

        func run() throws {
            try HookCommand.judge(options: options) { [try RefUpdate.fromArguments(ref: ref, old: old, new: new)] }
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install",
            abstract:
                "Write the pre-receive (or update) and post-receive hooks into a (bare) repository, chaining existing ones."
        )

        @Option(help: ArgumentHelp("The repository on the server.", valueName: "path"))
        var repo: String

        @Option(help: ArgumentHelp("The changegate executable the hook runs (default: this one).", valueName: "path"))
        var executable: String?

        @Option(
            name: .customLong("hook"),
            help: ArgumentHelp(
                "The git hook that judges: pre-receive (atomic, gets push options) or update (per ref: no push "
                    + "options, so no break-glass, and not atomic across refs).", valueName: "pre-receive|update"))
        var gate: HookInstaller.Gate = .preReceive

        @OptionGroup var options: JudgeOptions

        func run() throws {
            let repository: Repository
            do {
                repository = try Repository(path: repo)
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode.error
            }
            var arguments: [String] = []
            for pattern in options.protected { arguments += ["--protect", pattern] }
            if let policy = options.policy {
                arguments += ["--policy", URL(fileURLWithPath: policy).standardizedFileURL.path]
            }
            if options.deadline != 4 { arguments += ["--deadline", String(options.deadline)] }
            if options.forcePushRisk != 50 { arguments += ["--force-push-risk", String(options.forcePushRisk)] }
            if options.allowReplaceRefs { arguments.append("--allow-replace-refs") }
            if options.allowNamespaceRefs { arguments.append("--allow-namespace-refs") }
            if options.maxReadBytes != ReadBudget.defaultMaxBytes {
                arguments += ["--max-read-bytes", String(options.maxReadBytes)]
            }
            // The hook runs in the repository, not here: relative paths are made absolute now.
            func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
            if let evidence = options.evidenceDir { arguments += ["--evidence-dir", absolute(evidence)] }
            if let audit = options.audit {
                // A hook script is readable by whoever can read the repository, and its command line
                // by anyone on the host: a password stays in a password file or PGPASSWORD.
                if AuditStores.carriesPassword(audit) {
                    Standard.error(
                        "changegate: error: --audit carries a password, which the hook script and the process list "
                            + "would show: put it in a password file (`?passfile=PATH` or PGPASSFILE) or PGPASSWORD "
                            + "in the git server's environment, and name the location without it")
                    throw ExitCode.error
                }
                // A URL (postgres://) is the hook's as it is; the lean changegate hands it to changegate-server.
                arguments += ["--audit", AuditStores.isPath(audit) ? absolute(audit) : audit]
            }
            let program = executable ?? Self.currentExecutable()
            do {
                for line in try HookInstaller(repository: repository).install(
                    executable: program, arguments: arguments, gate: gate)
                {
                    print(line)
                }
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode.error
            }
        }

        static func currentExecutable() -> String {
            if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                return resolved
            }
            return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "uninstall", abstract: "Remove the hook and restore what install changed.")

        @Option(help: ArgumentHelp("The repository on the server.", valueName: "path"))
        var repo: String

        func run() throws {
            do {
                for line in try HookInstaller(repository: try Repository(path: repo)).uninstall() { print(line) }
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode.error
            }
        }
    }
}

extension HookInstaller.Gate: ExpressibleByArgument {}
