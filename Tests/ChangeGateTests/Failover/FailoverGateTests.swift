import ChangeGate
import Foundation
import Testing

/// The failover model inside the gate (issue 17, items 1–3): a Patroni cluster whose members are
/// Patroni's own postgres0/1/2.yml (../shared/testdata/real/patroni), each member's tags judged with
/// the others', real pushes into a bare repository with the hook and the shipped catalogue, and
/// `check`'s reports saying what the change does to failover.
@Suite("Failover model in the gate")
struct FailoverGateTests {
    static let members = ["postgres0.yml", "postgres1.yml", "postgres2.yml"]

    static func real(_ name: String) throws -> String {
        try String(
            contentsOf: try #require(Paths.testdata).appendingPathComponent("real/patroni/\(name)"), encoding: .utf8)
    }

    struct Setup {
        var server: GitFixture
        var work: GitFixture

        func push(_ refspec: String) throws -> Shell.Result {
            var environment = GitFixture.baseEnvironment
            environment["CHANGEGATE_USER"] = "frank@example.com"
            return try Shell.run(
                ["git", "-C", work.path, "push", "--porcelain", "origin", refspec], environment: environment)
        }

        func check(_ base: String, _ head: String, format: String = "json") throws -> Shell.Result {
            try Shell.run(
                [
                    Paths.changegate.path, "check", "--repo", work.path, "--base", base, "--head", head, "--format",
                    format, "--now", "2024-06-04T10:00:00Z",
                ], environment: GitFixture.baseEnvironment)
        }

        func remove() {
            server.remove()
            work.remove()
        }
    }

    /// main: the shipped catalogue and the three members of cluster `batman` in production.
    private func setup() throws -> Setup {
        let server = try GitFixture(bare: true, label: "failover-server")
        var work = try GitFixture(label: "failover-work")
        let catalogue = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("policies/failover.policy"), encoding: .utf8)
        try work.write("policies/failover.policy", catalogue)
        for member in Self.members { try work.write("db/prod/batman/\(member)", try Self.real(member)) }
        try work.commit("batman", author: "Alice <alice@example.com>", date: "2024-05-01T12:00:00+00:00")
        try work.git(["remote", "add", "origin", server.url.absoluteString])
        try work.git(["push", "-q", "origin", "HEAD:refs/heads/main"])
        try Shell.check([Paths.changegate.path, "hook", "install", "--repo", server.path])
        return Setup(server: server, work: work)
    }

    /// The member's file with `tag` added to its tags.
    private func tagged(_ member: String, _ tag: String) throws -> String {
        try Self.real(member).replacingOccurrences(
            of: "    noloadbalance: false", with: "    \(tag)\n    noloadbalance: false")
    }

    @Test("two members taken out of the leader race in two files: the hook denies and names both members")
    func twoMembersOut() throws {
        var s = try setup()
        defer { s.remove() }
        try s.work.write("db/prod/batman/postgres1.yml", try tagged("postgres1.yml", "nofailover: true"))
        try s.work.write("db/prod/batman/postgres2.yml", try tagged("postgres2.yml", "failover_priority: 0"))
        try s.work.commit("take 1 and 2 out of the race", author: "Frank <frank@example.com>")
        let pushed = try s.push("HEAD:refs/heads/main")
        #expect(pushed.status != 0, "\(pushed.stderr)")
        #expect(pushed.stderr.contains("production clusters must keep automatic failover"), "\(pushed.stderr)")
        #expect(
            pushed.stderr.contains(
                "failover: db/prod/batman/postgres1.yml: Patroni batman: automatic failover possible → impossible "
                    + "(only postgresql0 may be promoted"), "\(pushed.stderr)")
        #expect(pushed.stderr.contains("postgresql1: tags.nofailover is true"))
        #expect(pushed.stderr.contains("postgresql2: tags.failover_priority is 0"))
    }

    @Test("one member out of three: two may still be promoted, so the model's deny does not fire")
    func oneMemberOut() throws {
        var s = try setup()
        defer { s.remove() }
        try s.work.write("db/prod/batman/postgres1.yml", try tagged("postgres1.yml", "nofailover: true"))
        let head = try s.work.commit("take 1 out of the race", author: "Frank <frank@example.com>")
        let checked = try s.check("origin/main", head)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(checked.stdout.utf8)) as? [String: Any])
        let failover = try #require(report["failover"] as? [[String: Any]])
        let file = try #require(failover.first { $0["file"] as? String == "db/prod/batman/postgres1.yml" })
        #expect((file["head"] as? [String: Any])?["possible"] as? Bool == true, "\(file)")
        #expect((file["base"] as? [String: Any])?["possible"] as? Bool == true)
        let rules = try #require(report["rules"] as? [[String: Any]])
        let failing = rules.filter { ($0["satisfied"] as? Bool) == false }.compactMap { $0["name"] as? String }
        #expect(!failing.contains("production clusters must keep automatic failover"), "\(failing)")
        // Still a failover setting: the review and the simulation are asked for.
        #expect(failing.contains("failover changes are reviewed by a DBA and simulated"))
    }

    @Test("the worst case past the production objective: the report names the setting, two DBAs are asked for")
    func pastTheObjective() throws {
        var s = try setup()
        defer { s.remove() }
        let slow = try Self.real("postgres0.yml").replacingOccurrences(
            of: "#    primary_start_timeout: 300", with: "    primary_start_timeout: 600")
        try s.work.write("db/prod/batman/postgres0.yml", slow)
        let head = try s.work.commit("wait longer for a crashed primary", author: "Frank <frank@example.com>")
        let text = try s.check("origin/main", head, format: "text")
        #expect(text.status == 1, "\(text.stdout)")
        #expect(
            text.stdout.contains(
                "db/prod/batman/postgres0.yml  Patroni batman: worst-case failover 320 s → 620 s "
                    + "(bootstrap.dcs.primary_start_timeout 300 (default) → 600)"), "\(text.stdout)")
        #expect(text.stdout.contains("a failover slower than the recovery time objective is reviewed by two DBAs"))
        let json = try s.check("origin/main", head)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let failover = try #require((report["failover"] as? [[String: Any]])?.first)
        #expect((failover["head"] as? [String: Any])?["worstCaseSeconds"] as? Int == 620)
        #expect((failover["base"] as? [String: Any])?["worstCaseSeconds"] as? Int == 320)
    }

    @Test("attack: a member's file rewritten so that it no longer reads as Patroni counts as unable to fail over")
    func modelLost() throws {
        var s = try setup()
        defer { s.remove() }
        // The settings are still there, but neither `bootstrap.dcs` nor `postgresql.data_dir` is.
        let hidden = try Self.real("postgres0.yml").replacingOccurrences(of: "bootstrap:", with: "bootstrap_:")
            .replacingOccurrences(of: "data_dir:", with: "data_directory:")
        try s.work.write("db/prod/batman/postgres0.yml", hidden)
        let head = try s.work.commit("tidy", author: "Frank <frank@example.com>")
        let checked = try s.check("origin/main", head)
        #expect(checked.status == 1, "\(checked.stdout)\(checked.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(checked.stdout.utf8)) as? [String: Any])
        let failover = try #require((report["failover"] as? [[String: Any]])?.first)
        #expect(failover["modelLost"] as? Bool == true)
        let rules = try #require(report["rules"] as? [[String: Any]])
        let failing = rules.filter { ($0["satisfied"] as? Bool) == false }.compactMap { $0["name"] as? String }
        #expect(failing.contains("production clusters must keep automatic failover"), "\(failing)")
    }

    @Test("attack: the quorum raised in values.yaml reaches an unchanged values-prod.yaml with fewer pods")
    func helmDefaultsReachOverride() throws {
        var s = try setup()
        defer { s.remove() }
        try s.work.write(
            "redis/values.yaml",
            "architecture: replication\nreplica:\n  replicaCount: 3\nsentinel:\n  enabled: true\n  quorum: 2\n")
        try s.work.write("redis/values-prod.yaml", "replica:\n  replicaCount: 2\n")
        let before = try s.work.commit("redis", author: "Alice <alice@example.com>")
        // Fine for values.yaml's own three pods; not for production's two.
        try s.work.write(
            "redis/values.yaml",
            "architecture: replication\nreplica:\n  replicaCount: 3\nsentinel:\n  enabled: true\n  quorum: 3\n")
        let head = try s.work.commit("quorum 3", author: "Frank <frank@example.com>")
        let checked = try s.check(before, head)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(checked.stdout.utf8)) as? [String: Any])
        let failover = try #require(report["failover"] as? [[String: Any]])
        let own = try #require(failover.first { $0["file"] as? String == "redis/values.yaml" })
        #expect((own["head"] as? [String: Any])?["possible"] as? Bool == true)
        let prod = try #require(
            failover.first { $0["file"] as? String == "redis/values-prod.yaml" },
            "the override was not judged: \(failover)")
        #expect((prod["head"] as? [String: Any])?["possible"] as? Bool == false)
        #expect((prod["base"] as? [String: Any])?["possible"] as? Bool == true)
        #expect((prod["summary"] as? [String])?.contains { $0.contains("quorum is 3 with 2 Sentinels") } == true)
        let rules = try #require(report["rules"] as? [[String: Any]])
        let failing = rules.filter { ($0["satisfied"] as? Bool) == false }.compactMap { $0["name"] as? String }
        #expect(failing.contains("failover timers must keep the rules their system documents"), "\(failing)")
    }

    @Test("failover explain --rev reads a member as the gate does: with the other members of its cluster")
    func explainAsTheGate() throws {
        var s = try setup()
        defer { s.remove() }
        try s.work.write("db/prod/batman/postgres1.yml", try tagged("postgres1.yml", "nofailover: true"))
        try s.work.write("db/prod/batman/postgres2.yml", try tagged("postgres2.yml", "failover_priority: 0"))
        let head = try s.work.commit("take 1 and 2 out of the race", author: "Frank <frank@example.com>")
        let explained = try Shell.run(
            [
                Paths.changegate.path, "failover", "explain", "--repo", s.work.path, "--rev", head,
                "db/prod/batman/postgres0.yml",
            ],
            environment: GitFixture.baseEnvironment)
        // postgres0 itself is unchanged and may be promoted; its cluster can no longer fail over.
        #expect(explained.status == 1, "\(explained.stdout)\(explained.stderr)")
        #expect(explained.stdout.contains("only postgresql0 may be promoted"), "\(explained.stdout)")
        #expect(
            explained.stdout.contains("member postgresql2 (db/prod/batman/postgres2.yml) = tags.failover_priority is 0")
        )
    }
}
