import Foundation

/// The programs a Sentinel simulation runs: Debian's `redis-server` and `redis-sentinel`, which
/// `scripts/bootstrap` installs. Nothing of Patroni's is needed.
public struct RedisTools: Sendable, Hashable {
    public var redisServer: String
    /// `redis-sentinel`, or `redis-server` itself (`--sentinel`) where the package has none.
    public var redisSentinel: String
    /// Whether ``redisSentinel`` is `redis-server` and needs `--sentinel`.
    public var sentinelFlag: Bool
    /// The user the servers run as: as root, `nobody`, so that a client of a server (anyone on the
    /// machine can reach loopback) acts with no privilege; otherwise ourselves.
    public var runAs: String?

    /// Finds them on `PATH` (and /usr/bin, /usr/sbin), or says what is missing and how to get it.
    ///
    /// - Parameter environment: The process's environment (`PATH`).
    /// - Returns: The tools.
    /// - Throws: ``SimulationError`` (`missingTool`).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(SimulationError) -> RedisTools
    {
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        func onPath(_ name: String) -> String? {
            (path + ["/usr/bin", "/usr/sbin", "/bin"]).map { "\($0)/\(name)" }
                .first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let server = onPath("redis-server") else {
            throw SimulationError(
                .missingTool, "no redis-server: run scripts/bootstrap, which installs it (Debian redis-server)")
        }
        let runAs = geteuid() == 0 ? "nobody" : nil
        if let user = runAs, getpwnam(user) == nil {
            throw SimulationError(
                .missingTool, "running as root, and there is no unprivileged user \(user) to run the servers as")
        }
        let sentinel = onPath("redis-sentinel")
        return RedisTools(
            redisServer: server, redisSentinel: sentinel ?? server, sentinelFlag: sentinel == nil, runAs: runAs)
    }
}
