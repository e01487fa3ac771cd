import ChangeGate
import Foundation

/// Runs one Sentinel scenario on a cluster of its own: start, write, provoke the fault, measure
/// the time until a replica, promoted, takes a write (a real `SET`), count the acknowledged keys
/// that survived, stop. One thread per scenario, as ``ScenarioRunner``.
struct SentinelScenarioRunner {
    var plan: SentinelPlan
    var tools: RedisTools
    /// The RTO: how long to wait for a new master after the fault.
    var limit: Double
    /// Keys written (and acknowledged) before the fault, in batches, the last just before it.
    static let batches = 4
    static let keysPerBatch = 50

    func run(_ scenario: Scenario) -> ScenarioResult {
        let started = Date()
        func bound(_ assessment: FailoverAssessment?) -> Int? {
            scenario.failureMode.flatMap { mode in assessment?.bounds.first { $0.mode == mode }?.seconds }
        }
        var result = ScenarioResult(
            scenario: scenario, outcome: .noPrimary(waited: 0), modelBound: bound(plan.runAssessment),
            fileModelBound: bound(plan.fileAssessments.first { $0.system == .sentinel }), limit: limit)
        let cluster: SentinelCluster
        do {
            cluster = try SentinelCluster(plan: plan, tools: tools, label: scenario.rawValue)
        } catch {
            result.outcome = .error(error)
            return result
        }
        result.clusterFolder = cluster.folder
        defer {
            cluster.stop()
            result.duration = Date().timeIntervalSince(started)
        }
        do {
            try cluster.start()
            try provoke(scenario, on: cluster, into: &result)
        } catch {
            result.outcome = .error(error)
            result.logExcerpt = error.logExcerpt.isEmpty ? cluster.logs() : error.logExcerpt
        }
        result.duration = Date().timeIntervalSince(started)
        return result
    }

    static func key(_ number: Int) -> String { "changegate-simulation:\(number)" }

    private func provoke(_ scenario: Scenario, on cluster: SentinelCluster, into result: inout ScenarioResult)
        throws(SimulationError)
    {
        let master = 0
        result.leader = cluster.servers[master].name
        for batch in 0..<Self.batches {
            let first = batch * Self.keysPerBatch + 1
            let pairs = (first..<first + Self.keysPerBatch).flatMap { [Self.key($0), "1"] }
            let reply = RedisClient.command(["MSET"] + pairs, port: cluster.servers[master].port, timeout: 2)
            guard reply == .status("OK") else {
                throw SimulationError(
                    .scenario, "a write before the fault failed: \(reply.map { "\($0)" } ?? "no reply")",
                    log: cluster.logs())
            }
            result.rowsWritten += Self.keysPerBatch
            // Spread over a second, as the Patroni scenarios' rows: the keys lost are those in
            // flight at the fault.
            if batch < Self.batches - 1 { Thread.sleep(forTimeInterval: 0.3) }
        }
        result.replicaLagBytes = cluster.replicaLag(master: master)
        let fault = Date()
        switch scenario {
        case .killMaster:
            cluster.kill(master)
        case .hangMaster:
            // Longer than the wait: a master that wakes within it would be service restored in
            // place, and the scenario asks whether Sentinel replaces a hung one.
            guard cluster.hang(master, seconds: Int(limit) + 60) else {
                throw SimulationError(.scenario, "DEBUG SLEEP could not be sent to \(cluster.servers[master].name)")
            }
        default:
            throw SimulationError(.scenario, "\(scenario.rawValue) is not a Sentinel scenario")
        }
        let candidates = cluster.servers.indices.filter { $0 != master }
        var marker = 1_000_000
        while true {
            let elapsed = Date().timeIntervalSince(fault)
            for index in candidates {
                marker += 1
                guard cluster.takesWrite(index, key: Self.key(marker)) else { continue }
                let seconds = Date().timeIntervalSince(fault)
                result.outcome = .writable(member: cluster.servers[index].name, seconds: seconds, failedOver: true)
                let keys = (1...result.rowsWritten).map(Self.key)
                if case .integer(let present)? = RedisClient.command(
                    ["EXISTS"] + keys, port: cluster.servers[index].port, timeout: 2)
                {
                    result.rowsLost = result.rowsWritten - present
                }
                // A promoted replica takes writes as soon as it is told `REPLICAOF NO ONE`; the
                // Sentinels announce the new master (`+switch-master`) once its INFO says so, up
                // to a second later: wait for it, so that the report quotes the whole failover.
                let announced = Date().addingTimeInterval(5)
                while Date() < announced, !cluster.sentinelLogLines().contains(where: { $0.contains("+switch-master") })
                {
                    Thread.sleep(forTimeInterval: 0.2)
                }
                result.logLines = cluster.sentinelLogLines()
                if !result.passed { result.logExcerpt = cluster.logs() }
                return
            }
            if elapsed > limit {
                result.outcome = .noPrimary(waited: elapsed)
                result.logLines = cluster.sentinelLogLines()
                result.logExcerpt = cluster.logs()
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }
}
