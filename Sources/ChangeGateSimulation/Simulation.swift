import Foundation

/// `changegate simulate patroni FILE` and `simulate sentinel FILE`: runs each scenario on a real
/// cluster of its own, in parallel, and reports each measured time beside the failover model's bound.
public enum Simulation {
    /// What to run.
    public struct Options: Sendable, Hashable {
        /// The scenarios; empty for every one of the system's.
        public var scenarios: [Scenario]
        public var timers: TimerProfile
        /// The recovery time objective in seconds: a scenario passes when a primary took writes
        /// within it, and the simulation waits no longer.
        public var rto: Double
        /// How many scenarios run at once (each starts etcd and three members).
        public var parallel: Int

        public init(
            scenarios: [Scenario] = [], timers: TimerProfile = .file, rto: Double = 60, parallel: Int = 3
        ) {
            self.scenarios = scenarios
            self.timers = timers
            self.rto = rto
            self.parallel = max(1, parallel)
        }
    }

    /// Runs the simulation of the Patroni configuration in `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: The configuration file's content (untrusted: see ``PatroniPlan``).
    ///   - path: Its path or name, for the format and the report.
    ///   - options: The scenarios, timers, RTO and parallelism.
    ///   - tools: The programs to run (``SimulationTools/locate(environment:workingDirectory:needRedis:)``).
    /// - Returns: The report, one result per scenario in the order asked.
    /// - Throws: ``SimulationError`` when the file is not Patroni configuration.
    public static func patroni(bytes: [UInt8], path: String, options: Options, tools: SimulationTools)
        throws(SimulationError) -> SimulationReport
    {
        let plan = try PatroniPlanner.plan(bytes: bytes, path: path, timers: options.timers)
        let scenarios = try options.scenarios(of: Scenario.patroni, system: "patroni")
        let runner = ScenarioRunner(plan: plan, tools: tools, limit: options.rto)
        let started = Date()
        let results = inParallel(scenarios, width: options.parallel) { runner.run($0) }
        return SimulationReport(
            system: "Patroni", file: path, plan: .patroni(plan), rto: options.rto, timers: options.timers,
            results: results, duration: Date().timeIntervalSince(started))
    }

    /// Runs the simulation of the Redis Sentinel configuration in `bytes` (a `sentinel.conf`).
    ///
    /// - Parameters:
    ///   - bytes: The file's content (untrusted: see ``SentinelPlan``).
    ///   - path: Its path or name, for the report.
    ///   - options: The scenarios, timers, RTO and parallelism.
    ///   - tools: The programs to run (``RedisTools/locate(environment:)``).
    /// - Returns: The report, one result per scenario in the order asked.
    /// - Throws: ``SimulationError`` when the file is not Sentinel configuration or a scenario is
    ///   not one of Sentinel's.
    public static func sentinel(bytes: [UInt8], path: String, options: Options, tools: RedisTools)
        throws(SimulationError) -> SimulationReport
    {
        let plan = try SentinelPlanner.plan(bytes: bytes, path: path, timers: options.timers)
        let scenarios = try options.scenarios(of: Scenario.sentinel, system: "sentinel")
        let runner = SentinelScenarioRunner(plan: plan, tools: tools, limit: options.rto)
        let started = Date()
        let results = inParallel(scenarios, width: options.parallel) { runner.run($0) }
        return SimulationReport(
            system: "Sentinel", file: path, plan: .sentinel(plan), rto: options.rto, timers: options.timers,
            results: results, duration: Date().timeIntervalSince(started))
    }

    /// `body` over `items` on up to `width` threads at once (threads, not tasks: each blocks
    /// for a minute on processes, and the cooperative pool has a thread per core), in order.
    static func inParallel<Item: Sendable, Output: Sendable>(
        _ items: [Item], width: Int, _ body: @escaping @Sendable (Item) -> Output
    ) -> [Output] {
        let outputs = Locked<[Int: Output]>([:])
        let slots = DispatchSemaphore(value: width)
        let group = DispatchGroup()
        for (index, item) in items.enumerated() {
            slots.wait()
            group.enter()
            Thread.detachNewThread {
                let output = body(item)
                outputs.withLock { $0[index] = output }
                slots.signal()
                group.leave()
            }
        }
        group.wait()
        return outputs.withLock { all in items.indices.map { all[$0]! } }
    }
}

extension Simulation.Options {
    /// The scenarios asked for, or all of the system's; one of another system's is refused.
    func scenarios(of system: [Scenario], system name: String) throws(SimulationError) -> [Scenario] {
        if scenarios.isEmpty { return system }
        if let other = scenarios.first(where: { !system.contains($0) }) {
            throw SimulationError(
                .configuration,
                "\(other.rawValue) is not a scenario of `simulate \(name)`: "
                    + system.map(\.rawValue).joined(separator: ", "))
        }
        return scenarios
    }
}
