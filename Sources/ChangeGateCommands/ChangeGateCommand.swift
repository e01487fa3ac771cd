import ArgumentParser
import ChangeGate

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `changegate`: the root command. Subcommands parse, call the library, print and exit.
struct ChangeGateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changegate",
        abstract: "Gate changes to failover-critical configuration kept in git.",
        discussion: """
            Exit codes: 0 success (allowed), 1 denied, 2 usage or configuration error.
            """,
        version: ChangeGateVersion.current,
        subcommands: ChangeGateMain.subcommands
    )
}

/// What `changegate` and `changegate-server` run once their store is set up: parse the arguments,
/// run the command, exit with its code.
public enum ChangeGateMain {
    /// The commands both executables have; `changegate-server` adds its own (`serve`) to them.
    public static let subcommands: [any ParsableCommand.Type] = [
        CheckCommand.self, DiffCommand.self, HistoryCommand.self, PolicyCommand.self, HookCommand.self,
        AuditCommand.self, FailoverCommand.self, SimulateCommand.self,
    ]

    /// Parses the process's arguments, runs `changegate`'s command, and exits.
    public static func run() -> Never { run(root: ChangeGateCommand.self) }

    /// Parses the process's arguments, runs the command, and exits.
    ///
    /// - Parameter root: The root command: `changegate-server`'s, with its own commands added to
    ///   ``subcommands``.
    public static func run(root: any ParsableCommand.Type) -> Never {
        do {
            var command = try root.parseAsRoot()
            try command.run()
            Standard.exit(WorkflowExit.success.rawValue)
        } catch let code as ExitCode {
            Standard.exit(code.rawValue)
        } catch {
            let code = root.exitCode(for: error)
            let message = root.fullMessage(for: error)
            if code == .success {
                print(message)
                Standard.exit(WorkflowExit.success.rawValue)
            }
            // Usage errors exit 2, as every ChangeGate configuration error does (not sysexits' 64).
            Standard.error(message)
            Standard.exit(WorkflowExit.error.rawValue)
        }
    }
}

/// ChangeGate's exits as the commands throw them: each is a ``WorkflowExit``, mapped to its code
/// there and only there (ArgumentParser's own `ExitCode.failure` is 1, which ChangeGate calls refused).
extension ExitCode {
    init(_ exit: WorkflowExit) { self.init(exit.rawValue) }
    /// 1: the answer is no (denied, refused, tampered, unformatted, a failing test).
    static let refused = ExitCode(WorkflowExit.refused)
    /// 2: not judged: a usage or configuration error, something that could not be read.
    static let error = ExitCode(WorkflowExit.error)
}

/// Output helpers shared by the commands.
public enum Standard {
    /// Ends the process with `code`, running atexit handlers (stdout is flushed). Named so that a
    /// command's own `exit` (ArgumentParser's) does not shadow the C library's, on Linux or Darwin.
    public static func exit(_ code: Int32) -> Never {
        #if canImport(Glibc)
            Glibc.exit(code)
        #elseif canImport(Darwin)
            Darwin.exit(code)
        #endif
    }

    public static func error(_ message: String) {
        // Messages carry paths, refs and names from the repository: no control character reaches
        // the terminal. The message's own line breaks stay, and tabs (a policy diagnostic quotes
        // its source line, caret aligned under it).
        var text = message.split(separator: "\t", omittingEmptySubsequences: false)
            .map { TerminalText.escapeLines(String($0)) }.joined(separator: "\t")
        if !text.hasSuffix("\n") { text += "\n" }
        _ = text.utf8CString.withUnsafeBufferPointer { buffer in
            write(STDERR_FILENO, buffer.baseAddress, buffer.count - 1)
        }
    }

    static var outputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    static func colorWanted(environment: [String: String]) -> Bool {
        outputIsTerminal && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }
}
