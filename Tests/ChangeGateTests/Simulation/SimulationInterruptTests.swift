import Foundation
import Testing

@testable import ChangeGateSimulation

#if canImport(Glibc)
    import Glibc
#endif

/// `changegate simulate` as a user runs it: SIGINT mid-run stops every cluster and exits 130, and
/// `--rev REV --file PATH` simulates the file as that revision has it. Real clusters (Sentinel's:
/// they start in a second or two).
@Suite("Simulation command, run for real")
struct SimulationInterruptTests {
    /// The processes whose parent is `pid`, with their command lines.
    static func children(of pid: pid_t) -> [(pid: pid_t, command: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(pid_t.init).compactMap { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, pid_t(fields[1]) == pid,
                let data = FileManager.default.contents(atPath: "/proc/\(candidate)/cmdline")
            else { return nil }
            return (candidate, String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " "))
        }
    }

    /// Processes anywhere whose command line names one of `folders`.
    static func running(in folders: [String]) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let command = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return folders.contains(where: command.contains) ? "\(pid) \(command)" : nil
        }
    }

    static func accepts(_ port: Int) -> Bool { LoopbackPorts.accepts(port) }

    @Test("SIGINT mid-run: exit 130, no process of the clusters left, no port of theirs listening")
    func interrupted() throws {
        let folder = try Paths.temporaryDirectory("simulate-sigint")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("sentinel.conf")
        // Never fails over: the run would last the whole RTO.
        try Data(SentinelConfigs.file(quorum: 4)).write(to: file)
        let process = Process()
        process.executableURL = Paths.changegate
        process.arguments = ["simulate", "sentinel", "--rto", "120", file.path]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Both scenarios' clusters up: three servers and three Sentinels each.
        var servers: [(pid: pid_t, command: String)] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            servers = Self.children(of: process.processIdentifier).filter { $0.command.contains("redis-") }
            if servers.count == 12 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        try #require(servers.count == 12, "\(servers.map(\.command))")
        // Each process's configuration is in its cluster's folder: the folder and the port.
        var folders = Set<String>()
        var ports: [Int] = []
        for server in servers {
            let config = try #require(server.command.split(separator: " ").first { $0.hasSuffix(".conf") })
            // `<cluster>/data/<server>.conf`.
            folders.insert(
                URL(fileURLWithPath: String(config)).deletingLastPathComponent().deletingLastPathComponent().path)
            let text = try String(contentsOfFile: String(config), encoding: .utf8)
            let port = try #require(text.split(separator: "\n").first { $0.hasPrefix("port ") }?.dropFirst(5))
            ports.append(try #require(Int(port)))
        }
        #expect(folders.count == 2)
        if geteuid() == 0 {
            // As root, the servers run as nobody: a client of theirs (any user can reach
            // loopback) acts without privilege.
            let nobody = try #require(getpwnam("nobody")).pointee.pw_uid
            for server in servers {
                let status = try String(contentsOfFile: "/proc/\(server.pid)/status", encoding: .utf8)
                let uid = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }
                #expect(uid?.split(separator: "\t").dropFirst().first == "\(nobody)", "\(server.command): \(uid ?? "")")
            }
        }
        #expect(ports.allSatisfy(Self.accepts), "the servers listen before the interrupt")
        // Mid-run: the faults are provoked a moment after the clusters are up.
        Thread.sleep(forTimeInterval: 2)
        try #require(process.isRunning)
        process.interrupt()
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted; stopping the clusters"), "\(stderr)")
        // The clusters are stopped before the exit; the watchdogs notice it within a second.
        let settled = Date().addingTimeInterval(5)
        while Date() < settled, !Self.running(in: Array(folders)).isEmpty { Thread.sleep(forTimeInterval: 0.2) }
        #expect(Self.running(in: Array(folders)).isEmpty, "\(Self.running(in: Array(folders)))")
        for folder in folders { #expect(!FileManager.default.fileExists(atPath: folder), "\(folder) is left") }
        for port in ports { #expect(!Self.accepts(port), "127.0.0.1:\(port) still listens") }
    }

    @Test("--rev REV --file PATH simulates the file as that revision has it")
    func fromRevision() throws {
        var repository = try GitFixture(label: "simulate-rev")
        defer { repository.remove() }
        try repository.write("redis/sentinel.conf", String(decoding: SentinelConfigs.file(quorum: 2), as: UTF8.self))
        try repository.commit("sentinel: monitor mymaster")
        // The tip's file, and the working tree's, are no Sentinel configuration at all.
        try repository.write("redis/sentinel.conf", "port 26379\n")
        try repository.commit("sentinel: drop the monitor")
        let junit = repository.url.appendingPathComponent("reports/simulation.xml").path
        let good = try Shell.run(
            [
                Paths.changegate.path, "simulate", "sentinel", "--repo", repository.path, "--rev", "HEAD~1",
                "--file", "redis/sentinel.conf", "--scenario", "kill-master", "--timers", "fast", "--rto", "20",
                "--junit", junit,
            ])
        #expect(good.status == 0, "\(good.stderr)\(good.stdout)")
        #expect(good.stdout.contains("Failover simulation: Sentinel, redis/sentinel.conf"), "\(good.stdout)")
        #expect(good.stdout.contains("kill-master  PASSED"), "\(good.stdout)")
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains(#"name="failover-simulation/kill-master""#))
        let tip = try Shell.run(
            [
                Paths.changegate.path, "simulate", "sentinel", "--repo", repository.path, "--rev", "HEAD",
                "--file", "redis/sentinel.conf",
            ])
        #expect(tip.status == 2)
        #expect(tip.stderr.contains("is not Redis Sentinel configuration"), "\(tip.stderr)")
        let twice = try Shell.run(
            [Paths.changegate.path, "simulate", "sentinel", "--file", "a.conf", "b.conf"])
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("give the file once"), "\(twice.stderr)")
    }
}
