/// What one scenario measured.
public struct ScenarioResult: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// A primary took a write `seconds` after the fault: `member`, another than the one that
        /// failed when `failedOver`, or the same one restarted in place.
        case writable(member: String, seconds: Double, failedOver: Bool)
        /// No member took a write within the time waited.
        case noPrimary(waited: Double)
        /// The fault could not be provoked as asked (a switchover Patroni refused), with its words.
        case refused(String)
        /// The cluster or the scenario broke before the fault.
        case error(SimulationError)
    }

    public var scenario: Scenario
    public var outcome: Outcome
    /// The member that led before the fault.
    public var leader: String?
    /// Rows acknowledged before the fault, and how many of them the primary after it has.
    public var rowsWritten: Int = 0
    public var rowsLost: Int?
    /// The furthest replica's distance behind the leader's WAL just before the fault, in bytes.
    public var replicaLagBytes: Int?
    /// The model's bound for this scenario's failure mode on what ran, and on the file.
    public var modelBound: Int?
    public var fileModelBound: Int?
    /// The limit it was judged by: the RTO.
    public var limit: Double
    /// The whole scenario's time, cluster start included.
    public var duration: Double = 0
    /// Patroni's log lines about the failover (or its absence).
    public var logLines: [String] = []
    /// When it failed: the end of every member's log.
    public var logExcerpt: String = ""
    /// The cluster's folder, removed when the scenario ends (a test checks that it is gone).
    public var clusterFolder: String?

    /// Passed: a primary took writes within the limit. A restart in place counts (the service is
    /// back); the report says which it was.
    public var passed: Bool {
        if case .writable(_, let seconds, _) = outcome { return seconds <= limit }
        return false
    }

    /// The measured seconds to a writable primary, when there was one.
    public var seconds: Double? {
        if case .writable(_, let seconds, _) = outcome { return seconds }
        return nil
    }

    /// Whether another member than the old leader took over.
    public var failedOver: Bool {
        if case .writable(_, _, let failedOver) = outcome { return failedOver }
        return false
    }
}
