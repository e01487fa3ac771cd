import ChangeGate
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the lean `changegate` hands a PostgreSQL trail to `changegate-postgres`, and `serve` to
/// `changegate-server`.
///
/// The hook's binary does not link PostgresNIO (swift-nio's threads and its code would be paid on
/// every push, PostgreSQL or not). Before anything is parsed or read, it looks at its arguments and
/// `CHANGEGATE_AUDIT` alone (no git, no file) for a PostgreSQL location; when one is named it
/// replaces itself (`execv`) with `changegate-postgres`, which has the same commands and PostgreSQL
/// and nothing of the service (no Hummingbird, no URLSession: no libcurl to load on every command),
/// with the same arguments and environment, and with standard input unread (the hook's updates).
/// `changegate serve` is handed to `changegate-server`, the binary with the service built in
/// (Hummingbird, swift-nio, and the same commands with PostgreSQL too). A PostgreSQL command falls
/// back to `changegate-server` beside `changegate` when `changegate-postgres` is not there. No
/// binary to run: exit 2 (a hook that cannot record must refuse the push).
public enum ServerDispatch {
    /// The executable with the service (and PostgreSQL) built in: `serve`.
    public static let serverName = "changegate-server"
    /// The executable with PostgreSQL built in and nothing of the service: PostgreSQL locations.
    public static let postgresName = "changegate-postgres"
    /// Names the server binary instead of the one beside `changegate`; also the PostgreSQL binary
    /// when ``postgresVariable`` is not set (it has the same commands).
    public static let binaryVariable = "CHANGEGATE_SERVER_BINARY"
    /// Names the PostgreSQL binary instead of the one beside `changegate`.
    public static let postgresVariable = "CHANGEGATE_POSTGRES_BINARY"
    /// The commands only `changegate-server` has.
    static let serverCommands: Set<String> = ["serve"]
    /// The options whose value is a trail's location (`--audit`, and `audit migrate`'s two).
    static let locationOptions = ["--audit", "--from", "--to"]

    /// Which binary a command line goes to.
    public enum Destination: Sendable, Equatable {
        /// `changegate-server`: the service's commands (`serve`).
        case server
        /// `changegate-postgres`: a command on a PostgreSQL trail.
        case postgres
    }

    /// True when the arguments or the environment name a PostgreSQL trail, or the command is the
    /// service's: the command does not run in the lean binary.
    ///
    /// - Parameters:
    ///   - arguments: The process's arguments, the program's name first.
    ///   - auditVariable: `CHANGEGATE_AUDIT`'s value, if set.
    /// - Returns: Whether the command is handed over.
    public static func wanted(arguments: [String], auditVariable: String?) -> Bool {
        destination(arguments: arguments, auditVariable: auditVariable) != nil
    }

    /// Where the command goes: `serve` to the server, a PostgreSQL trail to the PostgreSQL binary,
    /// nil for everything the lean binary runs itself.
    ///
    /// - Parameters:
    ///   - arguments: The process's arguments, the program's name first.
    ///   - auditVariable: `CHANGEGATE_AUDIT`'s value, if set.
    /// - Returns: The binary to hand the command to, if any.
    public static func destination(arguments: [String], auditVariable: String?) -> Destination? {
        if servesCommand(arguments: arguments) { return .server }
        if let auditVariable, isPostgres(auditVariable) { return .postgres }
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            // After `--` every word is an argument, never an option.
            if argument == "--" { return nil }
            if locationOptions.contains(argument), index + 1 < arguments.count, isPostgres(arguments[index + 1]) {
                return .postgres
            }
            if let equals = argument.firstIndex(of: "="), locationOptions.contains(String(argument[..<equals])),
                isPostgres(String(argument[argument.index(after: equals)...]))
            {
                return .postgres
            }
            index += 1
        }
        return nil
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

    /// The programs to try for `destination`, in order: the first that executes runs the command.
    ///
    /// The server: `CHANGEGATE_SERVER_BINARY` when set, else `changegate-server` in `folder`.
    /// PostgreSQL: `CHANGEGATE_POSTGRES_BINARY` when set, else `CHANGEGATE_SERVER_BINARY` when set
    /// (the server has the same commands: a deployment that names it keeps working), else
    /// `changegate-postgres` in `folder` and then `changegate-server` there.
    ///
    /// - Parameters:
    ///   - destination: Which binary the command goes to.
    ///   - serverVariable: `CHANGEGATE_SERVER_BINARY`'s value, if set.
    ///   - postgresVariable: `CHANGEGATE_POSTGRES_BINARY`'s value, if set.
    ///   - folder: The folder of the real `changegate` (``executableFolder()``).
    /// - Returns: The paths to execute, at least one.
    public static func candidates(
        for destination: Destination, serverVariable: String?, postgresVariable: String?, folder: String
    ) -> [String] {
        let server = serverVariable.flatMap { $0.isEmpty ? nil : $0 }
        let postgres = postgresVariable.flatMap { $0.isEmpty ? nil : $0 }
        switch destination {
        case .server:
            return [server ?? folder + "/" + serverName]
        case .postgres:
            if let named = postgres ?? server { return [named] }
            return [folder + "/" + postgresName, folder + "/" + serverName]
        }
    }

    /// The folder of this executable (`/proc/self/exe`, so that a symbolic link to `changegate`
    /// finds the binaries beside the real file).
    public static func executableFolder() -> String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        return (executable as NSString).deletingLastPathComponent
    }

    /// Replaces this process with `changegate-postgres` when the command names a PostgreSQL trail,
    /// or `changegate-server` for `serve`; returns when it does neither. When no candidate can be
    /// executed, says where it looked and how to build the binary, and exits 2.
    public static func execIfWanted() {
        let auditVariable = getenv("CHANGEGATE_AUDIT").map { String(cString: $0) }
        guard let destination = destination(arguments: CommandLine.arguments, auditVariable: auditVariable) else {
            return
        }
        let paths = candidates(
            for: destination, serverVariable: getenv(binaryVariable).map { String(cString: $0) },
            postgresVariable: getenv(postgresVariable).map { String(cString: $0) }, folder: executableFolder())
        var failures: [String] = []
        for path in paths {
            // The same argv and environment: execv keeps `environ`, and standard input is unread.
            execv(path, CommandLine.unsafeArgv)
            failures.append("\(path) (\(String(cString: strerror(errno))))")
        }
        let tried = failures.joined(separator: ", nor ")
        switch destination {
        case .server:
            Standard.error(
                "changegate: error: `changegate serve` runs in `\(serverName)`, the binary with the service built in, "
                    + "and this `changegate` cannot run \(tried). Build it with `swift build -c release "
                    + "--static-swift-stdlib --product \(serverName)` and put it beside `changegate`, or name it with "
                    + "\(binaryVariable)=PATH")
        case .postgres:
            Standard.error(
                "changegate: error: the audit trail is a PostgreSQL location, which this `changegate` hands to "
                    + "`\(postgresName)`, and it cannot run \(tried); nothing was judged or recorded. Build it "
                    + "with `swift build -c release --static-swift-stdlib --product \(postgresName)` and put it beside "
                    + "`changegate`, or name it with \(postgresVariable)=PATH")
        }
        Standard.exit(WorkflowExit.error.rawValue)
    }
}
