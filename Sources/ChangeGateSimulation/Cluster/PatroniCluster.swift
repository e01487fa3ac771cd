import ChangeGate
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A Patroni cluster on loopback: one etcd and three Patroni members over PostgreSQL, each with
/// its own ports and folders under one temporary folder, started from a ``PatroniPlan``. Used by
/// one scenario on one thread; ``stop()`` (or the watchdog) leaves nothing behind.
final class PatroniCluster {
    struct Member {
        var name: String
        var restPort: Int
        var pgPort: Int
        /// Under the cluster's `run/`: the member's own, its user's to write.
        var folder: String
        /// Patroni's configuration, in `run/` (Patroni reads it as the cluster's user).
        var config: String
        /// The same for `patronictl`, which runs as us: in the cluster's folder, ours alone, so that
        /// what the cluster's user can write never configures a process of ours.
        var controlConfig: String
        /// In the cluster's folder, opened by us: never a path the cluster's user could have
        /// planted a link at.
        var log: String
        var process: ClusterProcess?
        var data: String { folder + "/data" }
    }

    let id: String
    /// Ours (root's when we are root): the cleanup script, the process list, the logs and
    /// patronictl's configuration. The cluster's user writes only in ``run``.
    let folder: String
    /// What the servers write: data folders, sockets, etcd's data; owned by the cluster's user.
    var run: String { folder + "/run" }
    /// The password of the cluster's superuser, replicator and REST API, new for each cluster: a
    /// local user who finds the ports must not be able to log in (as the superuser, PostgreSQL
    /// runs programs as the cluster's user) or drive Patroni.
    private let secret = UUID().uuidString + UUID().uuidString
    let tools: SimulationTools
    let plan: PatroniPlan
    private(set) var members: [Member] = []
    private var etcd: ClusterProcess?
    private var watchdog: ClusterProcess?
    private let etcdPort: Int
    private let etcdPeerPort: Int
    /// The table the scenarios write to.
    static let table = "changegate_simulation"

    init(plan: PatroniPlan, tools: SimulationTools, label: String) throws(SimulationError) {
        self.plan = plan
        self.tools = tools
        id = "\(label)-\(UUID().uuidString.prefix(8))"
        // Short: PostgreSQL's socket path must fit in 107 bytes.
        folder = "/tmp/cg-sim-\(id)"
        let ports = try LoopbackPorts.allocate(2 + 2 * plan.members.count)
        etcdPort = ports[0]
        etcdPeerPort = ports[1]
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            try FileManager.default.createDirectory(atPath: folder + "/run", withIntermediateDirectories: false)
        } catch {
            throw SimulationError(.clusterStart, "cannot make \(folder): \(error)")
        }
        let script = try ClusterCleanup.writeScript(folder: folder)
        watchdog = ClusterCleanup.register(id: id, script: script, folder: folder)
        for (index, member) in plan.members.enumerated() {
            let memberFolder = "\(folder)/run/m\(index)"
            members.append(
                Member(
                    name: member.name, restPort: ports[2 + 2 * index], pgPort: ports[3 + 2 * index],
                    folder: memberFolder, config: memberFolder + ".json",
                    controlConfig: "\(folder)/ctl-m\(index).json", log: "\(folder)/m\(index).log"))
        }
        try writeConfigurations()
    }

    deinit { stop() }

    /// The environment every server gets: nothing of ours (no credentials, no PYTHONPATH).
    private var serverEnvironment: [String: String] {
        ["PATH": "\(tools.postgresBin):/usr/bin:/bin", "HOME": run, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"]
    }

    private func writeConfigurations() throws(SimulationError) {
        var dcs: [String: Any] = [:]
        // Not `pause`: Patroni does not initialise a paused cluster ("PAUSE: running with empty
        // data directory"). It is set once the cluster runs (``start(timeout:)``), as a change
        // applied to a live cluster sets it.
        for setting in plan.dcs where setting.key != "pause" { dcs[setting.key] = Self.json(setting.value) }
        // Small servers: a simulation measures failover, not throughput.
        dcs["postgresql"] =
            [
                "use_pg_rewind": true, "use_slots": true,
                "parameters": [
                    "max_connections": 40, "shared_buffers": "16MB", "wal_keep_size": "64MB", "max_wal_senders": 6,
                    "max_replication_slots": 6, "wal_log_hints": "on", "fsync": "off", "full_page_writes": "off",
                ] as [String: Any],
            ] as [String: Any]
        // The socket is in the member's folder, which only the cluster's user can reach; over TCP,
        // the cluster's own password.
        let hba = [
            "local all all trust", "host all all 127.0.0.1/32 scram-sha-256",
            "host replication replicator 127.0.0.1/32 scram-sha-256",
        ]
        for (index, member) in members.enumerated() {
            var tags: [String: Any] = [:]
            for tag in plan.members[index].tags { tags[tag.key] = Self.json(tag.value) }
            let config: [String: Any] = [
                "scope": plan.scope, "namespace": "/changegate-simulation/", "name": member.name,
                "restapi": [
                    "listen": "127.0.0.1:\(member.restPort)", "connect_address": "127.0.0.1:\(member.restPort)",
                    "authentication": ["username": "changegate", "password": secret],
                ],
                "ctl": ["authentication": ["username": "changegate", "password": secret]],
                "etcd3": ["hosts": ["127.0.0.1:\(etcdPort)"]],
                "bootstrap": ["dcs": dcs, "initdb": [["encoding": "UTF8"], ["locale": "C"]], "pg_hba": hba]
                    as [String: Any],
                "postgresql": [
                    "listen": "127.0.0.1:\(member.pgPort)", "connect_address": "127.0.0.1:\(member.pgPort)",
                    "data_dir": member.data, "bin_dir": tools.postgresBin, "pgpass": member.folder + "/pgpass",
                    "authentication": [
                        "replication": ["username": "replicator", "password": secret],
                        "superuser": ["username": "postgres", "password": secret],
                    ],
                    "parameters": ["unix_socket_directories": member.folder],
                    "pg_hba": hba,
                ] as [String: Any],
                "tags": tags,
                "log": ["level": "INFO"],
            ]
            do {
                try FileManager.default.createDirectory(atPath: member.folder, withIntermediateDirectories: false)
                // JSON is YAML: Patroni reads it as its YAML configuration.
                let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
                try data.write(to: URL(fileURLWithPath: member.config))
                guard
                    FileManager.default.createFile(
                        atPath: member.controlConfig, contents: data, attributes: [.posixPermissions: 0o600])
                else { throw SimulationError(.clusterStart, "cannot write \(member.controlConfig)") }
            } catch {
                throw SimulationError(.clusterStart, "cannot write \(member.config): \(error)")
            }
        }
        if let user = tools.runAs {
            // The cluster's user owns `run/` and nothing else: the cleanup script root runs, the
            // process list it trusts and the logs it opens stay out of that user's reach.
            _ = CommandRunner.run(["/bin/chown", "-R", "\(user):", run])
            _ = CommandRunner.run(["/bin/chmod", "700", run])
            _ = CommandRunner.run(["/bin/chmod", "711", folder])
        }
    }

    static func json(_ value: ConfigValue) -> Any {
        switch value {
        case .bool(let b): b
        case .integer(let n): n
        case .float(let d): d
        case .string(let s): s
        default: value.scalarText ?? ""
        }
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

    /// Starts etcd, the first member alone (it initialises and takes the leader key), then the
    /// others (they clone it), and waits until both replicas stream from it.
    func start(timeout: Double = 90) throws(SimulationError) {
        let etcdProcess = try ClusterProcess.start(
            [
                tools.etcd, "--name", "sim", "--data-dir", run + "/etcd",
                "--listen-client-urls", "http://127.0.0.1:\(etcdPort)",
                "--advertise-client-urls", "http://127.0.0.1:\(etcdPort)",
                "--listen-peer-urls", "http://127.0.0.1:\(etcdPeerPort)",
                "--initial-advertise-peer-urls", "http://127.0.0.1:\(etcdPeerPort)",
                "--initial-cluster", "sim=http://127.0.0.1:\(etcdPeerPort)",
                "--enable-v2=false", "--unsafe-no-fsync",
            ], name: "etcd", log: folder + "/etcd.log", user: tools.runAs, environment: serverEnvironment)
        etcd = etcdProcess
        record(etcdProcess)
        let deadline = Date().addingTimeInterval(timeout)
        try wait(until: deadline, what: "etcd to listen on 127.0.0.1:\(etcdPort)") { LoopbackPorts.accepts(etcdPort) }
        try startMember(0)
        try wait(until: deadline, what: "\(members[0].name) to become the primary") { isWritablePrimary(0) }
        let created = sql(0, "CREATE TABLE \(Self.table) (id bigint PRIMARY KEY, at timestamptz DEFAULT now())")
        guard created.succeeded else {
            throw SimulationError(
                .clusterStart, "cannot create the table on the primary: \(created.output)", log: logs())
        }
        for index in members.indices.dropFirst() { try startMember(index) }
        try waitForReplicas(of: 0, until: deadline)
        if let pause = plan.dcsValue("pause"), PatroniPlanner.pythonTruthy(pause) {
            let paused = CommandRunner.run(
                [tools.patronictl, "-c", members[0].controlConfig, "pause", "--wait"], environment: ["HOME": folder],
                timeout: 60)
            guard paused.succeeded else {
                throw SimulationError(.clusterStart, "patronictl pause failed: \(paused.output)", log: logs())
            }
        }
    }

    /// Waits until every other member streams from `leader` through its replication slot. Patroni
    /// first starts a replica without its slot and switches to it a loop later (a walreceiver
    /// restart): a fault in between would find no replica connected, and the rows lost would be
    /// the simulation's doing.
    func waitForReplicas(of leader: Int, until deadline: Date) throws(SimulationError) {
        let query = """
            SELECT count(*) FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid \
            WHERE r.state = 'streaming'
            """
        var steady = 0
        try wait(until: deadline, what: "the replicas to stream from \(members[leader].name) through their slots") {
            let streaming = sql(leader, query)
            steady = streaming.succeeded && Int(streaming.output) == members.count - 1 ? steady + 1 : 0
            // Twice in a row, a quarter second apart.
            return steady >= 2
        }
    }

    private func startMember(_ index: Int) throws(SimulationError) {
        let process = try ClusterProcess.start(
            [tools.patroni, members[index].config], name: "patroni \(members[index].name)",
            log: members[index].log, user: tools.runAs, environment: serverEnvironment)
        members[index].process = process
        record(process)
    }

    /// Polls `condition` every 0.25 s until it holds or `deadline` passes.
    func wait(until deadline: Date, what: String, _ condition: () -> Bool) throws(SimulationError) {
        while !condition() {
            guard Date() < deadline else {
                throw SimulationError(.clusterStart, "timed out waiting for \(what)", log: logs())
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    /// Runs SQL on a member as the superuser over TCP; a second to connect, two to run.
    func sql(_ index: Int, _ statement: String) -> CommandRunner.Result {
        CommandRunner.run(
            [
                tools.psql, "-X", "-q", "-At", "-h", "127.0.0.1", "-p", String(members[index].pgPort), "-U", "postgres",
                "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", statement,
            ],
            environment: [
                "PGCONNECT_TIMEOUT": "1", "PGOPTIONS": "-c statement_timeout=2000", "PGPASSWORD": secret,
            ], timeout: 5)
    }

    /// Whether a member is a primary that takes a write now (not in recovery, not read-only).
    func isWritablePrimary(_ index: Int) -> Bool {
        let result = sql(index, "SELECT pg_is_in_recovery()")
        return result.succeeded && result.output == "f"
    }

    /// The member that takes writes now, if one does.
    func primary() -> Int? { members.indices.first(where: isWritablePrimary) }

    /// SIGKILL to a member's Patroni and to its PostgreSQL, backends and all: the node is gone.
    func killNode(_ index: Int) {
        members[index].process?.kill()
        members[index].process = nil
        if let postmaster = ClusterFiles.postmasterPID(dataFolder: members[index].data) {
            let backends = ClusterFiles.children(of: postmaster)
            _ = Glibc.kill(postmaster, SIGKILL)
            for backend in backends { _ = Glibc.kill(backend, SIGKILL) }
        }
    }

    /// SIGKILL to a member's postmaster alone, its Patroni left running: PostgreSQL crashed.
    @discardableResult
    func crashPostgres(_ index: Int) -> Bool {
        guard let postmaster = ClusterFiles.postmasterPID(dataFolder: members[index].data) else { return false }
        return Glibc.kill(postmaster, SIGKILL) == 0
    }

    /// A switchover through Patroni's own client, from the current leader to whichever candidate
    /// Patroni picks.
    func switchover(from index: Int) -> CommandRunner.Result {
        CommandRunner.run(
            [
                tools.patronictl, "-c", members[index].controlConfig, "switchover", "--leader", members[index].name,
                "--force",
            ],
            environment: ["HOME": folder], timeout: 60)
    }

    /// The last lines of every process's log, for a report that explains itself.
    func logs(lines: Int = 12) -> String {
        var out: [String] = []
        for member in members {
            let tail = ClusterFiles.tail(of: member.log, lines: lines)
            if !tail.isEmpty { out.append("--- patroni \(member.name):\n" + tail) }
        }
        return out.joined(separator: "\n")
    }

    /// Log lines of every member matching one of `needles` (Patroni's own words on what it did).
    /// A message Patroni repeats every loop ("PAUSE: no action. I am …") is kept once, its latest;
    /// a line that matches only through the cluster's folder name (PostgreSQL's start-up lines
    /// name the folder) is not one.
    func logLines(containing needles: [String], limit: Int = 12) -> [String] {
        var out: [String] = []
        for member in members {
            guard let text = try? String(contentsOfFile: member.log, encoding: .utf8) else { continue }
            var latest: [String: Int] = [:]
            var lines: [String] = []
            for line in text.split(separator: "\n").map(String.init) {
                let words = line.replacingOccurrences(of: folder, with: "")
                guard needles.contains(where: { words.contains($0) }) else { continue }
                // Patroni's lines start with a timestamp ("2026-12-02 04:32:35,664 "): the rest is the message.
                let message = words.count > 24 ? String(words.dropFirst(24)) : words
                if let earlier = latest[message] { lines[earlier] = "" }
                latest[message] = lines.count
                lines.append("\(member.name): \(line)")
            }
            out += lines.filter { !$0.isEmpty }
        }
        return Array(out.suffix(limit))
    }

    /// Stops everything and removes the folder.
    func stop() {
        for member in members { member.process?.kill() }
        etcd?.kill()
        ClusterCleanup.run(id: id)
        watchdog?.kill()
        watchdog = nil
        etcd = nil
        for index in members.indices { members[index].process = nil }
    }
}
