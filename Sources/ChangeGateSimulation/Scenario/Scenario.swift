import ChangeGate

/// A way the primary fails, as a simulation provokes it.
public enum Scenario: String, Sendable, Hashable, CaseIterable {
    /// The leader's node is lost: Patroni and PostgreSQL killed (SIGKILL), the leader key left to
    /// expire.
    case killLeader = "kill-leader"
    /// PostgreSQL crashes (SIGKILL to the postmaster) under a live Patroni.
    case crashPostgres = "crash-postgres"
    /// A clean switchover through Patroni's REST API (`patronictl switchover`).
    case switchover
    /// Sentinel: the master's node is lost (SIGKILL to its redis-server).
    case killMaster = "kill-master"
    /// Sentinel: the master hangs (`DEBUG SLEEP`), its port open, past the RTO.
    case hangMaster = "hang-master"

    /// A Patroni simulation's scenarios, in the order they are reported.
    public static let patroni: [Scenario] = [.killLeader, .crashPostgres, .switchover]
    /// A Sentinel simulation's.
    public static let sentinel: [Scenario] = [.killMaster, .hangMaster]

    /// The JUnit test case's name: what `tests "failover-simulation*"` matches.
    public var testName: String { "failover-simulation/\(rawValue)" }

    /// The failure mode of the failover model this scenario measures; nil when the model has none
    /// (a switchover is planned, not a failure).
    public var failureMode: FailoverAssessment.FailureMode? {
        switch self {
        case .killLeader: .nodeLost
        case .crashPostgres: .databaseCrashed
        case .switchover: nil
        // A hung master stops answering PING as a lost one does: Sentinel tells them apart by nothing.
        case .killMaster, .hangMaster: .nodeLost
        }
    }

    /// What is done, for the report.
    public var summary: String {
        switch self {
        case .killLeader: "SIGKILL to the leader's Patroni and PostgreSQL (the node is lost)"
        case .crashPostgres: "SIGKILL to the leader's postmaster, Patroni left running"
        case .switchover: "patronictl switchover from the leader"
        case .killMaster: "SIGKILL to the master's redis-server (the node is lost)"
        case .hangMaster: "DEBUG SLEEP on the master (it hangs, its port still open)"
        }
    }
}
