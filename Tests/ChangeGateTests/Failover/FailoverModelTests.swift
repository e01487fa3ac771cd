import ChangeGate
import Foundation
import Testing

/// The failover model (docs/failover-model.md): each system's bounds and "never" classes, the real
/// files of ../shared/testdata, and the incident of the postmortem replayed.
@Suite("Failover model")
struct FailoverModelTests {
    private func assess(_ text: String, file: String = "postgres0.yml") throws -> [FailoverAssessment] {
        try FailoverModel.assess(file: file, bytes: Array(text.utf8))
    }

    private func patroni(_ text: String) throws -> FailoverAssessment {
        try #require(try assess(text).first { $0.system == .patroni }, "not read as Patroni")
    }

    private static let member = "scope: demo\npostgresql:\n  data_dir: /data\nbootstrap:\n  dcs:\n"

    private func bound(_ assessment: FailoverAssessment, _ mode: FailoverAssessment.FailureMode) -> Int? {
        assessment.bounds.first { $0.mode == mode }?.seconds
    }

    @Test(
        "Patroni with its defaults: node lost ttl + loop_wait + promote, a crash loop_wait + primary_start_timeout + loop_wait"
    )
    func patroniDefaults() throws {
        let model = try patroni(Self.member + "    ttl: 30\n")
        #expect(model.possible)
        #expect(bound(model, .nodeLost) == 30 + 10 + 5)
        #expect(bound(model, .databaseCrashed) == 10 + 300 + 10)
        #expect(model.worstCase == 320)
        #expect(model.inputs.contains { $0.key == "bootstrap.dcs.primary_start_timeout" && $0.assumed })
        #expect(model.inputs.contains { $0.key == "bootstrap.dcs.ttl" && !$0.assumed && $0.value == "30" })
        #expect(model.violations.isEmpty)
    }

    @Test("primary_start_timeout 0 makes a crash fail over in loop_wait; the old master_start_timeout name counts")
    func startTimeout() throws {
        let zero = try patroni(Self.member + "    ttl: 30\n    loop_wait: 5\n    primary_start_timeout: 0\n")
        #expect(bound(zero, .databaseCrashed) == 5)
        let old = try patroni(Self.member + "    master_start_timeout: 60\n")
        #expect(bound(old, .databaseCrashed) == 10 + 60 + 10)
    }

    @Test(
        "each way Patroni never fails over is named",
        arguments: [
            ("tags:\n  nofailover: true\n", "tags.nofailover is true"),
            ("tags:\n  failover_priority: 0\n", "tags.failover_priority is 0"),
            ("bootstrap:\n  dcs:\n    pause: true\n", "pause is true"),
            ("bootstrap:\n  dcs:\n    maximum_lag_on_failover: 0\n", "maximum_lag_on_failover is 0"),
            (
                "bootstrap:\n  dcs:\n    synchronous_mode: true\n    synchronous_node_count: 0\n",
                "synchronous_node_count 0"
            ),
        ])
    func patroniNever(extra: String, reason: String) throws {
        let model = try patroni("scope: demo\npostgresql:\n  data_dir: /data\n" + extra)
        #expect(!model.possible)
        #expect(model.worstCase == nil)
        #expect(model.impossibleBecause.contains { $0.contains(reason) }, "\(model.impossibleBecause)")
    }

    @Test("the rules Patroni documents: loop_wait + 2 × retry_timeout <= ttl and the minimums")
    func patroniRules() throws {
        let model = try patroni(Self.member + "    ttl: 15\n    loop_wait: 10\n    retry_timeout: 2\n")
        #expect(model.violations.contains { $0.contains("loop_wait + 2 × retry_timeout = 14") } == false)
        #expect(model.violations.contains { $0.contains("ttl 15 is below Patroni's minimum of 20") })
        #expect(model.violations.contains { $0.contains("retry_timeout 2 is below Patroni's minimum of 3") })
        let loop = try patroni(Self.member + "    ttl: 25\n    loop_wait: 10\n    retry_timeout: 10\n")
        #expect(loop.violations.contains { $0.contains("loop_wait + 2 × retry_timeout = 30 > ttl = 25") })
    }

    @Test("the real Patroni files of ../shared/testdata: failover possible, 45 s and 320 s")
    func realPatroni() throws {
        let root = try #require(Paths.testdata, "../shared/testdata is absent")
        for name in ["postgres0.yml", "postgres1.yml", "postgres2.yml"] {
            let url = root.appendingPathComponent("real/patroni/\(name)")
            let bytes = Array(try Data(contentsOf: url))
            let found = try FailoverModel.assess(file: name, bytes: bytes).first { $0.system == .patroni }
            let model = try #require(found, "\(name)")
            #expect(model.possible, "\(name): \(model.impossibleBecause)")
            #expect(bound(model, .nodeLost) == 45, "\(name)")
            #expect(bound(model, .databaseCrashed) == 320, "\(name)")
        }
    }

    @Test("Sentinel: down-after + election; a quorum above the Sentinels it knows never agrees")
    func sentinel() throws {
        let known = "sentinel monitor m 10.0.0.1 6379 3\nsentinel known-sentinel m 10.0.0.2 26379 a\n"
        let model = try #require(try assess(known, file: "sentinel.conf").first { $0.system == .sentinel })
        #expect(!model.possible)
        #expect(model.impossibleBecause.contains { $0.contains("quorum is 3 with 2 Sentinels") })
        let fine = try #require(
            try assess(
                "sentinel monitor m 10.0.0.1 6379 2\nsentinel down-after-milliseconds m 5000\n", file: "sentinel.conf"
            ).first)
        #expect(fine.possible)
        #expect(bound(fine, .nodeLost) == 5 + 2)
        #expect(fine.limits.contains { $0.contains("number of Sentinels is not in this file") })
    }

    @Test(
        "the incident replayed: failover possible before 4f693cd, impossible at it (naming the settings), back after the revert"
    )
    func incident() throws {
        let demo = try ExampleRepository()
        defer { demo.remove() }
        func explain(_ rev: String) throws -> Shell.Result {
            try Shell.run(
                [
                    Paths.changegate.path, "failover", "explain", "--repo", demo.path, "--rev", rev,
                    "db/prod/patroni.yml",
                ],
                environment: GitFixture.baseEnvironment)
        }
        let before = try explain(demo.badCommit + "~1")
        #expect(before.status == 0, "\(before.stdout)\(before.stderr)")
        #expect(!before.stdout.contains("IMPOSSIBLE"))
        let bad = try explain(demo.badCommit)
        #expect(bad.status == 1, "\(bad.stdout)")
        #expect(bad.stdout.contains("automatic failover: IMPOSSIBLE"))
        #expect(bad.stdout.contains("failover.mode is \"manual\""))
        #expect(bad.stdout.contains("failover.members[name=db-2].priority is 0"))
        // The same commit's Patroni settings break Patroni's own rule.
        #expect(bad.stdout.contains("broken: loop_wait + 2 × retry_timeout = 30 > ttl = 15"))
        let reverted = try explain(demo.revertCommit)
        #expect(reverted.status == 0, "\(reverted.stdout)")
        #expect(!reverted.stdout.contains("IMPOSSIBLE"))
        // The check's report says the same of each change, naming the settings.
        func check(_ rev: String) throws -> String {
            try Shell.run(
                [
                    Paths.changegate.path, "check", "--repo", demo.path, "--base", rev + "~1", "--head", rev, "--now",
                    "2024-06-04T16:00:00Z", "--no-audit",
                ], environment: GitFixture.baseEnvironment
            ).stdout
        }
        let incident = try check(demo.badCommit)
        #expect(
            incident.contains(
                "generic `failover:` block: automatic failover possible → impossible (failover.mode is \"manual\""),
            "\(incident)")
        #expect(incident.contains("failover.members[name=db-2].priority is 0"))
        let revert = try check(demo.revertCommit)
        #expect(revert.contains("generic `failover:` block: automatic failover impossible → possible"), "\(revert)")
    }
}

extension FailoverModelTests {
    @Test("CloudNativePG's real samples: every Cluster can fail over but the one-instance replica cluster")
    func realCloudNativePG() throws {
        let root = try #require(Paths.testdata, "../shared/testdata is absent")
        let folder = root.appendingPathComponent("real/cloudnative-pg")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(names.count == 10)
        for name in names.sorted() {
            let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
            let clusters = try FailoverModel.assess(file: name, bytes: bytes).filter { $0.system == .cnpg }
            #expect(clusters.count == 1, "\(name)")
            let cluster = try #require(clusters.first)
            #expect(cluster.possible == (name != "cluster-example-replica-streaming.yaml"), "\(name)")
            #expect(bound(cluster, .nodeLost) == 55 + 0 + 15 + 5, "\(name)")
            #expect(bound(cluster, .databaseCrashed) == 30 + 0 + 3600 + 15 + 5, "\(name)")
        }
    }

    @Test(
        "each way CloudNativePG never fails over is named",
        arguments: [
            ("spec:\n  instances: 1\n", "spec.instances is 1"),
            (
                "metadata:\n  name: pg\n  annotations:\n    cnpg.io/reconciliationLoop: disabled\nspec:\n  instances: 3\n",
                "cnpg.io/reconciliationLoop is \"disabled\""
            ),
            (
                "metadata:\n  name: pg\n  annotations:\n    cnpg.io/fencedInstances: '[\"*\"]'\nspec:\n  instances: 3\n",
                "fences every instance"
            ),
            (
                "spec:\n  instances: 3\n  postgresql:\n    synchronous:\n      method: any\n      number: 0\n"
                    + "      failoverQuorum: true\n",
                "R + W > N can never hold"
            ),
        ])
    func cloudNativePGNever(body: String, reason: String) throws {
        let text = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\n" + body
        let cluster = try #require(try assess(text, file: "cluster.yaml").first { $0.system == .cnpg })
        #expect(!cluster.possible)
        #expect(cluster.impossibleBecause.contains { $0.contains(reason) }, "\(cluster.impossibleBecause)")
    }

    @Test("CloudNativePG: failoverDelay and the lease enter the bounds; the lease rule is checked")
    func cloudNativePGTimers() throws {
        let text =
            "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: pg\nspec:\n  instances: 3\n"
            + "  failoverDelay: 60\n  switchoverDelay: 40\n  primaryLease:\n    leaseDurationSeconds: 10\n"
            + "    renewDeadlineSeconds: 10\n"
        let cluster = try #require(try assess(text, file: "cluster.yaml").first { $0.system == .cnpg })
        #expect(cluster.possible)
        #expect(bound(cluster, .nodeLost) == 55 + 60 + 10 + 5)
        #expect(bound(cluster, .databaseCrashed) == 30 + 60 + 40 + 10 + 5)
        #expect(cluster.violations.contains { $0.contains("leaseDuration 10 > renewDeadline 10") })
    }
}

extension FailoverModelTests {
    @Test("Orchestrator's real samples recover their masters; recovery is opt-in, and its filters decide")
    func orchestrator() throws {
        let root = try #require(Paths.testdata, "../shared/testdata is absent")
        let folder = root.appendingPathComponent("real/orchestrator")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
            let found = try FailoverModel.assess(file: name, bytes: bytes).first { $0.system == .orchestrator }
            let model = try #require(found, "\(name)")
            #expect(model.possible, "\(name): \(model.impossibleBecause)")
            #expect((bound(model, .nodeLost) ?? 0) >= 60 + 5, "\(name)")
        }
        for text in [
            "{\"MySQLTopologyUser\": \"orc\"}", "{\"MySQLTopologyUser\": \"orc\", \"RecoverMasterClusterFilters\": []}",
        ] {
            let model = try #require(try assess(text, file: "orchestrator.conf.json").first)
            #expect(!model.possible, "\(text)")
            #expect(model.impossibleBecause.contains { $0.contains("recovery is opt-in") })
        }
        let lower = try #require(
            try assess(
                "{\"recoverMasterClusterFilters\": [\"*\"], \"instancePollSeconds\": 2, \"RecoveryPeriodBlockSeconds\": 0}",
                file: "orchestrator.conf.json"
            ).first)
        #expect(lower.possible)
        #expect(bound(lower, .nodeLost) == 2 + 60 + 5)
        #expect(lower.violations.contains { $0.contains("RecoveryPeriodBlockSeconds is 0") })
    }

    @Test("CloudNativePG's failover quorum: R + W > N, the tolerance said; the deprecated annotation takes precedence")
    func cloudNativePGQuorum() throws {
        let header = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: pg\n"
        let spec = "spec:\n  instances: 3\n  postgresql:\n    synchronous:\n      method: any\n      number: 1\n"
        let on = try #require(try assess(header + spec + "      failoverQuorum: true\n", file: "c.yaml").first)
        #expect(on.possible)
        #expect(on.limits.contains { $0.contains("W = 1, N = 2") && $0.contains("more than 0 replica(s) are down") })
        #expect(on.inputs.contains { $0.key.hasSuffix("spec.postgresql.synchronous.number") && $0.value == "1" })
        let annotatedOff = try #require(
            try assess(
                header + "  annotations:\n    alpha.cnpg.io/failoverQuorum: \"false\"\n" + spec
                    + "      failoverQuorum: true\n",
                file: "c.yaml"
            ).first)
        #expect(annotatedOff.possible, "the annotation switches the quorum off")
        #expect(!annotatedOff.limits.contains { $0.contains("R + W > N") })
        let capped = try #require(
            try assess(
                header
                    + spec.replacingOccurrences(of: "number: 1", with: "number: 1\n      maxStandbyNamesFromCluster: 0")
                    + "      failoverQuorum: true\n", file: "c.yaml"
            ).first)
        #expect(!capped.possible, "no potentially synchronous replica")
    }

    @Test("bitnami/redis Helm values: the chart's defaults, Sentinel off, one pod, a quorum above the pods")
    func helmRedis() throws {
        func helm(_ text: String, defaults: ValuesDefaults? = nil) throws -> FailoverAssessment? {
            let parsed = try ConfigReader().read(Array(text.utf8), path: "values.yaml", format: .yaml)
            let settings = try SettingsFlattener.settingsByKey(of: parsed).mapValues(\.value)
            return FailoverModel.assess(settings, systems: [], file: "values.yaml", valuesDefaults: defaults)
                .first { $0.system == .sentinel }
        }
        let on = try #require(try helm("architecture: replication\nsentinel:\n  enabled: true\n"))
        #expect(on.possible)
        // The chart's defaults: 60 s down-after, quorum 2 of 3 pods.
        #expect(on.bounds.first?.seconds == 60 + 2)
        #expect(on.inputs.contains { $0.key == "sentinel.quorum" && $0.value == "2" && $0.assumed })
        let off = try #require(try helm("architecture: replication\nsentinel:\n  enabled: false\n"))
        #expect(!off.possible)
        #expect(off.impossibleBecause.contains { $0.contains("sentinel.enabled is false") })
        let single = try #require(
            try helm("replica:\n  replicaCount: 1\nsentinel:\n  enabled: true\n  quorum: 1\n"))
        #expect(single.impossibleBecause.contains { $0.contains("replicaCount is 1") })
        let high = try #require(try helm("replica:\n  replicaCount: 3\nsentinel:\n  enabled: true\n  quorum: 4\n"))
        #expect(!high.possible)
        #expect(high.violations.contains { $0.contains("quorum is 4 with 3 Sentinels") })
        // Another chart's values (no replica.replicaCount, no architecture): not this model's.
        #expect(try helm("replicas: 3\nsentinel:\n  quorum: 2\n") == nil)
        // An override read over its values.yaml: the pods from the defaults, the quorum its own.
        let defaults = ValuesDefaults(
            path: "redis/values.yaml",
            settings: ["replica.replicaCount": .integer(2), "sentinel.enabled": .bool(true)])
        let layered = try #require(try helm("sentinel:\n  quorum: 3\n", defaults: defaults))
        #expect(layered.inputs.contains { $0.key == "replica.replicaCount" && $0.value == "2 (redis/values.yaml)" })
        #expect(!layered.possible)
    }

    @Test(
        "which values.yaml an override file is layered on (values.yaml, then values.yml: either extension)",
        arguments: [
            ("deploy/redis/values-prod.yaml", "deploy/redis/"), ("values.prod.yml", ""), ("r/prod.values.yaml", "r/"),
            ("r/prod-values.yaml", "r/"), ("r/values_prod.yaml", "r/"), ("r/prod_values.yml", "r/"),
        ])
    func valuesLayering(path: String, folder: String) {
        #expect(ValuesDefaults.defaultsCandidates(for: path) == [folder + "values.yaml", folder + "values.yml"])
    }

    @Test("any other YAML file is an override when its own keys are the chart's; values.yaml itself never is")
    func valuesNotLayered() {
        for path in [
            "r/values.yaml", "r/values.yml", "r/patroni.yml", "r/prod.yaml", "values-prod.json", "r/Chart.yaml",
        ] {
            #expect(ValuesDefaults.defaultsCandidates(for: path).isEmpty, "\(path)")
        }
        let chart: [String: ConfigValue] = ["replica.replicaCount": .integer(1)]
        #expect(
            ValuesDefaults.defaultsCandidates(for: "r/prod.yaml", settings: chart) == ["r/values.yaml", "r/values.yml"])
        #expect(ValuesDefaults.defaultsCandidates(for: "r/values.yaml", settings: chart).isEmpty)
    }
}
