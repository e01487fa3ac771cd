import ChangeGate
import ChangeGateSimulation
import Foundation
import Testing

/// Real Sentinel clusters (a master, two replicas, three Sentinels): a good file fails over within
/// the failover model's bound, one whose quorum three Sentinels never reach does not fail over at
/// all, as the model predicts; the JUnit is the gate's evidence; nothing is left running. They run
/// beside the Patroni clusters (swift-testing runs the suites at once).
@Suite("Simulation on real Sentinel clusters")
struct SentinelSimulationTests {
    @Test("a good sentinel.conf fails over within the model's bound, and runs none of its scripts")
    func goodConfigurationFailsOver() throws {
        let folder = try Paths.temporaryDirectory("sentinel-owned")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A script a hostile change could name: Sentinel runs a notification script on every
        // event, a reconfig script on every failover. Neither may run.
        let marker = folder.appendingPathComponent("ran").path
        let script = folder.appendingPathComponent("owned.sh").path
        try "#!/bin/sh\ntouch '\(marker)'\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let bytes = SentinelConfigs.file(
            quorum: 2,
            extra: [
                "sentinel notification-script mymaster \(script)",
                "sentinel client-reconfig-script mymaster \(script)",
            ])
        let report = try Simulation.sentinel(
            bytes: bytes, path: "redis/sentinel.conf",
            options: Simulation.Options(timers: .fast, rto: 20, parallel: 2), tools: RedisTools.locate())
        print(report.text)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.plan.modelSaysPossible)
        #expect(report.results.map(\.scenario) == [.killMaster, .hangMaster])
        for result in report.results {
            #expect(result.passed, "\(result.scenario.rawValue): \(report.line(for: result))\n\(result.logExcerpt)")
            #expect(result.failedOver, "a promoted replica, not the old master")
            #expect(result.modelBound == 3)
            let seconds = try #require(result.seconds, "\(report.line(for: result))")
            #expect(seconds <= 3, "\(result.scenario.rawValue): \(seconds) s > the model's 3 s")
            #expect(result.rowsLost != nil)
            #expect(result.logLines.contains { $0.contains("+switch-master") }, "\(result.logLines)")
        }
        // A hung master's writes were all replicated before it hung.
        #expect(report.results.first { $0.scenario == .hangMaster }?.rowsLost == 0)
        #expect(report.plan.ignoredCommands.contains("sentinel.mymaster.notification-script"))
        #expect(!FileManager.default.fileExists(atPath: marker), "a script from the untrusted file ran")
        try PatroniSimulationTests.expectNothingLeft(report)
        try PatroniSimulationTests.expectJUnitAccepted(report)
    }

    @Test("a quorum three Sentinels never reach: no failover, as the model predicts")
    func quorumTooLargeDoesNotFailOver() throws {
        let rto = 12.0
        let report = try Simulation.sentinel(
            bytes: SentinelConfigs.file(quorum: 4), path: "redis/sentinel.conf",
            options: Simulation.Options(timers: .fast, rto: rto, parallel: 2), tools: RedisTools.locate())
        print(report.text)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(!report.plan.modelSaysPossible)
        #expect(report.modelVerdict.contains("quorum is 4 with 3 Sentinels"))
        for result in report.results {
            guard case .noPrimary(let waited) = result.outcome else {
                Issue.record("\(result.scenario.rawValue): \(report.line(for: result))")
                continue
            }
            #expect(waited >= rto)
            // Each Sentinel saw the master down, and none could get it agreed down.
            #expect(result.logLines.contains { $0.contains("+sdown master") }, "\(result.logLines)")
            #expect(!result.logLines.contains { $0.contains("+odown") || $0.contains("+switch-master") })
        }
        try PatroniSimulationTests.expectNothingLeft(report)
        try PatroniSimulationTests.expectJUnitAccepted(report)
    }
}
