import ArgumentParser
import ChangeGate
import ChangeGateSimulation
import Foundation

/// `changegate simulate patroni FILE`, `simulate sentinel FILE`: a real failover on loopback,
/// measured, as JUnit evidence.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a real failover of a configuration on loopback and measure it (docs/simulation.md).",
        subcommands: [Patroni.self, Sentinel.self])

    struct Patroni: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "patroni",
            abstract: "etcd and three Patroni members over PostgreSQL, from a Patroni file's failover settings.",
            discussion: """
                Each scenario runs on a cluster of its own: kill-leader (SIGKILL to the leader's Patroni and \
                PostgreSQL), crash-postgres (SIGKILL to its postmaster), switchover. A scenario passes when a \
                primary takes an INSERT within --rto. Only the file's failover settings are used: its commands, \
                libraries and paths are never run. Exit 0 when every scenario passed, 1 when one did not, 2 when \
                the simulation could not run.
                """)

        @OptionGroup var options: SimulateOptions

        func run() throws {
            let options = options
            try options.run(scenarios: Scenario.patroni) { (bytes, path, settings) throws(SimulationError) in
                let tools = try SimulationTools.locate()
                return { () throws(SimulationError) -> SimulationReport in
                    try Simulation.patroni(bytes: bytes, path: path, options: settings, tools: tools)
                }
            }
        }
    }

    struct Sentinel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sentinel",
            abstract: "A Redis master, two replicas and three Sentinels, from a sentinel.conf's quorum and timers.",
            discussion: """
                The file's first `sentinel monitor` master is simulated with its quorum, down-after-milliseconds, \
                failover-timeout and parallel-syncs, on loopback under a name and address of the run's own. Each \
                scenario runs on a cluster of its own: kill-master (SIGKILL to the master's redis-server), \
                hang-master (DEBUG SLEEP on the master). A scenario passes when a promoted replica takes a SET \
                within --rto. The file's scripts, modules and paths are never used. Exit 0 when every scenario \
                passed, 1 when one did not, 2 when the simulation could not run.
                """)

        @OptionGroup var options: SimulateOptions

        func run() throws {
            let options = options
            try options.run(scenarios: Scenario.sentinel) { (bytes, path, settings) throws(SimulationError) in
                let tools = try RedisTools.locate()
                return { () throws(SimulationError) -> SimulationReport in
                    try Simulation.sentinel(bytes: bytes, path: path, options: settings, tools: tools)
                }
            }
        }
    }
}
