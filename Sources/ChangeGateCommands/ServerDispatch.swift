import ChangeGate
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the lean `changegate` hands a PostgreSQL trail to `changegate-server`.
///
/// The hook's binary does not link PostgresNIO (swift-nio's threads and its code would be paid on
/// every push, PostgreSQL or not). Before anything is parsed or read, it looks at its arguments and
/// `CHANGEGATE_AUDIT` alone (no git, no file) for a PostgreSQL location; when one is named it
/// replaces itself (`execv`) with `changegate-server`, which has the same commands and PostgreSQL,
/// with the same arguments and environment, and with standard input unread (the hook's updates).
/// No server binary: exit 2 (a hook that cannot record must refuse the push). `changegate serve`
/// is handed over the same way: the service (Hummingbird, swift-nio) is built into
/// `changegate-server` only.
public enum ServerDispatch {
    /// The executable with PostgreSQL built in.
    public static let serverName = "changegate-server"
    /// Names the server binary instead of the one beside `changegate`.
    public static let binaryVariable = "CHANGEGATE_SERVER_BINARY"
    /// The commands only `changegate-server` has.
    static let serverCommands: Set<String> = ["serve"]
    /// The options whose value is a trail's location (`--audit`, and `audit migrate`'s two).
    static let locationOptions = ["--audit", "--from", "--to"]

    /// True when the arguments or the environment name a PostgreSQL trail.
    ///
    /// - Parameters:
    ///   - arguments: The process's arguments, the program's name first.
    ///   - auditVariable: `CHANGEGATE_AUDIT`'s value, if set.
    /// - Returns: Whether the command needs `changegate-server`.
    public static func wanted(arguments: [String], auditVariable: String?) -> Bool {
        if servesCommand(arguments: arguments) { return true }
        if let auditVariable, isPostgres(auditVariable) { return true }
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            // After `--` every word is an argument, never an option.
            if argument == "--" { return false }
            if locationOptions.contains(argument), index + 1 < arguments.count, isPostgres(arguments[index + 1]) {
                return true
            }
            if let equals = argument.firstIndex(of: "="), locationOptions.contains(String(argument[..<equals])),
                isPostgres(String(argument[argument.index(after: equals)...]))
            {
                return true
            }
            index += 1
        }
        return false
    }

    /// True when the command is one only `changegate-server` has (`serve`): the first word after
    /// the program's name.
    ///
    /// - Parameter arguments: The process's arguments, the program's name first.
    /// - Returns: Whether the command is the service's.
    public static func servesCommand(arguments: [String]) -> Bool {
        arguments.count > 1 && serverCommands.contains(arguments[1])
    }

    /// True for `postgres://…` and `postgresql://…`, in any case.
    static func isPostgres(_ location: String) -> Bool {
        let lowered = location.prefix(16).lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// Where the server binary is: `CHANGEGATE_SERVER_BINARY` when set, else `changegate-server` in
    /// the folder of this executable (`/proc/self/exe`, so that a symbolic link to `changegate`
    /// finds the server beside the real file).
    ///
    /// - Parameter variable: `CHANGEGATE_SERVER_BINARY`'s value, if set.
    /// - Returns: The path to execute.
    public static func serverPath(variable: String?) -> String {
        if let variable, !variable.isEmpty { return variable }
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        return (executable as NSString).deletingLastPathComponent + "/" + serverName
    }

    /// Replaces this process with `changegate-server` when the command names a PostgreSQL trail;
    /// returns when it does not. When the server cannot be executed, says where it looked and how
    /// to build it, and exits 2.
    public static func execIfWanted() {
        let auditVariable = getenv("CHANGEGATE_AUDIT").map { String(cString: $0) }
        guard wanted(arguments: CommandLine.arguments, auditVariable: auditVariable) else { return }
        let path = serverPath(variable: getenv(binaryVariable).map { String(cString: $0) })
        // The same argv and environment: execv keeps `environ`, and standard input is unread.
        execv(path, CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        if servesCommand(arguments: CommandLine.arguments) {
            Standard.error(
                "changegate: error: `changegate serve` runs in `\(serverName)`, the binary with the service built in, "
                    + "and this `changegate` cannot run \(path) (\(reason)). Build it with `swift build -c release "
                    + "--static-swift-stdlib --product \(serverName)` and put it beside `changegate`, or name it with "
                    + "\(binaryVariable)=PATH")
            Standard.exit(WorkflowExit.error.rawValue)
        }
        Standard.error(
            "changegate: error: the audit trail is a PostgreSQL location, which this `changegate` hands to "
                + "`\(serverName)`, and it cannot run \(path) (\(reason)); nothing was judged or recorded. Build it "
                + "with `swift build -c release --static-swift-stdlib --product \(serverName)` and put it beside "
                + "`changegate`, or name it with \(binaryVariable)=PATH")
        Standard.exit(WorkflowExit.error.rawValue)
    }
}
