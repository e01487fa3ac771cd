import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A simulated Patroni cluster gives another local user nothing: its servers run without
/// privilege (as root: `nobody`, not `postgres`, who owns the machine's own databases), what root
/// runs at cleanup is not theirs to rewrite, and its superuser asks for a password over TCP. The
/// attack this replays: the cluster's folder, cleanup script included, owned by the cluster's user,
/// and loopback `trust` — any local user logged in as the superuser, had PostgreSQL run a program
/// as that user (`COPY … TO PROGRAM`), rewrote the script, and root ran it.
@Suite("Simulation: a Patroni cluster isolated from other local users")
struct PatroniClusterIsolationTests {
    static func owner(_ path: String) -> (uid: uid_t, mode: mode_t)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (info.st_uid, info.st_mode & 0o7777)
    }

    @Test("root owns the cleanup script, the process list and the logs; the superuser needs the cluster's password")
    func isolated() throws {
        let folder = try Paths.temporaryDirectory("simulate-isolation")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("patroni.yml")
        try Data(try SimulationPlanTests.demoFiles().good).write(to: file)
        let process = Process()
        process.executableURL = Paths.changegate
        process.arguments = [
            "simulate", "patroni", "--timers", "fast", "--rto", "60", "--scenario", "switchover", file.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
        }
        // The first member's configuration, once its PostgreSQL has started.
        var cluster: String?
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline, cluster == nil {
            for child in SimulationInterruptTests.children(of: process.processIdentifier) {
                guard let config = child.command.split(separator: " ").first(where: { $0.hasSuffix("/run/m0.json") })
                else { continue }
                let root = URL(fileURLWithPath: String(config)).deletingLastPathComponent().deletingLastPathComponent()
                if FileManager.default.fileExists(atPath: root.path + "/run/m0/data/postmaster.pid") {
                    cluster = root.path
                }
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        let root = try #require(cluster, "no member started within 90 s")
        let config = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/run/m0.json")))
                as? [String: Any])
        let listen = try #require((config["postgresql"] as? [String: Any])?["listen"] as? String)
        let port = try #require(listen.split(separator: ":").last.map(String.init))

        // Over TCP, as the superuser, without the cluster's password: refused.
        let login = try Shell.run(
            [
                "psql", "-X", "-w", "-At", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "postgres", "-c",
                "SELECT 1",
            ], environment: ["PGPASSWORD": "", "PGPASSFILE": "/dev/null", "PGCONNECT_TIMEOUT": "5"])
        #expect(login.status != 0, "a password-less login as the superuser: \(login.stdout)")
        #expect(login.stderr.contains("password"), "\(login.stderr)")

        // What root runs or trusts at cleanup is root's, and no one else may write it.
        for path in [root, root + "/cleanup.sh", root + "/pids", root + "/m0.log", root + "/ctl-m0.json"] {
            let found = try #require(Self.owner(path), "\(path) is missing")
            #expect(found.uid == geteuid(), "\(path) is owned by uid \(found.uid)")
            #expect(found.mode & 0o022 == 0, "\(path) is writable by others: \(String(found.mode, radix: 8))")
        }
        let control = try #require(Self.owner(root + "/ctl-m0.json"))
        #expect(control.mode & 0o077 == 0, "patronictl's configuration holds the password: ours alone")
        if geteuid() == 0 {
            let nobody = try #require(getpwnam("nobody")).pointee.pw_uid
            #expect(Self.owner(root + "/run")?.uid == nobody)
            for child in SimulationInterruptTests.children(of: process.processIdentifier)
            where child.command.contains(root) {
                let status = try String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)
                let uid = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t")
                    .dropFirst().first
                // The watchdog (a shell of ours) is root's; every server is nobody's.
                if !child.command.hasPrefix("/bin/sh") {
                    #expect(uid == "\(nobody)", "\(child.command): uid \(uid ?? "?")")
                }
            }
        }
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let settled = Date().addingTimeInterval(5)
        while Date() < settled, FileManager.default.fileExists(atPath: root) { Thread.sleep(forTimeInterval: 0.2) }
        #expect(!FileManager.default.fileExists(atPath: root), "\(root) is left")
    }
}
