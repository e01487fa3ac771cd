import ChangeGate
import Foundation
import Testing

/// Issue 17's red-team pass: ways a pusher got a production cluster that cannot fail over (or
/// fails over far slower) past the catalogue's failover rules, each replayed with `check` on a real
/// repository holding the shipped policies/failover.policy and real files from ../shared/testdata.
/// Every case here landed, or crashed the gate, before its defence (docs/security.md § 36).
@Suite("Security: out of the failover model's reach")
struct FailoverModelAttackTests {
    static let catalogue = "production clusters must keep automatic failover"
    static let rules = "failover timers must keep the rules their system documents"
    static let objective = "a failover slower than the recovery time objective is reviewed by two DBAs"

    struct Repo {
        var work: GitFixture
        var base = ""

        init(_ label: String, files: [String: String]) throws {
            work = try GitFixture(label: label)
            let catalogue = try String(
                contentsOf: Paths.packageRoot.appendingPathComponent("policies/failover.policy"), encoding: .utf8)
            try work.write("policies/failover.policy", catalogue)
            for (path, text) in files { try work.write(path, text) }
            base = try work.commit("base", author: "Alice <alice@example.com>", date: "2024-05-01T12:00:00+00:00")
        }

        /// Commits `files` and checks the change: the exit status, the failing rules, the JSON report.
        mutating func change(_ files: [String: String], removing: [String] = []) throws
            -> (status: Int32, failing: [String], report: [String: Any])
        {
            for (path, text) in files { try work.write(path, text) }
            for path in removing { try work.remove(path) }
            let head = try work.commit("change", author: "Frank <frank@example.com>")
            let result = try Shell.run(
                [
                    Paths.changegate.path, "check", "--repo", work.path, "--base", base, "--head", head, "--format",
                    "json", "--now", "2024-06-04T10:00:00Z",
                ], environment: GitFixture.baseEnvironment)
            let report =
                (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
            let rules = report["rules"] as? [[String: Any]] ?? []
            let failing = rules.filter { ($0["satisfied"] as? Bool) == false }.compactMap { $0["name"] as? String }
            return (result.status, failing, report)
        }

        func remove() { work.remove() }
    }

    static func real(_ path: String) throws -> String {
        try String(contentsOf: try #require(Paths.testdata).appendingPathComponent("real/" + path), encoding: .utf8)
    }

    /// Patroni's three members in production, their tags edited by `edit` (member → tag line).
    static func batman(tags: [Int: String] = [:]) throws -> [String: String] {
        var files: [String: String] = [:]
        for n in 0..<3 {
            var text = try real("patroni/postgres\(n).yml")
            if let tag = tags[n] {
                text = text.replacingOccurrences(
                    of: "    noloadbalance: false", with: "    \(tag)\n    noloadbalance: false")
            }
            files["db/prod/batman/postgres\(n).yml"] = text
        }
        return files
    }

    @Test(
        "Patroni's own reading of nofailover: a list, a map or a string is true to it, so two members out is a loss",
        arguments: ["nofailover: [false]", "nofailover: {x: 0}", "nofailover: \"false\"", "nofailover: 1.0"])
    func nofailoverAsPatroniReadsIt(tag: String) throws {
        var repo = try Repo("attack-nofailover", files: try Self.batman())
        defer { repo.remove() }
        let result = try repo.change(try Self.batman(tags: [1: tag, 2: tag]))
        #expect(result.status == 1, "\(tag): \(result.failing)")
        #expect(result.failing.contains(Self.catalogue), "\(tag): \(result.failing)")
    }

    @Test("Patroni's parse_int for failover_priority: 0.4 rounds to 0")
    func priorityRounded() throws {
        var repo = try Repo("attack-priority", files: try Self.batman())
        defer { repo.remove() }
        let result = try repo.change(
            try Self.batman(tags: [1: "failover_priority: 0.4", 2: "failover_priority: 0.5"]))
        #expect(result.failing.contains(Self.catalogue), "\(result.failing)")
    }

    @Test(
        "Patroni's int() for its timers: floats truncate, strings with spaces or _ count, a bool is 1",
        arguments: [
            ("    ttl: 30", "    ttl: 15.5", rules), ("    ttl: 30", "    ttl: \" 15\"", rules),
            ("    ttl: 30", "    ttl: \"1_5\"", rules), ("    ttl: 30", "    ttl: true", rules),
            ("    maximum_lag_on_failover: 1048576", "    maximum_lag_on_failover: 0.5", catalogue),
            ("#    primary_start_timeout: 300", "    primary_start_timeout: 3000.5", objective),
            // Not a number Patroni can read: a broken rule, not the default.
            ("    ttl: 30", "    ttl: \"15.5\"", rules),
        ])
    func timersAsPatroniReadsThem(old: String, new: String, rule: String) throws {
        var repo = try Repo("attack-timers", files: try Self.batman())
        defer { repo.remove() }
        let member = try Self.real("patroni/postgres0.yml").replacingOccurrences(of: old, with: new)
        let result = try repo.change(["db/prod/batman/postgres0.yml": member])
        #expect(result.failing.contains(rule), "\(new): \(result.failing)")
    }

    @Test("a timer of Int.max is a broken rule, not a crash; and the fix of it can land past the huge base")
    func overflow() throws {
        let huge = try Self.real("patroni/postgres0.yml").replacingOccurrences(
            of: "    ttl: 30", with: "    ttl: 9223372036854775807")
        var repo = try Repo("attack-overflow", files: try Self.batman())
        defer { repo.remove() }
        let broken = try repo.change(["db/prod/batman/postgres0.yml": huge])
        #expect(broken.status == 1, "crashed or passed: \(broken.status)")
        #expect(broken.failing.contains(Self.rules))
        var fixed = try Repo(
            "attack-overflow-fix", files: try Self.batman().merging(["db/prod/batman/postgres0.yml": huge]) { $1 })
        defer { fixed.remove() }
        let back = try fixed.change(["db/prod/batman/postgres0.yml": try Self.real("patroni/postgres0.yml")])
        #expect(back.status == 1 || back.status == 0, "crashed: \(back.status)")
        #expect(!back.failing.contains(Self.rules), "\(back.failing)")
    }

    @Test("a same-scoped cluster on another etcd is not a member that could take over")
    func sameScopeOtherDCS() throws {
        var files = try Self.batman()
        files["db/staging/postgres0.yml"] = try Self.real("patroni/postgres0.yml").replacingOccurrences(
            of: "host: 127.0.0.1:2379", with: "host: etcd.staging.internal:2379")
        var repo = try Repo("attack-decoy-member", files: files)
        defer { repo.remove() }
        let result = try repo.change(try Self.batman(tags: [1: "nofailover: true", 2: "nofailover: true"]))
        #expect(result.failing.contains(Self.catalogue), "\(result.failing)")
    }

    @Test("Orchestrator: a key Go folds onto RecoverMasterClusterFilters (ſ for s) is refused, not missed")
    func goCaseFolding() throws {
        let sample = try Self.real("orchestrator/orchestrator-sample.conf.json")
        var repo = try Repo("attack-fold", files: ["db/prod/orchestrator.conf.json": sample])
        defer { repo.remove() }
        let folded = sample.replacingOccurrences(
            of: "\"RecoverMasterClusterFilters\": [",
            with: "\"RecoverMaſterClusterFilters\": [],\n  \"RecoverMasterClusterFilters\": [")
        #expect(folded != sample)
        let result = try repo.change(["db/prod/orchestrator.conf.json": folded])
        #expect(result.status != 0, "a key Orchestrator reads as RecoverMasterClusterFilters passed: \(result.failing)")
    }

    @Test("CloudNativePG: fencing instances by name, a Cluster in JSON, a Cluster inside kind: List")
    func cloudNativePGForms() throws {
        let example = try Self.real("cloudnative-pg/cluster-example.yaml")
        var repo = try Repo("attack-cnpg", files: ["k8s/prod/cluster.yaml": example])
        defer { repo.remove() }
        let fenced = example.replacingOccurrences(
            of: "metadata:\n  name: cluster-example\n",
            with:
                "metadata:\n  name: cluster-example\n  annotations:\n    cnpg.io/fencedInstances: '[\"cluster-example-1\"]'\n"
        )
        #expect(fenced != example)
        #expect(try repo.change(["k8s/prod/cluster.yaml": fenced]).failing.contains(Self.catalogue))

        var json = try Repo("attack-cnpg-json", files: ["k8s/prod/cluster.yaml": example])
        defer { json.remove() }
        let single =
            "{\"apiVersion\":\"postgresql.cnpg.io/v1\",\"kind\":\"Cluster\",\"metadata\":{\"name\":\"pg-new\"},"
            + "\"spec\":{\"instances\":1,\"storage\":{\"size\":\"1Gi\"}}}\n"
        #expect(try json.change(["k8s/prod/new.json": single]).failing.contains(Self.catalogue))

        var list = try Repo("attack-cnpg-list", files: ["k8s/prod/cluster.yaml": example])
        defer { list.remove() }
        let wrapped =
            "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: postgresql.cnpg.io/v1\n    kind: Cluster\n"
            + "    metadata:\n      name: pg-new\n    spec:\n      instances: 1\n      storage:\n        size: 1Gi\n"
        #expect(try list.change(["k8s/prod/new.yaml": wrapped]).failing.contains(Self.catalogue))
    }

    @Test("CloudNativePG: a decoy Cluster of the same name is reported beside the real one")
    func duplicateClusterNames() throws {
        let example = try Self.real("cloudnative-pg/cluster-example.yaml")
        var repo = try Repo("attack-cnpg-decoy", files: ["k8s/prod/cluster.yaml": example])
        defer { repo.remove() }
        let decoy =
            example
            + "\n---\napiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: cluster-example\n"
            + "  namespace: default\nspec:\n  instances: 1\n  storage:\n    size: 1Gi\n"
        let result = try repo.change(["k8s/prod/cluster.yaml": decoy])
        #expect(result.failing.contains(Self.catalogue))
        let failover = try #require((result.report["failover"] as? [[String: Any]])?.first)
        let summary = failover["summary"] as? [String] ?? []
        #expect(summary.contains { $0.contains("spec.instances is 1") }, "\(summary)")
    }

    @Test("Sentinel: several known-sentinel lines count; a quorum Redis reads with atoi (\"5x\" is 5)")
    func sentinelLines() throws {
        let conf =
            "port 26379\nsentinel monitor mymaster 10.0.0.1 6379 2\nsentinel known-sentinel mymaster 10.0.0.2 26379 aaaa\n"
            + "sentinel known-sentinel mymaster 10.0.0.3 26379 bbbb\n"
        var repo = try Repo("attack-sentinel", files: ["redis/prod/sentinel.conf": conf])
        defer { repo.remove() }
        let five = conf.replacingOccurrences(of: "6379 2\n", with: "6379 5\n")
        #expect(try repo.change(["redis/prod/sentinel.conf": five]).failing.contains(Self.rules))
        var atoi = try Repo("attack-sentinel-atoi", files: ["redis/prod/sentinel.conf": conf])
        defer { atoi.remove() }
        let quoted = conf.replacingOccurrences(of: "6379 2\n", with: "6379 \"5x\"\n")
        #expect(try atoi.change(["redis/prod/sentinel.conf": quoted]).failing.contains(Self.rules))
    }

    @Test(
        "Helm: an override named values-prod.yml, values_prod.yaml, or prod.yaml with the chart's keys is layered",
        arguments: ["values-prod.yml", "values_prod.yaml", "prod.yaml"])
    func helmOverrideNames(name: String) throws {
        let values = "architecture: replication\nreplica:\n  replicaCount: 3\nsentinel:\n  enabled: true\n  quorum: 2\n"
        var repo = try Repo(
            "attack-helm",
            files: ["redis/prod/values.yaml": values, "redis/prod/\(name)": "replica:\n  replicaCount: 3\n"])
        defer { repo.remove() }
        let result = try repo.change(["redis/prod/\(name)": "replica:\n  replicaCount: 1\n"])
        #expect(result.failing.contains(Self.catalogue), "\(name): \(result.failing)")
    }
}
