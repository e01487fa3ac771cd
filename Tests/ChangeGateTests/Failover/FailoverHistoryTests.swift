import ChangeGate
import Foundation
import Testing

/// The failover model over every version of two real files (../shared/testdata/history): Patroni's
/// postgres0.yml (93 versions) and Orchestrator's sample configuration (37). The expected figures
/// are worked out from Python's reading of each version (PyYAML / json, scripts/oracle/flatten.py),
/// not ChangeGate's, so a reader that mis-reads a timer fails here.
@Suite("Failover model over real histories")
struct FailoverHistoryTests {
    private static func versions(_ folderName: String) throws -> [(url: URL, number: String)] {
        let folder = try #require(Paths.testdata).appendingPathComponent("history/\(folderName)")
        return try HistoryReplayTests.versions(in: folder).filter(\.present).map {
            (folder.appendingPathComponent("\($0.number).data"), $0.number)
        }
    }

    private static func seconds(_ value: ConfigValue?) -> Int? {
        switch value {
        case .integer(let n)?: n
        case .string(let s)?: Int(s)
        default: nil
        }
    }

    @Test("Patroni's postgres0.yml, every version: failover possible, each bound from that version's timers")
    func patroni() throws {
        let versions = try Self.versions("patroni-postgres0")
        #expect(versions.count > 80)
        let oracle = try PythonOracle.read(versions.map(\.url), format: .yaml)
        var worstCases: [Int] = []
        for (url, number) in versions {
            guard case .settings(let python)? = oracle[url.path] else {
                Issue.record("version \(number): Python could not read it")
                continue
            }
            let model = try #require(
                try FailoverModel.assess(file: "postgres0.yml", bytes: Array(Data(contentsOf: url)))
                    .first { $0.system == .patroni }, "version \(number) not read as Patroni")
            // Patroni's defaults where the version leaves a timer out (docs/dynamic_configuration.rst).
            let prefix = python.keys.contains { $0.hasPrefix("bootstrap.dcs.") } ? "bootstrap.dcs." : ""
            let ttl = Self.seconds(python[prefix + "ttl"]) ?? 30
            let loopWait = Self.seconds(python[prefix + "loop_wait"]) ?? 10
            let start =
                Self.seconds(python[prefix + "primary_start_timeout"])
                ?? Self.seconds(python[prefix + "master_start_timeout"]) ?? 300
            #expect(model.possible, "version \(number): \(model.impossibleBecause)")
            #expect(model.bounds.first { $0.mode == .nodeLost }?.seconds == ttl + loopWait + 5, "version \(number)")
            let crashed = start == 0 ? loopWait : loopWait + start + loopWait
            #expect(model.bounds.first { $0.mode == .databaseCrashed }?.seconds == crashed, "version \(number)")
            worstCases.append(model.worstCase ?? -1)
        }
        // The sample always kept Patroni's documented defaults: 320 s when PostgreSQL crashes.
        #expect(Set(worstCases) == [320], "\(Set(worstCases))")
    }

    @Test("Orchestrator's sample, every version: recovery possible exactly where Python finds a master filter")
    func orchestrator() throws {
        let versions = try Self.versions("orchestrator-sample")
        #expect(versions.count > 30)
        let oracle = try PythonOracle.read(versions.map(\.url), format: .json)
        var verdicts: [Bool] = []
        for (url, number) in versions {
            guard case .settings(let python)? = oracle[url.path] else {
                Issue.record("version \(number): Python could not read it")
                continue
            }
            let models = try FailoverModel.assess(file: "orchestrator.conf.json", bytes: Array(Data(contentsOf: url)))
            let model = try #require(models.first { $0.system == .orchestrator }, "version \(number)")
            let filters = python.keys.contains { $0.lowercased().hasPrefix("recovermasterclusterfilters[") }
            #expect(model.possible == filters, "version \(number): \(model.impossibleBecause)")
            let poll = Self.seconds(python["InstancePollSeconds"]) ?? 5
            #expect(model.bounds.first { $0.mode == .nodeLost }?.seconds == poll + 60 + 5, "version \(number)")
            verdicts.append(model.possible)
        }
        // The sample opts in to recovery in every version (one filter, `_master_pattern_`); the
        // opt-out is `Failover model/Orchestrator's real samples…`.
        #expect(verdicts.count == versions.count && verdicts.allSatisfy { $0 })
    }
}
