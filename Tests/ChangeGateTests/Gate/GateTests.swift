import ChangeGate
import Foundation
import PolicyDSL
import Testing

/// The gate end to end on real repositories: the policy from the base, the settings diff, reverts,
/// evidence and overrides, and what cannot be judged.
@Suite("Gate")
struct GateTests {
    static let policy = """
        policy "gate-test"
        files "db/**/*.yaml"
        group dba = ["alice@example.com", "bob@example.com"]
        group oncall = ["dave@example.com"]
        watch "**.failover.**" weight 20 tag failover
        risk -25 "restores an earlier value" when watched and reverts
        deny "failover stays on" when any change (key matches "**.failover.enabled" and new == false)
        require "failover reviewed" when any change (tags has "failover" and not reverts) {
          reviewers >= 1 from dba
        } override by oncall
        """

    /// base: policy + failover config; returns the fixture and the base commit.
    private func repository() throws -> (GitFixture, String) {
        var repo = try GitFixture(label: "gate")
        try repo.write("policies/gate.policy", Self.policy)
        try repo.write("db/prod/patroni.yaml", "failover:\n  enabled: true\n  mode: automatic\n  timeout: 30\n")
        // Weeks apart: timeout 30 stood long enough to be known good (`reverts` needs 24 h by default).
        try repo.commit("base", author: "Alice <alice@example.com>", date: "2024-05-01T12:00:00+00:00")
        try repo.write("db/prod/patroni.yaml", "failover:\n  enabled: true\n  mode: automatic\n  timeout: 60\n")
        let base = try repo.commit(
            "tune timeout", author: "Alice <alice@example.com>", date: "2024-05-20T12:00:00+00:00")
        return (repo, base)
    }

    /// Every first-parent commit of `base` as a tip the gate accepted at its commit time, as a
    /// hook's trail would hold them had each been pushed alone (a linear history has no merge tips).
    static func everyCommitAccepted(_ repo: GitFixture, base: String) throws -> KnownGoodTips {
        var tips: [ObjectID: Int] = [:]
        // An unknown base is the gate's to report; it has no tips.
        guard let log = try? repo.git(["log", "--first-parent", "--format=%H %ct", base]) else { return .accepted([:]) }
        for line in log.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let id = ObjectID(hex: String(parts[0])), let time = Int(parts[1]) { tips[id] = time }
        }
        return .accepted(tips)
    }

    private func decide(
        _ repo: GitFixture, base: String, head: String = "HEAD", reviewers: [ReviewerEvidence] = [],
        actor: String? = nil, override: String? = nil
    ) throws -> GateDecision {
        let request = GateRequest(
            base: base, head: head, actor: actor, now: 1_717_509_300, reviewers: reviewers,
            override: override.map { OverrideRequest(actor: actor ?? "", reason: $0) },
            knownGoodTips: try Self.everyCommitAccepted(repo, base: base))
        return Gate(repository: try Repository(path: repo.path)).decide(request)
    }

    @Test(
        "a reviewed failover change is allowed; without a DBA it is denied, and the author's own review does not count")
    func reviewers() throws {
        var (repo, base) = try repository()
        defer { repo.remove() }
        try repo.write("db/prod/patroni.yaml", "failover:\n  enabled: true\n  mode: manual\n  timeout: 60\n")
        try repo.commit("manual mode", author: "Frank <frank@example.com>")

        let unreviewed = try decide(repo, base: base)
        #expect(unreviewed.verdict == .deny)
        #expect(unreviewed.exitCode == 1)
        #expect(unreviewed.policySource == "\(base.prefix(7)):policies/")
        let selfReview = try decide(
            repo, base: base, reviewers: [ReviewerEvidence(identity: "FRANK@example.com", source: "evidence file")])
        #expect(selfReview.verdict == .deny)
        let missing = try #require(
            selfReview.evaluation?.verdicts.first { $0.name == "failover reviewed" }?.missing.first?.message)
        #expect(
            missing.contains("frank@example.com is an author or committer of the change and does not count")
                || missing.contains("FRANK@example.com is an author or committer"))
        let reviewed = try decide(
            repo, base: base, reviewers: [ReviewerEvidence(identity: "bob@example.com", source: "evidence file")])
        #expect(reviewed.verdict == .allow)
        #expect(reviewed.exitCode == 0)
    }

    @Test("override: a member of the named group with a reason is accepted; others are refused; a deny has none")
    func overrides() throws {
        var (repo, base) = try repository()
        defer { repo.remove() }
        try repo.write("db/prod/patroni.yaml", "failover:\n  enabled: true\n  mode: manual\n  timeout: 60\n")
        try repo.commit("manual mode", author: "Frank <frank@example.com>")
        let accepted = try decide(repo, base: base, actor: "dave@example.com", override: "INC-1234: restore service")
        #expect(accepted.verdict == .allow)
        #expect(accepted.evaluation?.verdicts.contains { $0.overridden } == true)
        #expect(try decide(repo, base: base, actor: "frank@example.com", override: "please").verdict == .deny)

        try repo.write("db/prod/patroni.yaml", "failover:\n  enabled: false\n  mode: manual\n  timeout: 60\n")
        try repo.commit("switch failover off", author: "Frank <frank@example.com>")
        let hard = try decide(repo, base: base, actor: "dave@example.com", override: "INC-1234")
        #expect(hard.verdict == .deny)
        let deny = try #require(hard.evaluation?.verdicts.first { $0.kind == .deny })
        #expect(deny.applies && !deny.satisfied && !deny.overridden)
    }

    @Test("the policy comes from the base: a policy edited in the head does not decide")
    func policyFromBase() throws {
        var (repo, base) = try repository()
        defer { repo.remove() }
        try repo.write("policies/gate.policy", "policy \"relaxed\"\nfiles \"db/**/*.yaml\"\n")
        try repo.write("db/prod/patroni.yaml", "failover:\n  enabled: false\n  mode: automatic\n  timeout: 60\n")
        try repo.commit("relax the policy and switch failover off", author: "Frank <frank@example.com>")
        let decision = try decide(repo, base: base)
        #expect(decision.policyName == "gate-test")
        #expect(decision.verdict == .deny)
    }

    @Test("a revert restores an earlier value: lower risk, `reverts` true, no review needed")
    func revert() throws {
        var (repo, _) = try repository()
        defer { repo.remove() }
        try repo.write("db/prod/patroni.yaml", "failover:\n  enabled: true\n  mode: automatic\n  timeout: 30\n")
        try repo.commit("back to 30", author: "Dave <dave@example.com>")
        let decision = try decide(repo, base: "HEAD~1")
        #expect(decision.verdict == .allow)
        let items = try #require(decision.evaluation?.riskItems)
        #expect(items.contains { $0.reason == "restores an earlier value" && $0.key == "failover.timeout" })
        #expect(decision.evaluation?.risk == -5)
    }

    @Test("a value held several commits back counts as a revert within the look-back and not beyond it")
    func revertLookBack() throws {
        var (repo, _) = try repository()  // timeout 30, then 60
        defer { repo.remove() }
        for step in 1...3 {
            try repo.write("db/prod/other.yaml", "pool:\n  size: \(step)\n")
            try repo.commit("pool \(step)", author: "Alice <alice@example.com>")
        }
        try repo.write("db/prod/patroni.yaml", "failover:\n  enabled: true\n  mode: automatic\n  timeout: 45\n")
        try repo.commit("timeout 45", author: "Alice <alice@example.com>")
        try repo.write("db/prod/other.yaml", "pool:\n  size: 9\n")
        let base = try repo.commit("pool 9", author: "Alice <alice@example.com>")
        try repo.write("db/prod/patroni.yaml", "failover:\n  enabled: true\n  mode: automatic\n  timeout: 30\n")
        try repo.write("db/prod/other.yaml", "pool:\n  size: 2\n")
        try repo.commit("back to 30, pool 2", author: "Dave <dave@example.com>")

        func reverts(commits: Int) throws -> [String: Bool] {
            let request = GateRequest(
                base: base, head: "HEAD", now: 1_717_509_300,
                revertLookBack: RevertLookBack(seconds: 90 * 86_400, commits: commits),
                knownGoodTips: try Self.everyCommitAccepted(repo, base: base))
            let decision = Gate(repository: try Repository(path: repo.path)).decide(request)
            #expect(decision.verdict != .error, "\(decision.problems)")
            let items = decision.evaluation?.riskItems.filter { $0.reason == "restores an earlier value" } ?? []
            return Dictionary(
                uniqueKeysWithValues: ["failover.timeout", "pool.size"].map { key in
                    (key, items.contains { $0.key == key })
                })
        }
        // 30 was the timeout 6 commits before the base; pool size 2 three commits before it (pool.size
        // is not watched, so it never shows as a risk line).
        #expect(try reverts(commits: 500) == ["failover.timeout": true, "pool.size": false])
        #expect(try reverts(commits: 3) == ["failover.timeout": false, "pool.size": false])
        #expect(try reverts(commits: 6) == ["failover.timeout": true, "pool.size": false])
    }

    @Test(
        "what cannot be judged denies with exit 2: an unparsable file (with file:line), an unknown revision, no policy")
    func errors() throws {
        var (repo, base) = try repository()
        defer { repo.remove() }
        try repo.write("db/prod/patroni.yaml", "failover:\n  enabled: [true\n")
        try repo.commit("broken", author: "Frank <frank@example.com>")
        let broken = try decide(repo, base: base)
        #expect(broken.verdict == .error)
        #expect(broken.exitCode == 2)
        #expect(broken.problems.first?.message.hasPrefix("db/prod/patroni.yaml:3:") == true)
        #expect(broken.problems.first?.kind == .unparsableFile)
        #expect(broken.problems.first?.file == "db/prod/patroni.yaml" && broken.problems.first?.line == 3)

        let unknown = try decide(repo, base: "no-such-branch")
        #expect(unknown.verdict == .error)
        #expect(unknown.problems.first?.message.contains("unknown revision `no-such-branch`") == true)
        #expect(unknown.problems.first?.kind == .unknownRevision)

        let noPolicy = try decide(repo, base: "HEAD~2", head: "HEAD~1")
        #expect(noPolicy.verdict != .error)  // base HEAD~2 has the policy
        var bare = try GitFixture(label: "gate-no-policy")
        defer { bare.remove() }
        try bare.write("db/a.yaml", "a: 1\n")
        let first = try bare.commit("first")
        try bare.write("db/a.yaml", "a: 2\n")
        try bare.commit("second")
        let missing = Gate(repository: try Repository(path: bare.path)).decide(
            GateRequest(base: first, head: "HEAD", now: 0))
        #expect(missing.verdict == .error)
        #expect(missing.problems.first?.message.contains("no .policy file at the base revision") == true)
        #expect(missing.problems.first?.kind == .policyError)
    }

    @Test(
        "the incident of the postmortem is denied, and its revert allowed",
        .enabled(
            if: FileManager.default.isExecutableFile(
                atPath: Paths.packageRoot.appendingPathComponent("examples/ecommerce-outage/make-repo.sh").path)))
    func incident() throws {
        let directory = try Paths.temporaryDirectory("incident")
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appendingPathComponent("shop-config")
        let output = try Shell.check([
            Paths.packageRoot.appendingPathComponent("examples/ecommerce-outage/make-repo.sh").path, destination.path,
        ])
        let ids = Dictionary(
            uniqueKeysWithValues: output.split(separator: "\n").map { line -> (String, String) in
                let parts = line.split(separator: " ")
                return (String(parts[0]), String(parts[1]))
            })
        let bad = try #require(ids["bad-commit"])
        let revert = try #require(ids["revert-commit"])
        let policy = Paths.packageRoot.appendingPathComponent("policies/failover.policy").path
        let check = { (base: String, head: String, now: String) throws -> Shell.Result in
            try Shell.run([
                Paths.changegate.path, "check", "--repo", destination.path, "--base", base, "--head", head,
                "--policy", policy, "--now", now, "--format", "json",
            ])
        }
        let denied = try check("\(bad)~1", bad, "2024-06-04T13:56:00Z")
        #expect(denied.status == 1, "\(denied.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(denied.stdout.utf8)) as? [String: Any])
        #expect(report["decision"] as? String == "deny")
        let rules = try #require(report["rules"] as? [[String: Any]])
        let failing = rules.filter { ($0["satisfied"] as? Bool) == false }.compactMap { $0["name"] as? String }
        // The failover model: ttl 15 breaks Patroni's own rules, the generic block can no longer fail over.
        #expect(failing.contains("failover timers must keep the rules their system documents"))
        #expect(failing.contains("production clusters must keep automatic failover"))
        #expect(failing.contains("failover changes are reviewed by a DBA and simulated"))

        let allowed = try check("\(revert)~1", revert, "2024-06-04T16:01:00Z")
        #expect(allowed.status == 0, "\(allowed.stdout)")

        // The demo's flow with the repository's own policy (policies/shop.policy at the base):
        // denied naming the missing review and simulation; allowed with the evidence; the revert allowed.
        let evidence = Paths.packageRoot.appendingPathComponent("examples/ecommerce-outage/evidence")
        let own = { (base: String, head: String, extra: [String]) throws -> Shell.Result in
            try Shell.run(
                [
                    Paths.changegate.path, "check", "--repo", destination.path, "--base", base, "--head", head,
                    "--now", "2024-06-04T13:55:00Z",
                ] + extra)
        }
        let unreviewed = try own("\(bad)~1", bad, [])
        #expect(unreviewed.status == 1)
        #expect(unreviewed.stdout.contains("needs 1 more reviewer from group dba (have: none)"))
        #expect(unreviewed.stdout.contains("no result for tests matching \"failover-simulation\""))
        let reviewed = try own(
            "\(bad)~1", bad,
            [
                "--evidence", evidence.appendingPathComponent("review.json").path, "--junit",
                evidence.appendingPathComponent("*.xml").path,
            ])
        #expect(reviewed.status == 0, "\(reviewed.stdout)")
        #expect(reviewed.stdout.hasPrefix("ALLOWED"))
        let reverted = try own(bad, revert, [])
        #expect(reverted.status == 0, "\(reverted.stdout)")
        #expect(reverted.stdout.contains("restores an earlier value"))
    }
}
