import Foundation

/// Runs one scenario on a cluster of its own: start, write, provoke the fault, measure the time
/// until a primary takes a write (a real `INSERT`), count the acknowledged rows that survived,
/// stop. One thread per scenario; nothing is shared but the ports allocator and the cleanup list.
struct ScenarioRunner {
    var plan: PatroniPlan
    var tools: SimulationTools
    /// The RTO: how long to wait for a primary after the fault.
    var limit: Double
    /// Rows written (and acknowledged) before the fault, in batches, the last just before it.
    static let batches = 4
    static let rowsPerBatch = 50

    func run(_ scenario: Scenario) -> ScenarioResult {
        let started = Date()
        let bound = scenario.failureMode.flatMap { mode in plan.runAssessment.bounds.first { $0.mode == mode }?.seconds
        }
        let fileBound = scenario.failureMode.flatMap { mode in
            plan.fileAssessments.first { $0.system == .patroni }?.bounds.first { $0.mode == mode }?.seconds
        }
        var result = ScenarioResult(
            scenario: scenario, outcome: .noPrimary(waited: 0), modelBound: bound, fileModelBound: fileBound,
            limit: limit)
        let cluster: PatroniCluster
        do {
            cluster = try PatroniCluster(plan: plan, tools: tools, label: scenario.rawValue)
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

    private func provoke(_ scenario: Scenario, on cluster: PatroniCluster, into result: inout ScenarioResult)
        throws(SimulationError)
    {
        guard let leader = cluster.primary() else {
            throw SimulationError(.scenario, "no primary before the fault", log: cluster.logs())
        }
        result.leader = cluster.members[leader].name
        for batch in 0..<Self.batches {
            let first = batch * Self.rowsPerBatch + 1
            let insert = cluster.sql(
                leader,
                "INSERT INTO \(PatroniCluster.table) (id) SELECT generate_series(\(first), \(first + Self.rowsPerBatch - 1))"
            )
            guard insert.succeeded else {
                throw SimulationError(
                    .scenario, "a write before the fault failed: \(insert.output)", log: cluster.logs())
            }
            result.rowsWritten += Self.rowsPerBatch
            // Spread over a second: the rows lost are then those in flight at the fault, not
            // all of a burst written in a few milliseconds.
            if batch < Self.batches - 1 { Thread.sleep(forTimeInterval: 0.3) }
        }
        // The replicas stream again before the fault: on a loaded machine one can drop between the
        // start's readiness check and now, and a fault then would measure that, not the settings.
        try cluster.waitForReplicas(of: leader, until: Date().addingTimeInterval(30))
        // How far the replicas were behind as the fault came: what the rows lost are measured against.
        let lag = cluster.sql(
            leader,
            "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)), -1)::bigint FROM pg_stat_replication"
        )
        result.replicaLagBytes = Int(lag.output)
        let fault = Date()
        var candidates = Array(cluster.members.indices)
        switch scenario {
        case .killLeader:
            cluster.killNode(leader)
            candidates.removeAll { $0 == leader }
        case .crashPostgres:
            guard cluster.crashPostgres(leader) else {
                throw SimulationError(.scenario, "no postmaster to crash on \(cluster.members[leader].name)")
            }
        case .switchover:
            let answer = cluster.switchover(from: leader)
            if !answer.succeeded || answer.output.contains("failed") || answer.output.contains("not possible") {
                // patronictl prints the cluster's table first; its verdict is the `Error:` line.
                let lines = answer.output.split(separator: "\n").map(String.init)
                result.outcome = .refused(lines.last { $0.contains("Error") } ?? lines.last ?? "exit \(answer.status)")
                result.logLines = cluster.logLines(containing: ["switchover", "Switchover", "failover"])
                result.logExcerpt = cluster.logs()
                return
            }
        case .killMaster, .hangMaster:
            throw SimulationError(.scenario, "\(scenario.rawValue) is not a Patroni scenario")
        }
        // A write every quarter second to every candidate until one takes it or the limit passes.
        var marker = 1_000_000
        while true {
            let elapsed = Date().timeIntervalSince(fault)
            for index in candidates {
                marker += 1
                let write = cluster.sql(index, "INSERT INTO \(PatroniCluster.table) (id) VALUES (\(marker))")
                if write.succeeded {
                    let seconds = Date().timeIntervalSince(fault)
                    result.outcome = .writable(
                        member: cluster.members[index].name, seconds: seconds, failedOver: index != leader)
                    let count = cluster.sql(
                        index, "SELECT count(*) FROM \(PatroniCluster.table) WHERE id <= \(result.rowsWritten)")
                    result.rowsLost = Int(count.output).map { result.rowsWritten - $0 }
                    result.logLines = cluster.logLines(containing: Self.telling)
                    if !result.passed { result.logExcerpt = cluster.logs() }
                    return
                }
            }
            if elapsed > limit {
                result.outcome = .noPrimary(waited: elapsed)
                result.logLines = cluster.logLines(containing: Self.telling)
                result.logExcerpt = cluster.logs()
                return
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    /// Patroni's log lines worth quoting: the race, the promotion, the restart, maintenance mode.
    static let telling = [
        "promoted self to leader", "acquired session lock", "Lock owner", "failover", "not healthy enough",
        "starting after demotion", "doing crash recovery", "starting as readonly", "PAUSE", "paused",
        "no action. I am", "Cleaning up failover key", "adjusting", "Adjusting", "Violated",
    ]
}
