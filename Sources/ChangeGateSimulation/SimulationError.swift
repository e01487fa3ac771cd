/// Why a simulation could not run: what went wrong, with what the user needs to act on it (the
/// missing program and how to install it, the file and key, the cluster's own log lines).
public struct SimulationError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// A program the simulation runs is missing (etcd, Patroni's environment, PostgreSQL).
        case missingTool = "missing tool"
        /// The configuration cannot be read or is not one the simulation can run.
        case configuration
        /// The cluster did not come up: a process failed to start, or no leader in time.
        case clusterStart = "cluster start"
        /// A step of a scenario failed in a way that is not a failover result (a write before the fault).
        case scenario
        /// Interrupted (SIGINT, SIGTERM): the clusters were stopped.
        case interrupted
    }

    public var kind: Kind
    public var message: String
    /// The last lines of the cluster's logs, when they explain the failure.
    public var logExcerpt: String

    public init(_ kind: Kind, _ message: String, log: String = "") {
        self.kind = kind
        self.message = message
        self.logExcerpt = log
    }

    public var description: String {
        let head = "simulation: \(kind.rawValue): \(message)"
        return logExcerpt.isEmpty ? head : head + "\n" + logExcerpt
    }
}
