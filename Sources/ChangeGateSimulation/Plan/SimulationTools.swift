import Foundation

/// The programs a simulation runs, found where `scripts/bootstrap` installs them: PostgreSQL's
/// server binaries (Debian keeps them off PATH), etcd, Redis, and Patroni in the package's own
/// virtual environment.
public struct SimulationTools: Sendable, Hashable {
    public var postgresBin: String
    public var psql: String
    public var etcd: String
    public var patroni: String
    public var patronictl: String
    public var redisServer: String?
    public var redisCLI: String?
    /// The user the cluster runs as: PostgreSQL and Patroni refuse root, so as root the processes
    /// are started as `nobody`, not `postgres`, which owns the machine's own databases (a cluster's
    /// superuser can run programs as the user it runs as); otherwise as ourselves.
    public var runAs: String?

    /// Where bootstrap makes the virtual environment: `CHANGEGATE_SIMULATION_VENV`, else
    /// `.build/simulation-venv` of the package in the working directory or above it.
    public static func venvCandidates(environment: [String: String], workingDirectory: String) -> [String] {
        if let explicit = environment["CHANGEGATE_SIMULATION_VENV"], !explicit.isEmpty { return [explicit] }
        var found: [String] = []
        var folder = URL(fileURLWithPath: workingDirectory).standardizedFileURL
        while true {
            found.append(folder.appendingPathComponent(".build/simulation-venv").path)
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        return found
    }

    /// Finds every tool, or says which is missing and how to get it.
    ///
    /// - Parameters:
    ///   - environment: The process's environment (`PATH`, `CHANGEGATE_SIMULATION_VENV`).
    ///   - workingDirectory: Where to look for the package's `.build/simulation-venv`.
    ///   - needRedis: Whether Redis is needed (a Sentinel simulation).
    /// - Returns: The tools.
    /// - Throws: ``SimulationError`` (`missingTool`) naming what is missing.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath, needRedis: Bool = false
    ) throws(SimulationError) -> SimulationTools {
        let fm = FileManager.default
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        func onPath(_ name: String) -> String? {
            (path + ["/usr/bin", "/usr/sbin", "/bin"]).map { "\($0)/\(name)" }.first { fm.isExecutableFile(atPath: $0) }
        }
        let hint = "run scripts/bootstrap, which installs it"
        let root = "/usr/lib/postgresql"
        let versions = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        guard
            let postgresBin = versions.reversed().map({ "\(root)/\($0)/bin" })
                .first(where: { fm.isExecutableFile(atPath: "\($0)/initdb") })
                ?? onPath("initdb").map({ URL(fileURLWithPath: $0).deletingLastPathComponent().path })
        else {
            throw SimulationError(.missingTool, "no PostgreSQL server binaries (initdb): \(hint) (Debian postgresql)")
        }
        guard let psql = onPath("psql") else {
            throw SimulationError(.missingTool, "no psql: \(hint) (Debian postgresql-client)")
        }
        guard let etcd = onPath("etcd") else {
            throw SimulationError(.missingTool, "no etcd: \(hint) (Debian etcd-server)")
        }
        let venvs = venvCandidates(environment: environment, workingDirectory: workingDirectory)
        guard let venv = venvs.first(where: { fm.isExecutableFile(atPath: "\($0)/bin/patroni") }) else {
            throw SimulationError(
                .missingTool,
                "no Patroni environment (looked in \(venvs.prefix(3).joined(separator: ", "))): \(hint) "
                    + "(patroni[etcd3] 4.x and psycopg 3 from PyPI), or set CHANGEGATE_SIMULATION_VENV")
        }
        let tools = SimulationTools(
            postgresBin: postgresBin, psql: psql, etcd: etcd, patroni: venv + "/bin/patroni",
            patronictl: venv + "/bin/patronictl", redisServer: onPath("redis-server"), redisCLI: onPath("redis-cli"),
            runAs: geteuid() == 0 ? "nobody" : nil)
        if needRedis, tools.redisServer == nil || tools.redisCLI == nil {
            throw SimulationError(
                .missingTool, "no redis-server or redis-cli: \(hint) (Debian redis-server, redis-sentinel)")
        }
        if let user = tools.runAs, getpwnam(user) == nil {
            throw SimulationError(
                .missingTool,
                "running as root, and there is no unprivileged user \(user) to run the cluster as: \(hint) "
                    + "(every Debian system has `nobody`)")
        }
        return tools
    }
}
