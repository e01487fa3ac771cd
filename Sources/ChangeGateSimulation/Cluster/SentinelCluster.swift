import Foundation

/// A Redis Sentinel cluster on loopback: a master, two replicas and three Sentinels, each with its
/// own port and folder under one temporary folder, started from a ``SentinelPlan``. Used by one
/// scenario on one thread; ``stop()`` (or the watchdog) leaves nothing behind.
final class SentinelCluster {
    struct Node {
        var name: String
        var port: Int
        var config: String
        var process: ClusterProcess?
        var log: String
    }

    let id: String
    let folder: String
    /// Where the servers write (their files, Sentinel's rewritten configuration): theirs. The
    /// cluster's folder, its cleanup script and its list of processes stay ours, so that no server
    /// (nor a client of one) can change what the cleanup runs.
    let data: String
    let tools: RedisTools
    let plan: SentinelPlan
    private(set) var servers: [Node] = []
    private(set) var sentinels: [Node] = []
    private var watchdog: ClusterProcess?

    init(plan: SentinelPlan, tools: RedisTools, label: String) throws(SimulationError) {
        self.plan = plan
        self.tools = tools
        id = "\(label)-\(UUID().uuidString.prefix(8))"
        folder = "/tmp/cg-sim-\(id)"
        data = folder + "/data"
        let ports = try LoopbackPorts.allocate(SentinelPlan.serverCount + SentinelPlan.sentinelCount)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: false)
        } catch {
            throw SimulationError(.clusterStart, "cannot make \(folder): \(error)")
        }
        let script = try ClusterCleanup.writeScript(folder: folder)
        watchdog = ClusterCleanup.register(id: id, script: script, folder: folder)
        for index in 0..<SentinelPlan.serverCount {
            servers.append(
                Node(
                    name: "redis-\(index)", port: ports[index], config: "\(data)/redis-\(index).conf",
                    log: "\(folder)/redis-\(index).log"))
        }
        for index in 0..<SentinelPlan.sentinelCount {
            sentinels.append(
                Node(
                    name: "sentinel-\(index)", port: ports[SentinelPlan.serverCount + index],
                    config: "\(data)/sentinel-\(index).conf", log: "\(folder)/sentinel-\(index).log"))
        }
        try writeConfigurations()
    }

    deinit { stop() }

    /// The files every process gets, written by us from the plan's integers alone. Each names the
    /// cluster's folder, so that the cleanup (and a test) can tell its processes by their command
    /// line, which `set-proc-title no` keeps as started.
    private func writeConfigurations() throws(SimulationError) {
        let common = ["bind 127.0.0.1", "set-proc-title no", "daemonize no", "logfile \"\""]
        for (index, server) in servers.enumerated() {
            var lines =
                common + [
                    "port \(server.port)", "dir \(data)", "dbfilename redis-\(index).rdb", "save \"\"",
                    "appendonly no",
                    // DEBUG SLEEP is the hang scenario's fault; local connections only.
                    "enable-debug-command local",
                    // A replica syncs at once, not after the default 5 s wait for others to join.
                    "repl-diskless-sync yes", "repl-diskless-sync-delay 0",
                ]
            if index > 0 { lines.append("replicaof 127.0.0.1 \(servers[0].port)") }
            try write(lines, to: server.config)
        }
        let name = SentinelPlan.masterName
        for sentinel in sentinels {
            // Sentinel rewrites its file (known replicas and Sentinels, the new master): ours, in
            // the cluster's folder.
            try write(
                common + [
                    "port \(sentinel.port)", "dir \(data)",
                    "sentinel monitor \(name) 127.0.0.1 \(servers[0].port) \(plan.quorum)",
                    "sentinel down-after-milliseconds \(name) \(plan.downAfterMilliseconds)",
                    "sentinel failover-timeout \(name) \(plan.failoverTimeout)",
                    "sentinel parallel-syncs \(name) \(plan.parallelSyncs)",
                ], to: sentinel.config)
        }
        if let user = tools.runAs {
            _ = CommandRunner.run(["/bin/chown", "-R", "\(user):", data])
            _ = CommandRunner.run(["/bin/chmod", "700", data])
        }
    }

    private func write(_ lines: [String], to path: String) throws(SimulationError) {
        do {
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw SimulationError(.clusterStart, "cannot write \(path): \(error)")
        }
    }

    /// The environment every server gets: nothing of ours.
    private var serverEnvironment: [String: String] {
        ["PATH": "/usr/bin:/bin", "HOME": data, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"]
    }

    private func record(_ process: ClusterProcess) {
        let line = "\(process.pid)\n"
        if let handle = FileHandle(forWritingAtPath: folder + "/pids") {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        } else {
            _ = FileManager.default.createFile(atPath: folder + "/pids", contents: Data(line.utf8))
        }
    }

    /// Starts the master and its replicas, waits until both are in sync, then the Sentinels, and
    /// waits until each knows both replicas and the other two Sentinels: a fault before that would
    /// measure the cluster's start, not its failover.
    func start(timeout: Double = 60) throws(SimulationError) {
        let deadline = Date().addingTimeInterval(timeout)
        for index in servers.indices {
            let process = try ClusterProcess.start(
                [tools.redisServer, servers[index].config], name: servers[index].name, log: servers[index].log,
                user: tools.runAs, environment: serverEnvironment)
            servers[index].process = process
            record(process)
        }
        try wait(until: deadline, what: "both replicas to sync with \(servers[0].name)") {
            let info = self.info(servers[0].port, section: "replication")
            return info.components(separatedBy: "state=online").count - 1 == servers.count - 1
        }
        for index in sentinels.indices {
            var arguments = [tools.redisSentinel, sentinels[index].config]
            if tools.sentinelFlag { arguments.append("--sentinel") }
            let process = try ClusterProcess.start(
                arguments, name: sentinels[index].name, log: sentinels[index].log, user: tools.runAs,
                environment: serverEnvironment)
            sentinels[index].process = process
            record(process)
        }
        try wait(until: deadline, what: "each Sentinel to know both replicas and the other Sentinels") {
            sentinels.allSatisfy { sentinel in
                let fields = masterState(sentinel.port)
                return fields["num-slaves"] == String(servers.count - 1)
                    && fields["num-other-sentinels"] == String(sentinels.count - 1)
                    && fields["flags"] == "master"
            }
        }
    }

    /// Polls `condition` every 0.2 s until it holds or `deadline` passes.
    func wait(until deadline: Date, what: String, _ condition: () -> Bool) throws(SimulationError) {
        while !condition() {
            guard Date() < deadline else {
                throw SimulationError(.clusterStart, "timed out waiting for \(what)", log: logs())
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// `INFO section` of a server, or "" when it does not answer.
    func info(_ port: Int, section: String) -> String {
        RedisClient.command(["INFO", section], port: port)?.text ?? ""
    }

    /// A Sentinel's `SENTINEL MASTER` fields for the simulated master.
    func masterState(_ port: Int) -> [String: String] {
        guard
            case .array(let items)? = RedisClient.command(["SENTINEL", "MASTER", SentinelPlan.masterName], port: port)
        else { return [:] }
        var fields: [String: String] = [:]
        var index = 0
        while index + 1 < items.count {
            if let key = items[index].text, let value = items[index + 1].text { fields[key] = value }
            index += 2
        }
        return fields
    }

    /// Whether a server takes a write now: a `SET` answered `OK` (a replica answers `READONLY`).
    func takesWrite(_ index: Int, key: String) -> Bool {
        RedisClient.command(["SET", key, "1"], port: servers[index].port) == .status("OK")
    }

    /// How far the furthest replica is behind the master's replication offset, in bytes.
    func replicaLag(master index: Int) -> Int? {
        let info = self.info(servers[index].port, section: "replication")
        func value(_ line: Substring, _ field: String) -> Int? {
            line.split(separator: ",").first { $0.hasPrefix(field + "=") }.flatMap {
                Int($0.dropFirst(field.count + 1))
            }
        }
        let lines = info.split(whereSeparator: \.isNewline)
        guard let offsetLine = lines.first(where: { $0.hasPrefix("master_repl_offset:") }),
            let offset = Int(offsetLine.dropFirst("master_repl_offset:".count))
        else { return nil }
        let replicas = lines.filter { $0.hasPrefix("slave") && $0.contains("offset=") }.compactMap {
            value($0, "offset")
        }
        guard let slowest = replicas.min() else { return -1 }
        return offset - slowest
    }

    /// SIGKILL to a server: the master's node is gone.
    func kill(_ index: Int) {
        servers[index].process?.kill()
        servers[index].process = nil
    }

    /// `DEBUG SLEEP seconds` on a server: it hangs, its port still open.
    func hang(_ index: Int, seconds: Int) -> Bool {
        RedisClient.send(["DEBUG", "SLEEP", String(seconds)], port: servers[index].port)
    }

    /// The last lines of every process's log, for a report that explains itself.
    func logs(lines: Int = 12) -> String {
        var out: [String] = []
        for node in servers + sentinels {
            let tail = ClusterFiles.tail(of: node.log, lines: lines)
            if !tail.isEmpty { out.append("--- \(node.name):\n" + tail) }
        }
        return out.joined(separator: "\n")
    }

    /// The Sentinels' log lines about the failover: its events (`+sdown`, `+odown`,
    /// `+elected-leader`, `+switch-master`, …), each Sentinel's in its order.
    func sentinelLogLines(limit: Int = 16) -> [String] {
        var out: [String] = []
        for sentinel in sentinels {
            guard let text = try? String(contentsOfFile: sentinel.log, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where SentinelCluster.telling.contains(where: line.contains) {
                out.append("\(sentinel.name): \(line)")
            }
        }
        return Array(out.suffix(limit))
    }

    static let telling = [
        "+sdown master", "-sdown master", "+odown", "-odown", "+try-failover", "+elected-leader", "+vote-for-leader",
        "+selected-slave", "+promoted-slave", "+switch-master", "+failover-end", "-failover-abort",
        "-failover-abort-not-elected", "+failover-state",
    ]

    /// Stops everything and removes the folder.
    func stop() {
        for node in servers + sentinels { node.process?.kill() }
        ClusterCleanup.run(id: id)
        watchdog?.kill()
        watchdog = nil
        for index in servers.indices { servers[index].process = nil }
        for index in sentinels.indices { sentinels[index].process = nil }
    }
}
