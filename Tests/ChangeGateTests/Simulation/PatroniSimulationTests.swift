import ChangeGate
import ChangeGateSimulation
import Foundation
import Testing

/// Real clusters (etcd, three Patroni members, PostgreSQL) from the demo's configurations: the good
/// one fails over within the failover model's bound, the incident's does not fail over at all, as
/// the model predicts; the JUnit is the gate's evidence; nothing is left running. The two run at
/// once (six clusters); `--timers fast` as CI runs it, RTO 60 s as the shipped catalogue's
/// production objective.
@Suite("Simulation on real Patroni clusters")
struct PatroniSimulationTests {
    static let options = Simulation.Options(timers: .fast, rto: 60, parallel: 3)

    static func tools() throws -> SimulationTools {
        try SimulationTools.locate(workingDirectory: Paths.packageRoot.path)
    }

    @Test("the good configuration fails over within the model's bound, and runs none of its commands")
    func goodConfigurationFailsOver() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent(
            "changegate-sim-owned-\(UUID().uuidString.prefix(8))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: marker) }
        // The demo's file with commands a hostile change could add: a callback on every role
        // change, a post-bootstrap script, an archive command. None may run.
        var text = String(decoding: try SimulationPlanTests.demoFiles().good, as: UTF8.self)
        text = text.replacingOccurrences(
            of: "postgresql:\n  listen:",
            with: "postgresql:\n  callbacks:\n    on_role_change: /usr/bin/touch \(marker)\n"
                + "    on_start: /usr/bin/touch \(marker)\n  listen:")
        text = text.replacingOccurrences(
            of: "bootstrap:\n", with: "bootstrap:\n  post_bootstrap: /usr/bin/touch \(marker)\n")
        text = text.replacingOccurrences(
            of: "      parameters:\n", with: "      parameters:\n        archive_command: /usr/bin/touch \(marker)\n")
        #expect(text.contains("on_role_change") && text.contains("post_bootstrap") && text.contains("archive_command"))

        let report = try Simulation.patroni(
            bytes: Array(text.utf8), path: "db/prod/patroni.yml", options: Self.options, tools: Self.tools())
        print(report.text)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.plan.modelSaysPossible)
        for result in report.results {
            #expect(result.passed, "\(result.scenario.rawValue): \(report.line(for: result))\n\(result.logExcerpt)")
            #expect(result.rowsLost == 0 || result.scenario == .killLeader, "\(report.line(for: result))")
            if let bound = result.modelBound, let seconds = result.seconds {
                #expect(seconds <= Double(bound), "\(result.scenario.rawValue): \(seconds) s > the model's \(bound) s")
            }
        }
        let kill = try #require(report.results.first { $0.scenario == .killLeader })
        #expect(kill.failedOver, "a new primary, not the killed one")
        #expect(kill.modelBound == 37)
        // The leader key lives ttl (30 s) from its last renewal: no member can take over sooner
        // than ttl − loop_wait after the kill.
        #expect((kill.seconds ?? 0) >= 28 - 2)
        #expect(report.results.first { $0.scenario == .switchover }?.failedOver == true)
        #expect(report.plan.ignoredCommands.contains("postgresql.callbacks.on_role_change"))
        #expect(!FileManager.default.fileExists(atPath: marker), "a command from the untrusted file ran")
        try Self.expectNothingLeft(report)
        try Self.expectJUnitAccepted(report)
    }

    @Test("the incident's configuration does not fail over, as the model predicts")
    func incidentConfigurationDoesNotFailOver() throws {
        let report = try Simulation.patroni(
            bytes: SimulationPlanTests.demoFiles().incident, path: "db/prod/patroni.yml", options: Self.options,
            tools: Self.tools())
        print(report.text)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(!report.plan.modelSaysPossible)
        for result in report.results {
            #expect(!result.passed, "\(result.scenario.rawValue): \(report.line(for: result))")
            #expect(!result.failedOver, "\(result.scenario.rawValue): \(report.line(for: result))")
        }
        let kill = try #require(report.results.first { $0.scenario == .killLeader })
        guard case .noPrimary(let waited) = kill.outcome else {
            Issue.record("kill-leader: \(report.line(for: kill))")
            return
        }
        #expect(waited >= 60)
        #expect(!kill.logLines.isEmpty, "Patroni's own words on why nobody took over")
        try Self.expectNothingLeft(report)
        try Self.expectJUnitAccepted(report)
    }

    /// The clusters' folders are gone, and no process runs from them.
    static func expectNothingLeft(_ report: SimulationReport) throws {
        let folders = report.results.compactMap(\.clusterFolder)
        #expect(folders.count == report.results.count)
        for folder in folders {
            #expect(!FileManager.default.fileExists(atPath: folder), "\(folder) is left")
        }
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in processes where Int(pid) != nil {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let command = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            for folder in folders {
                #expect(!command.contains(folder), "still running: \(pid) \(command)")
            }
        }
    }

    /// The JUnit is read by the gate's own reader, one `failover-simulation/<scenario>` case each,
    /// with the status the report gives.
    static func expectJUnitAccepted(_ report: SimulationReport) throws {
        let folder = try Paths.temporaryDirectory("simulation-junit")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("failover-simulation.xml").path
        try report.junit.write(toFile: path, atomically: true, encoding: .utf8)
        let tests = try JUnitReport.read(path: path)
        #expect(tests.map(\.name) == report.results.map(\.scenario.testName) + ["failover-simulation"])
        for (test, result) in zip(tests, report.results) {
            #expect((test.status == .passed) == result.passed, "\(test.name): \(test.status)")
        }
        #expect((tests.last?.status == .passed) == report.passed)
    }
}
