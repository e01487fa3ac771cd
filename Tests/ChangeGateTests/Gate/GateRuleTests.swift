import ChangeGate
import Foundation
import PolicyDSL
import Testing

/// Freeze windows, risk thresholds, commit trailers and the policy's fingerprint, end to end on
/// real repositories (the policy given as a server-side file with `policyPath`).
@Suite("Gate rules")
struct GateRuleTests {
    /// A repository whose base holds three failover settings; the head changes `count` of them.
    private func repository(
        changing count: Int, message: String = "tune failover", author: String = "Frank <frank@example.com>",
        committer: (name: String, email: String)? = nil
    ) throws -> (GitFixture, String) {
        var repo = try GitFixture(label: "gate-rules")
        try repo.write("db/prod/app.yaml", "failover:\n  a: 1\n  b: 1\n  c: 1\n")
        let base = try repo.commit("base", author: "Alice <alice@example.com>")
        let values = (0..<3).map { $0 < count ? 2 : 1 }
        try repo.write("db/prod/app.yaml", "failover:\n  a: \(values[0])\n  b: \(values[1])\n  c: \(values[2])\n")
        try repo.commit(message, author: author, committer: committer)
        return (repo, base)
    }

    private func decide(
        _ repo: GitFixture, base: String, policy: String, now: Int = 1_717_509_300, actor: String? = nil,
        override: String? = nil, reviewers: [ReviewerEvidence] = [], tests: [TestEvidence] = []
    ) throws -> GateDecision {
        let directory = try Paths.temporaryDirectory("policy")
        let path = directory.appendingPathComponent("test.policy").path
        try Data(policy.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(at: directory) }
        let request = GateRequest(
            base: base, head: "HEAD", policyPath: path, actor: actor, now: now, reviewers: reviewers, tests: tests,
            override: override.map { OverrideRequest(actor: actor ?? "", reason: $0) })
        return Gate(repository: try Repository(path: repo.path)).decide(request)
    }

    static let header = """
        policy "rules"
        files "db/**/*.yaml"
        group dba = ["alice@example.com", "bob@example.com"]
        group oncall = ["dave@example.com"]
        group bots = ["merge-bot@example.com"]
        watch "failover.*" weight 20 tag failover

        """

    @Test("risk thresholds: below the warning allows, at the warning warns, at the limit denies (>= is inclusive)")
    func riskThresholds() throws {
        let policy =
            Self.header + """
                warn "risky" when risk >= 40
                deny "too risky for one change" when risk >= 60
                """
        for (count, verdict, risk) in [(1, GateDecision.Verdict.allow, 20), (2, .warn, 40), (3, .deny, 60)] {
            let (repo, base) = try repository(changing: count)
            defer { repo.remove() }
            let decision = try decide(repo, base: base, policy: policy)
            #expect(decision.evaluation?.risk == risk)
            #expect(decision.verdict == verdict, "\(count) changes")
            #expect(decision.exitCode == (verdict == .deny ? 1 : 0))
            let deny = try #require(decision.evaluation?.verdicts.first { $0.name == "too risky for one change" })
            #expect(deny.applies == (risk >= 60))
        }
        // `risk <` inside a require block: met below, unmet at the limit, with the numbers said.
        let limit = Self.header + "require \"small changes only\" {\n  risk < 40\n}\n"
        let (repo, base) = try repository(changing: 2)
        defer { repo.remove() }
        let decision = try decide(repo, base: base, policy: limit)
        #expect(decision.verdict == .deny)
        #expect(
            decision.evaluation?.verdicts.first?.missing.map(\.message) == ["risk is 40; it must be below 40"])
        #expect(
            decision.evaluation?.verdicts.first?.missing.first?.kind == .risk(risk: 40, limit: 40, inclusive: false))
    }

    @Test(
        "head(…) and base(…) read untouched settings, by a literal key or a computed one, and the old path of a renamed file"
    )
    func fileSettings() throws {
        var repo = try GitFixture(label: "gate-file-settings")
        defer { repo.remove() }
        try repo.write("db/prod/app.yaml", "failover:\n  a: 1\n  b: 1\nlimits:\n  ttl: 30\n  floor: 2\n")
        let base = try repo.commit("base", author: "Alice <alice@example.com>")
        // Renamed and changed: git pairs the two paths (most lines are the same).
        try repo.remove("db/prod/app.yaml")
        try repo.write("db/prod/app-renamed.yaml", "failover:\n  a: 2\n  b: 1\nlimits:\n  ttl: 30\n  floor: 2\n")
        try repo.commit("tune failover", author: "Frank <frank@example.com>")
        let literal =
            Self.header + """
                deny "head reads an untouched key" when any file (head("limits.ttl") == 30)
                warn "base reads the old path" when any file (base("limits.floor") == 2 and base("failover.a") == 1)
                """
        let decision = try decide(repo, base: base, policy: literal)
        // The one modified setting, and the three that moved unchanged with the rename.
        #expect(decision.changes.filter { $0.kind == .modified }.map(\.key) == ["failover.a"])
        #expect(
            decision.changes.filter { $0.kind == .renamed }.map(\.key).sorted() == [
                "failover.b", "limits.floor", "limits.ttl",
            ])
        #expect(Set(decision.changes.map(\.file)) == ["db/prod/app-renamed.yaml"])
        #expect(decision.changes.allSatisfy { $0.previousFile == "db/prod/app.yaml" })
        #expect(decision.evaluation?.verdicts.map(\.applies) == [true, true])
        // A computed key: every setting is handed to the evaluator.
        let computed =
            Self.header + "deny \"new equals head\" when any change (head(key) == new and base(key) == old)\n"
        #expect(try decide(repo, base: base, policy: computed).evaluation?.verdicts.first?.applies == true)
        let absent = Self.header + "deny \"absent key\" when any file (present(head(\"limits.none\")))\n"
        #expect(try decide(repo, base: base, policy: absent).evaluation?.verdicts.first?.applies == false)
    }

    @Test("head(…) finds a key written in another Unicode form of the same text (é as e + U+0301)")
    func fileSettingsCanonicalKeys() throws {
        var repo = try GitFixture(label: "gate-canonical-keys")
        defer { repo.remove() }
        try repo.write("db/prod/app.yaml", "failover:\n  a: 1\ncafe\u{301}: 1\n")
        let base = try repo.commit("base", author: "Alice <alice@example.com>")
        try repo.write("db/prod/app.yaml", "failover:\n  a: 2\ncafe\u{301}: 1\n")
        try repo.commit("tune failover", author: "Frank <frank@example.com>")
        let policy = Self.header + "deny \"composed key\" when any file (head(\"caf\u{E9}\") == 1)\n"
        #expect(try decide(repo, base: base, policy: policy).evaluation?.verdicts.first?.applies == true)
    }

    @Test("freeze: inside the window denies until its end; outside allows; an on-call override lifts it, loudly")
    func freeze() throws {
        let policy =
            Self.header + """
                freeze "year-end" from 2024-12-20T00:00Z to 2025-01-02T00:00Z override by oncall
                """
        let (repo, base) = try repository(changing: 1)
        defer { repo.remove() }
        let inside = 1_734_912_000  // 2024-12-23T00:00Z
        let before = 1_734_652_799  // 2024-12-19T23:59:59Z
        let atEnd = 1_735_776_000  // 2025-01-02T00:00Z: the end is exclusive
        let frozen = try decide(repo, base: base, policy: policy, now: inside)
        #expect(frozen.verdict == .deny)
        let rule = try #require(frozen.evaluation?.verdicts.first { $0.kind == .freeze })
        #expect(rule.reason == "frozen: year-end until 2025-01-02T00:00:00Z")
        #expect(rule.missing.map(\.message).contains("wait until 2025-01-02T00:00:00Z, or override"))
        #expect(try decide(repo, base: base, policy: policy, now: before).verdict == .allow)
        #expect(try decide(repo, base: base, policy: policy, now: atEnd).verdict == .allow)
        let overridden = try decide(
            repo, base: base, policy: policy, now: inside, actor: "dave@example.com", override: "INC-7: hotfix")
        #expect(overridden.verdict == .allow)
        #expect(overridden.overridden)
        #expect(DecisionRenderer.text(overridden, color: false).contains("!!! OVERRIDE freeze \"year-end\""))
        let refused = try decide(
            repo, base: base, policy: policy, now: inside, actor: "frank@example.com", override: "please")
        #expect(refused.verdict == .deny)
        #expect(DecisionRenderer.text(refused, color: false).contains("not honoured by any rule"))
    }

    static let review = """
        require "reviewed and simulated" when any change (tags has "failover") {
          reviewers >= 1 from dba
          tests "failover-simulation" passed
        }

        """

    @Test("trailers are claims: untrusted they do not count (and the report says so); trusted they do")
    func trailers() throws {
        let message = """
            tune failover

            Reviewed-by: Bob <bob@example.com>
            Tested: failover-simulation
            """
        let (repo, base) = try repository(changing: 1, message: message)
        defer { repo.remove() }

        let untrusted = try decide(repo, base: base, policy: Self.header + Self.review)
        #expect(untrusted.verdict == .deny)
        let reviewer = try #require(untrusted.evidence.first { $0.kind == .reviewer })
        #expect(reviewer.subject == "bob@example.com" && !reviewer.counted)
        #expect(reviewer.source.hasPrefix("Reviewed-by trailer in "))
        #expect(reviewer.reason?.contains("which the policy does not trust") == true)
        let test = try #require(untrusted.evidence.first { $0.kind == .test })
        #expect(test.subject == "failover-simulation" && !test.counted)
        let missing = try #require(untrusted.evaluation?.verdicts.first?.missing.first).message
        #expect(missing.contains("bob@example.com comes from a Reviewed-by: trailer, which the policy does not trust"))

        let trusted = try decide(repo, base: base, policy: Self.header + "trust trailers\n" + Self.review)
        #expect(trusted.verdict == .allow)
        #expect(trusted.evidence.allSatisfy { $0.counted })

        // Only the trailers named: a trusted review, an untrusted Tested: claim.
        let reviewsOnly = try decide(
            repo, base: base, policy: Self.header + "trust trailers \"Reviewed-by\"\n" + Self.review)
        #expect(reviewsOnly.verdict == .deny)
        #expect(
            reviewsOnly.evaluation?.verdicts.first?.missing.map(\.message) == [
                "no result for tests matching \"failover-simulation\""
            ])
    }

    @Test(
        "`trust trailers committed by GROUP` without keys: no committer e-mail makes a trailer count; an author's own review never counts"
    )
    func trailersCommittedBy() throws {
        let policy = Self.header + "trust trailers committed by bots\n" + Self.review
        let message = "tune failover\n\nReviewed-by: bob@example.com\nTested: failover-simulation\n"
        let (byAuthor, base1) = try repository(
            changing: 1, message: message, committer: (name: "Frank", email: "frank@example.com"))
        defer { byAuthor.remove() }
        let refused = try decide(byAuthor, base: base1, policy: policy)
        #expect(refused.verdict == .deny)
        #expect(
            refused.evidence.first { $0.kind == .reviewer }?.reason?.contains(
                "committed as frank@example.com, which anyone can write") == true)

        let (byBot, base2) = try repository(
            changing: 1, message: message, committer: (name: "Merge Bot", email: "merge-bot@example.com"))
        defer { byBot.remove() }
        // The bot's e-mail is anyone's to write (issue 14, item 6): only a signature could make it count.
        let forged = try decide(byBot, base: base2, policy: policy)
        #expect(forged.verdict == .deny)
        #expect(
            forged.evidence.first { $0.kind == .reviewer }?.reason?.contains(
                "committed as merge-bot@example.com, which anyone can write") == true)

        let selfReview = "tune failover\n\nReviewed-by: Alice <ALICE@example.com>\nTested: failover-simulation\n"
        let (own, base3) = try repository(changing: 1, message: selfReview, author: "Alice <alice@example.com>")
        defer { own.remove() }
        let decision = try decide(own, base: base3, policy: Self.header + "trust trailers\n" + Self.review)
        #expect(decision.verdict == .deny)
        #expect(
            decision.evidence.first { $0.kind == .reviewer }?.reason
                == "an author or committer of the change cannot review it")
    }

    @Test("the same person through two sources counts once; the report says which source counted")
    func duplicateReviewer() throws {
        let message = "tune failover\n\nReviewed-by: Bob <BOB@example.com>\n"
        let (repo, base) = try repository(changing: 1, message: message)
        defer { repo.remove() }
        let policy = Self.header + "trust trailers\nrequire \"two DBAs\" {\n  reviewers >= 2 from dba\n}\n"
        let decision = try decide(
            repo, base: base, policy: policy,
            reviewers: [ReviewerEvidence(identity: "bob@example.com", source: "evidence file")])
        #expect(decision.verdict == .deny)
        let uses = decision.evidence.filter { $0.kind == .reviewer }
        #expect(uses.count == 2)
        #expect(uses.filter(\.counted).count == 1)
        #expect(uses[1].reason == "the same person already counted through evidence file")
        #expect(
            decision.evaluation?.verdicts.first?.missing.first?.message.hasPrefix(
                "needs 1 more reviewer from group dba")
                == true)
    }

    @Test("the policy's SHA-256 is what `sha256sum FILES | sha256sum` gives in the policy folder, group files included")
    func policyDigest() throws {
        var repo = try GitFixture(label: "digest")
        defer { repo.remove() }
        try repo.write(
            "policies/a.policy", "policy \"d\"\nfiles \"db/**/*.yaml\"\ngroup dba from \"groups/dba.txt\"\n")
        try repo.write("policies/b.policy", "require \"r\" { reviewers >= 1 from dba }\n")
        try repo.write("policies/groups/dba.txt", "alice@example.com\n")
        try repo.write("db/app.yaml", "x: 1\n")
        let base = try repo.commit("base")
        try repo.write("db/app.yaml", "x: 2\n")
        try repo.commit("change")
        let decision = Gate(repository: try Repository(path: repo.path)).decide(
            GateRequest(base: base, head: "HEAD", now: 0))
        #expect(decision.policyFiles.map(\.path) == ["a.policy", "b.policy", "groups/dba.txt"])
        let expected = try Shell.check(
            ["sh", "-c", "sha256sum a.policy b.policy groups/dba.txt | sha256sum"],
            in: repo.url.appendingPathComponent("policies"))
        #expect(decision.policySHA256 == String(expected.prefix(64)))
        #expect(decision.policySHA256?.count == 64)

        // The same files given with --policy give the same fingerprint.
        let onDisk = try PolicyLoader.load(at: repo.url.appendingPathComponent("policies").path)
        #expect(onDisk.sha256 == decision.policySHA256)
    }
}
