import ChangeGate
import ChangeGateSimulation
import Testing

/// What a Sentinel simulation runs, worked out from a `sentinel.conf` without starting anything.
@Suite("Sentinel simulation plan")
struct SentinelSimulationPlanTests {
    @Test("the monitored master's quorum and timers run, under a name and address of the run's own")
    func planned() throws {
        let plan = try SentinelPlanner.plan(
            bytes: SentinelConfigs.file(quorum: 2), path: "redis/sentinel.conf", timers: .file)
        #expect(plan.master == "mymaster")
        #expect(plan.fileAddress == "10.0.0.5:6379")
        #expect(plan.quorum == 2)
        #expect(plan.downAfterMilliseconds == 1000)
        #expect(plan.failoverTimeout == 60000)
        #expect(plan.parallelSyncs == 1)
        #expect(plan.modelSaysPossible)
        #expect(plan.rewrites.contains { $0.key == "sentinel.mymaster.monitor" && $0.text.contains("127.0.0.1") })
        // down-after-milliseconds / 1000 + election and promotion.
        #expect(plan.runAssessment.bounds.first { $0.mode == .nodeLost }?.seconds == 1 + 2)
        #expect(plan.fileAssessments.first { $0.system == .sentinel }?.cluster == "mymaster")
        let fast = try SentinelPlanner.plan(
            bytes: SentinelConfigs.file(quorum: 2), path: "redis/sentinel.conf", timers: .fast)
        #expect(fast.failoverTimeout == 10000)
        #expect(fast.downAfterMilliseconds == 1000, "what a scenario measures stays the file's")
        #expect(fast.adjustments.map(\.key) == ["sentinel.mymaster.failover-timeout"])
    }

    @Test("a quorum above the Sentinels the file names: the model rules failover out, on the file and as run")
    func quorumTooLarge() throws {
        let plan = try SentinelPlanner.plan(
            bytes: SentinelConfigs.file(quorum: 4), path: "redis/sentinel.conf", timers: .file)
        #expect(!plan.modelSaysPossible)
        #expect(!plan.runAssessment.possible)
        #expect(plan.runAssessment.impossibleBecause.contains { $0.contains("quorum is 4 with 3 Sentinels") })
    }

    @Test("scripts, modules and paths of the file are listed and never reach the cluster")
    func untrustedKeysLeftOut() throws {
        let plan = try SentinelPlanner.plan(
            bytes: SentinelConfigs.file(
                quorum: 2,
                extra: [
                    "sentinel notification-script mymaster /tmp/owned.sh",
                    "sentinel client-reconfig-script mymaster /tmp/owned.sh", "logfile /tmp/owned.log",
                    "loadmodule /tmp/evil.so",
                ]), path: "sentinel.conf", timers: .file)
        for key in [
            "sentinel.mymaster.notification-script", "sentinel.mymaster.client-reconfig-script", "logfile",
            "loadmodule", "dir",
        ] {
            #expect(plan.ignoredCommands.contains(key), "\(key): \(plan.ignoredCommands)")
        }
    }

    @Test("what Sentinel itself refuses, and a file that is not Sentinel's, are refused with why")
    func refusals() {
        let zero = #expect(throws: SimulationError.self) {
            try SentinelPlanner.plan(bytes: SentinelConfigs.file(quorum: 0), path: "s.conf", timers: .file)
        }
        #expect(zero?.kind == .configuration)
        #expect(zero?.message.contains("Quorum must be 1 or greater") == true, "\(String(describing: zero))")
        let other = #expect(throws: SimulationError.self) {
            try SentinelPlanner.plan(bytes: Array("port 6379\nmaxmemory 1gb\n".utf8), path: "r.conf", timers: .file)
        }
        #expect(other?.message.contains("is not Redis Sentinel configuration") == true)
        let patroniScenario = #expect(throws: SimulationError.self) {
            try Simulation.sentinel(
                bytes: SentinelConfigs.file(quorum: 2), path: "s.conf",
                options: Simulation.Options(scenarios: [.switchover]), tools: RedisTools.locate())
        }
        #expect(patroniScenario?.message.contains("kill-master, hang-master") == true)
    }
}
