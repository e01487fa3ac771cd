import Foundation

/// A real PostgreSQL server for the tests and the bench, started from nothing: `initdb` into a
/// temporary folder and `pg_ctl start` on a loopback port and a socket in that folder.
///
/// PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the `postgres`
/// user (Debian's package makes it; `scripts/bootstrap` installs the package), through `runuser`.
/// One server per test process (``shared``); a watchdog stops it and removes its folder when the
/// process ends, however it ends, so that nothing listens after the tests.
public final class PostgresTestServer: Sendable {
    public let folder: String
    public let port: Int
    /// Where the socket is: connect with `?host=` this folder.
    public var socketFolder: String { folder }
    private let bin: String
    private let runAs: String?

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The process's server, started on first use.
    public static let shared: Result<PostgresTestServer, StartError> = Result { () throws(StartError) in
        try PostgresTestServer()
    }

    /// A server of the caller's own, for a test that restarts or breaks it while other tests use
    /// ``shared``; stopped, like it, when the process ends.
    /// - Parameter durable: Keep PostgreSQL's defaults, fsync and synchronous commit on, as a
    ///   production server has them (the bench compares appends with SQLite's, which fsync); off by
    ///   default, since the tests want speed and a crash of the test server loses nothing of value.
    /// - Returns: The running server.
    /// - Throws: ``StartError`` when initdb or pg_ctl fails, with their output.
    public static func start(durable: Bool = false) throws(StartError) -> PostgresTestServer {
        try PostgresTestServer(durable: durable)
    }

    /// A URL of the server's `postgres` database as its superuser, over the socket, for `chain`.
    public func url(chain: String) -> String {
        "postgres://postgres@/postgres?host=\(socketFolder)&port=\(port)&chain=\(chain)"
    }

    /// The same over TCP on 127.0.0.1.
    public func tcpURL(chain: String) -> String {
        "postgres://postgres@127.0.0.1:\(port)/postgres?chain=\(chain)"
    }

    private init(durable: Bool = false) throws(StartError) {
        guard let bin = Self.binaries() else {
            throw StartError(
                description:
                    "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH: "
                    + "run scripts/bootstrap, which installs Debian's postgresql")
        }
        self.bin = bin
        runAs = geteuid() == 0 ? "postgres" : nil
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "changegate-pg-\(UUID().uuidString.prefix(8))")
        folder = base.path
        do {
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
            if let runAs {
                try FileManager.default.setAttributes(
                    [.ownerAccountName: runAs, .posixPermissions: 0o700], ofItemAtPath: folder)
            }
        } catch {
            throw StartError(description: "cannot make the server's folder \(folder): \(error)")
        }
        let data = folder + "/data"
        try Self.run(
            runAs,
            [bin + "/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
            what: "initdb")
        var started: Int?
        var lastError = ""
        for _ in 0..<10 {
            let candidate = Int.random(in: 20_000..<60_000)
            do {
                try Self.run(
                    runAs,
                    [
                        bin + "/pg_ctl", "-D", data, "-l", folder + "/server.log", "-w", "-t", "60", "-o",
                        "-p \(candidate) -k \(folder) -c listen_addresses=127.0.0.1 -c max_connections=200"
                            + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"),
                        "start",
                    ], what: "pg_ctl start", detached: true)
                started = candidate
                break
            } catch {
                let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
                lastError = error.description + "\n" + log.suffix(2000)
            }
        }
        guard let started else { throw StartError(description: lastError) }
        port = started
        startWatchdog()
    }

    /// Stops the server when this process is gone: a detached shell that polls the process.
    private func startWatchdog() {
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            \(runAs.map { "runuser -u \($0) -- " } ?? "")\(bin)/pg_ctl -D \(folder)/data stop -m immediate >/dev/null 2>&1
            rm -rf \(folder)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }

    /// Restarts the server, `mode` as pg_ctl's `-m` (`immediate` is a crash).
    public func restart(mode: String = "fast") throws(StartError) {
        try Self.run(
            runAs,
            [bin + "/pg_ctl", "-D", folder + "/data", "-l", folder + "/server.log", "-w", "-m", mode, "restart"],
            what: "pg_ctl restart", detached: true)
    }

    /// Runs SQL through `psql` as `user` (the superuser by default) in `database`; returns its
    /// unaligned output.
    @discardableResult
    public func psql(_ sql: String, user: String = "postgres", database: String = "postgres") throws(StartError)
        -> String
    {
        try Self.run(
            nil,
            [
                "psql", "-X", "-q", "-h", socketFolder, "-p", String(port), "-U", user, "-d", database,
                "-v", "ON_ERROR_STOP=1", "-At", "-c", sql,
            ], what: "psql")
    }

    /// Runs a script of SQL statements through `psql -f` as `user` in `database`, each statement
    /// on its own (`-c` runs them in one transaction, where `CREATE DATABASE` may not run).
    @discardableResult
    public func psqlScript(_ sql: String, user: String = "postgres", database: String = "postgres")
        throws(StartError) -> String
    {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "changegate-psql-\(UUID().uuidString.prefix(8)).sql")
        do {
            try sql.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            throw StartError(description: "cannot write \(file.path): \(error)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        return try Self.run(
            nil,
            [
                "psql", "-X", "-q", "-h", socketFolder, "-p", String(port), "-U", user, "-d", database,
                "-v", "ON_ERROR_STOP=1", "-At", "-f", file.path,
            ], what: "psql")
    }

    /// A URL of `database` as `user` (the server trusts every local login), over the socket.
    public func url(user: String, database: String, chain: String) -> String {
        "postgres://\(user)@/\(database)?host=\(socketFolder)&port=\(port)&chain=\(chain)"
    }

    static func binaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init)
            .sorted()
        for version in versions.reversed()
        where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(folder)/initdb") {
            return String(folder)
        }
        return nil
    }

    /// Runs a command and returns its output. `detached` for one that leaves a server running: the
    /// server would inherit pipes and hold them open, so its output goes nowhere (pg_ctl's `-l`
    /// log has it).
    @discardableResult
    static func run(_ user: String?, _ arguments: [String], what: String, detached: Bool = false) throws(StartError)
        -> String
    {
        let process = Process()
        var command = arguments
        if let user { command = ["runuser", "-u", user, "--"] + command }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.standardInput = FileHandle.nullDevice
        if detached { return try spawnDetached(command, what: what) }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw StartError(description: "\(what): cannot start \(command[0]): \(error)")
        }
        // Read both before waiting: a full pipe would block the child.
        let errorData = ReadAll(errors.fileHandleForReading)
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: errorData.wait(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw StartError(description: "\(what) failed (exit \(process.terminationStatus)): \(stderr)")
        }
        return String(decoding: outData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs a command that leaves a server behind, waiting for the command itself only. Not through
    /// `Process`: the server would inherit the descriptors `Process` watches the child with, and
    /// `Process` would wait for the server too. Here the child gets /dev/null and nothing else.
    private static func spawnDetached(_ command: [String], what: String) throws(StartError) -> String {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(
                &actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        // Every other descriptor is closed by bash before it runs the command (glibc's closefrom
        // action is not visible to Swift).
        let closing =
            #"cd / && for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$@""#
        let arguments = ["/bin/bash", "-c", closing, "bash"] + command
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, &argv, environ)
        guard spawned == 0 else {
            throw StartError(description: "\(what): cannot start \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            throw StartError(description: "\(what) failed (status \(status))")
        }
        return ""
    }

    /// Reads a pipe to its end on another thread.
    private final class ReadAll: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }
}
