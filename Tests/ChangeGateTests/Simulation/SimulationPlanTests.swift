import ChangeGate
import ChangeGateSimulation
import Foundation
import Testing

/// What a simulation runs, worked out from the demo's configurations without starting anything:
/// the generic block's translation, the timers, and the untrusted keys left out.
@Suite("Simulation plan")
struct SimulationPlanTests {
    static func demoFiles() throws -> (good: [UInt8], incident: [UInt8]) {
        let example = try ExampleRepository()
        defer { example.remove() }
        let good = try Shell.check(["git", "-C", example.path, "show", "\(example.badCommit)~1:db/prod/patroni.yml"])
        let incident = try Shell.check(["git", "-C", example.path, "show", "\(example.badCommit):db/prod/patroni.yml"])
        return (Array((good + "\n").utf8), Array((incident + "\n").utf8))
    }

    @Test("the incident's generic keys become Patroni's: maintenance mode and a priority of 0")
    func incidentTranslated() throws {
        let plan = try PatroniPlanner.plan(bytes: Self.demoFiles().incident, path: "db/prod/patroni.yml", timers: .file)
        #expect(plan.dcsValue("pause") == .bool(true))
        #expect(plan.members.map(\.name) == ["db-1", "db-2", "db-1-sim3"])
        #expect(plan.members[1].tags.contains { $0.key == "failover_priority" && $0.value == .integer(0) })
        #expect(plan.members[2].tags.contains { $0.key == "nofailover" && $0.value == .bool(true) })
        #expect(!plan.modelSaysPossible)
        #expect(plan.adjustments.contains { $0.key == "bootstrap.dcs.ttl" && $0.text.hasPrefix("15 → 20") })
        // The cluster runs with the ttl Patroni would use, and the model bounds what ran.
        #expect(plan.dcsValue("ttl") == .integer(20))
        #expect(plan.runAssessment.bounds.first { $0.mode == .nodeLost }?.seconds == 20 + 10 + 5)
        #expect(plan.translations.contains { $0.key == "failover.mode" })
    }

    @Test("the good configuration keeps automatic failover, and fast timers only shorten")
    func goodConfiguration() throws {
        let file = try PatroniPlanner.plan(bytes: Self.demoFiles().good, path: "db/prod/patroni.yml", timers: .file)
        #expect(file.dcsValue("pause") == nil)
        #expect(file.modelSaysPossible)
        #expect(file.dcsValue("loop_wait") == .integer(10))
        #expect(file.runAssessment.bounds.first { $0.mode == .nodeLost }?.seconds == 45)
        let fast = try PatroniPlanner.plan(bytes: Self.demoFiles().good, path: "db/prod/patroni.yml", timers: .fast)
        #expect(fast.dcsValue("loop_wait") == .integer(2))
        #expect(fast.dcsValue("retry_timeout") == .integer(5))
        #expect(fast.dcsValue("ttl") == .integer(30))
        #expect(fast.adjustments.map(\.key) == ["bootstrap.dcs.loop_wait", "bootstrap.dcs.retry_timeout"])
        // ttl + loop_wait + promote with the run's timers: 30 + 2 + 5.
        #expect(fast.runAssessment.bounds.first { $0.mode == .nodeLost }?.seconds == 37)
    }

    @Test("commands, libraries and paths of the file are listed and never reach the cluster")
    func untrustedKeysLeftOut() throws {
        let yaml = """
            scope: evil
            name: n1
            bootstrap:
              dcs:
                ttl: 30
                postgresql:
                  parameters:
                    archive_command: "touch /tmp/owned"
                    shared_preload_libraries: "/tmp/evil.so"
              post_bootstrap: /tmp/owned.sh
              method: custom
              custom:
                command: /tmp/owned.sh
            postgresql:
              data_dir: /etc
              bin_dir: /tmp/fake-bin
              callbacks:
                on_role_change: /tmp/owned.sh
              recovery_conf:
                restore_command: "cp /tmp/x %p"
            """
        let plan = try PatroniPlanner.plan(bytes: Array(yaml.utf8), path: "evil.yml", timers: .file)
        for key in [
            "bootstrap.dcs.postgresql.parameters.archive_command",
            "bootstrap.dcs.postgresql.parameters.shared_preload_libraries",
            "bootstrap.post_bootstrap", "bootstrap.method", "bootstrap.custom.command", "postgresql.data_dir",
            "postgresql.bin_dir", "postgresql.callbacks.on_role_change", "postgresql.recovery_conf.restore_command",
        ] {
            #expect(plan.ignoredCommands.contains(key), "\(key)")
        }
        // The cluster gets the allow-listed timers alone.
        #expect(plan.dcs.map(\.key) == ["ttl"])
    }

    @Test("a file that is not Patroni's is refused with what it lacks")
    func notPatroni() {
        let error = #expect(throws: SimulationError.self) {
            try PatroniPlanner.plan(bytes: Array("a: 1\n".utf8), path: "x.yml", timers: .file)
        }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("not Patroni configuration") == true)
    }
}
