import Foundation

/// `changegate simulate patroni FILE`: runs each scenario on a real cluster of its own, in
/// parallel, and reports each measured time beside the failover model's bound.
public enum Simulation {
    /// What to run.
    public struct Options: Sendable, Hashable {
        public var scenarios: [Scenario]
        public var timers: TimerProfile
        /// The recovery time objective in seconds: a scenario passes when a primary took writes
        /// within it, and the simulation waits no longer.
        public var rto: Double
        /// How many scenarios run at once (each starts etcd and three members).
        public var parallel: Int

        public init(
            scenarios: [Scenario] = Scenario.allCases, timers: TimerProfile = .file, rto: Double = 60, parallel: Int = 3
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
        let runner = ScenarioRunner(plan: plan, tools: tools, limit: options.rto)
        let started = Date()
        let results = inParallel(options.scenarios, width: options.parallel) { runner.run($0) }
        return SimulationReport(
            system: "Patroni", file: path, plan: plan, rto: options.rto, timers: options.timers, results: results,
            duration: Date().timeIntervalSince(started))
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
