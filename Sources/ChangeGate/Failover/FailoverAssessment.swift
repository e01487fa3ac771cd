/// What a failover model concludes about one cluster configuration: whether automatic failover can
/// still happen, and the worst-case time to a writable new primary for each way the primary fails.
/// docs/failover-model.md gives each formula with its source.
public struct FailoverAssessment: Sendable, Hashable {
    /// The ways a primary fails that the models bound.
    public enum FailureMode: String, Sendable, Hashable, CaseIterable {
        /// The primary's node (or its failover agent) is gone: nothing renews its lease.
        case nodeLost = "node lost"
        /// The database process crashed under a live agent.
        case databaseCrashed = "database crashed"
    }

    /// One failure mode's bound: seconds to a writable new primary, nil when it never happens.
    public struct Bound: Sendable, Hashable {
        public var mode: FailureMode
        public var seconds: Int?
        /// The formula with the values put in: `ttl + loop_wait + promote = 30 + 10 + 5`.
        public var formula: String
        /// Where the formula comes from (the system's documentation).
        public var source: String
    }

    /// A setting the model read, or assumed at its documented default.
    public struct Input: Sendable, Hashable {
        public var key: String
        public var value: String
        /// True when the file does not set it and the documented default was assumed.
        public var assumed: Bool
    }

    /// The system the configuration is (``ConfigSystem``), or nil for the generic `failover.*` block.
    public var system: ConfigSystem?
    public var file: String
    /// Which cluster of the file: a Patroni `scope`, a CloudNativePG Cluster's document
    /// (`Cluster/pg-main`), a Sentinel master's name; nil when the file holds one unnamed cluster.
    public var cluster: String? = nil
    /// False when some setting rules automatic failover out; ``impossibleBecause`` says which.
    public var possible: Bool { impossibleBecause.isEmpty }
    /// Each reason automatic failover cannot happen, naming the setting (`tags.nofailover is true`).
    public var impossibleBecause: [String] = []
    public var bounds: [Bound] = []
    /// Rules the system itself documents as broken (`loop_wait + 2 × retry_timeout > ttl`).
    public var violations: [String] = []
    public var inputs: [Input] = []
    /// What the model cannot conclude from this file alone.
    public var limits: [String] = []

    /// "patroni", "cnpg", "orchestrator", "sentinel" or "generic": how a policy names the system.
    public var systemName: String { system?.rawValue ?? "generic" }

    /// The longest bound among the failure modes that do fail over; nil when none does.
    public var worstCase: Int? {
        guard possible else { return nil }
        return bounds.compactMap(\.seconds).max()
    }
}
