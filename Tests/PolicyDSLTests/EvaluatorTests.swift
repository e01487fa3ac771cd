import PolicyDSL
import Testing

@Suite("Evaluator")
struct EvaluatorTests {
    static let policy = """
        policy "eval"
        files "db/**/*.yaml"
        group dba = ["Alice@example.com", "bob@example.com", "carol@example.com"]
        group oncall = ["dave@example.com"]
        watch "**.failover.enabled" weight 40 tag failover
        watch "**.failover.**" weight 15 tag failover
        watch "bootstrap.dcs.ttl" weight 20 tag failover
        risk +30 "production file" when file matches "db/prod/**"
        risk +15 "value more than doubled" when new > old * 2
        risk -25 "restores an earlier value" when reverts
        risk +10 "weekend push" when weekday in ["Sat", "Sun"]
        deny "failover stays on in production"
          when any change (file matches "db/prod/**" and key matches "**.failover.enabled" and new == false)
        deny "ttl rule" when any file (default(head("bootstrap.dcs.loop_wait"), 10) + 2 * default(head("bootstrap.dcs.retry_timeout"), 10) > head("bootstrap.dcs.ttl"))
        require "failover reviewed" when any change (tags has "failover") {
          reviewers >= 1 from dba
          tests "failover-simulation*" passed
        }
        require "high risk" when risk >= 100 {
          reviewers >= 2 from dba
          changed "tests/failover/**"
        } override by oncall
        freeze "peak" from 2026-11-26T00:00Z to 2026-12-01T00:00Z override by oncall
        warn "many" when count change (tags has "failover") > 2
        """

    static let program: Program = {
        let result = PolicyCompiler.compile([SourceFile(path: "eval.policy", text: policy)])
        precondition(result.errors.isEmpty, result.rendered)
        return result.program!
    }()

    /// 2024-06-04T13:55:00Z, a Tuesday.
    static let tuesday = 1_717_509_300

    static func change(_ key: String, _ old: PolicyValue, _ new: PolicyValue, file: String = "db/prod/patroni.yaml")
        -> ChangeInput
    {
        ChangeInput(
            file: file, key: key, kind: old == .null ? "added" : (new == .null ? "removed" : "modified"), old: old,
            new: new)
    }

    @Test("watched weights and per-change lines count once per change; per-set lines once")
    func risk() {
        let input = EvaluationInput(
            changes: [
                Self.change("failover.mode", .string("automatic"), .string("manual")),
                Self.change("failover.promotion_timeout", .integer(30), .integer(300)),
                Self.change("unwatched", .integer(1), .integer(5), file: "db/staging/a.yaml"),
            ],
            now: Self.tuesday + 4 * 86_400)  // a Saturday
        let evaluation = Evaluator.evaluate(Self.program, input)
        let reasons = evaluation.riskItems.map { "\($0.points) \($0.reason) \($0.key ?? "-")" }
        #expect(
            reasons == [
                "15 watched setting failover.mode", "15 watched setting failover.promotion_timeout",
                "30 production file failover.mode", "30 production file failover.promotion_timeout",
                "15 value more than doubled failover.promotion_timeout", "15 value more than doubled unwatched",
                "10 weekend push -",
            ])
        #expect(evaluation.risk == 130)
        #expect(evaluation.watched.map(\.key) == ["failover.mode", "failover.promotion_timeout"])
    }

    @Test("null semantics: a missing value is null, arithmetic on null is null, comparisons with null are false")
    func nulls() throws {
        let source = """
            policy "n"
            deny "a" when any change (new > 5)
            deny "b" when any change (new != 5)
            deny "c" when any change (old + 1 > 0)
            deny "d" when any change (not (new > 5))
            deny "e" when any change (missing(old) and present(new) and default(old, 7) == 7)
            """
        let program = try #require(PolicyCompiler.compile([SourceFile(path: "n.policy", text: source)]).program)
        let input = EvaluationInput(changes: [Self.change("k", .null, .null)], now: Self.tuesday)
        let applies = Evaluator.evaluate(program, input).verdicts.map(\.applies)
        #expect(applies == [false, false, false, true, false])
        let added = EvaluationInput(changes: [Self.change("k", .null, .integer(1))], now: Self.tuesday)
        #expect(Evaluator.evaluate(program, added).verdicts.map(\.applies) == [false, true, false, true, true])
    }

    @Test("deny rules fire with the change or file that made them, and nothing overrides them")
    func denies() {
        let input = EvaluationInput(
            changes: [Self.change("failover.enabled", .bool(true), .bool(false))],
            files: [FileInput(path: "db/prod/patroni.yaml", head: ["bootstrap.dcs.ttl": .integer(15)], base: [:])],
            actor: "dave@example.com", now: Self.tuesday,
            override: OverrideRequest(actor: "dave@example.com", reason: "INC-1"))
        let evaluation = Evaluator.evaluate(Self.program, input)
        #expect(evaluation.outcome == .deny)
        let deny = evaluation.verdicts[0]
        #expect(deny.applies && !deny.satisfied && !deny.overridden)
        #expect(deny.reason.contains("(db/prod/patroni.yaml: failover.enabled)"))
        let ttl = evaluation.verdicts[1]
        #expect(ttl.applies)  // 10 + 2 * 10 > 15, with Patroni's defaults for the absent keys
    }

    @Test("requirements say exactly what is missing")
    func requirements() {
        let input = EvaluationInput(
            changes: [Self.change("failover.mode", .string("automatic"), .string("manual"), file: "db/staging/a.yaml")],
            authors: ["alice@example.com"], now: Self.tuesday,
            reviewers: [
                ReviewerEvidence(
                    identity: "alice@example.com", source: "evidence file", counts: false,
                    reason: "is an author and does not count"),
                ReviewerEvidence(identity: "erin@example.com", source: "evidence file"),
            ],
            tests: [
                TestEvidence(name: "failover-simulation-eu", status: .passed, source: "junit"),
                TestEvidence(name: "failover-simulation-us", status: .skipped, source: "junit"),
            ])
        let evaluation = Evaluator.evaluate(Self.program, input)
        #expect(evaluation.outcome == .deny)
        let verdict = evaluation.verdicts[2]
        #expect(verdict.applies && !verdict.satisfied)
        #expect(
            verdict.missing.map(\.message) == [
                "needs 1 more reviewer from group dba (have: none; alice@example.com is an author or committer of the change and does not count; erin@example.com is not in group dba)",
                "test failover-simulation-us was skipped (a skipped test is not a pass)",
            ])
        // The same shortfalls as values: who counted, who did not, and which test was skipped.
        guard case .reviewers(let reviewers) = verdict.missing.first?.kind else {
            Issue.record("the first shortfall is not about reviewers: \(verdict.missing)")
            return
        }
        #expect(reviewers.group == "dba" && reviewers.needed == 1 && reviewers.counted.isEmpty)
        #expect(reviewers.notCounted.count == 2)
        #expect(
            verdict.missing.last?.kind
                == .tests([
                    TestShortfall(pattern: "failover-simulation*", test: "failover-simulation-us", problem: .skipped)
                ]))
    }

    @Test("an author never counts as a reviewer, whatever the evidence says; test names may hold brackets")
    func authorsNeverReview() throws {
        let source = """
            policy "a"
            require "r" {
              reviewers >= 1
              tests "test_failover[pg15]" passed
            }
            """
        let program = try #require(PolicyCompiler.compile([SourceFile(path: "a.policy", text: source)]).program)
        let input = EvaluationInput(
            changes: [Self.change("k", .integer(1), .integer(2))], authors: ["Frank@example.com"], now: Self.tuesday,
            reviewers: [ReviewerEvidence(identity: "frank@example.com", source: "evidence file")],
            tests: [TestEvidence(name: "test_failover[pg15]", status: .passed, source: "junit")])
        let verdict = Evaluator.evaluate(program, input).verdicts[0]
        #expect(
            verdict.missing.map(\.message) == [
                "needs 1 more reviewer (have: none; frank@example.com is an author or committer of the change and does not count)"
            ])
    }

    @Test("lists compare item by item, integers and floats by value")
    func listEquality() throws {
        let program = try #require(
            PolicyCompiler.compile([
                SourceFile(path: "l.policy", text: "policy \"l\"\nwarn \"w\" when [1, 2] == [1.0, 2]\n")
            ])
            .program)
        #expect(Evaluator.evaluate(program, EvaluationInput(changes: [], now: 0)).outcome == .warn)
    }

    @Test("a requirement is met by distinct reviewers of the group, compared case-insensitively")
    func met() {
        let input = EvaluationInput(
            changes: [Self.change("failover.mode", .string("automatic"), .string("manual"), file: "db/staging/a.yaml")],
            now: Self.tuesday,
            reviewers: [
                ReviewerEvidence(identity: "alice@EXAMPLE.com", source: "server approval"),
                ReviewerEvidence(identity: "Alice@example.com", source: "evidence file"),
            ],
            tests: [TestEvidence(name: "failover-simulation", status: .passed, source: "junit")])
        let evaluation = Evaluator.evaluate(Self.program, input)
        #expect(evaluation.verdicts[2].satisfied)
        #expect(evaluation.outcome == .allow)
    }

    @Test("override: only a member of the named group, with a reason; recorded on the verdict")
    func override() {
        var input = EvaluationInput(
            changes: (1...4).map { Self.change("failover.k\($0)", .integer(1), .integer(9)) },
            now: Self.tuesday,
            reviewers: [ReviewerEvidence(identity: "bob@example.com", source: "evidence file")],
            tests: [TestEvidence(name: "failover-simulation", status: .passed, source: "junit")])
        var evaluation = Evaluator.evaluate(Self.program, input)
        let highRisk = evaluation.verdicts[3]
        #expect(highRisk.applies && !highRisk.satisfied)
        #expect(highRisk.missing.map(\.message).contains("the change must also touch \"tests/failover/**\""))
        #expect(highRisk.missing.last?.message == "or a member of group oncall overrides with a reason")
        #expect(highRisk.missing.contains { $0.kind == .changedFiles(patterns: ["tests/failover/**"]) })
        #expect(highRisk.missing.last?.kind == .override(group: "oncall"))
        #expect(evaluation.outcome == .deny)

        input.override = OverrideRequest(actor: "erin@example.com", reason: "INC-1234")
        #expect(Evaluator.evaluate(Self.program, input).outcome == .deny)
        input.override = OverrideRequest(actor: "DAVE@example.com", reason: "INC-1234: revert failover config")
        evaluation = Evaluator.evaluate(Self.program, input)
        #expect(evaluation.verdicts[3].overridden)
        #expect(
            evaluation.verdicts[3].reason
                == "OVERRIDDEN by DAVE@example.com (group oncall): INC-1234: revert failover config")
        #expect(evaluation.outcome == .warn)  // the "many" warning still shows
    }

    @Test("a freeze holds inside its window only")
    func freeze() {
        let change = [Self.change("x", .integer(1), .integer(2), file: "db/staging/a.yaml")]
        // 2025-11-27: a year before the freeze.
        let inside = Evaluator.evaluate(Self.program, EvaluationInput(changes: change, now: 1_764_201_600))
        #expect(inside.verdicts[4].satisfied)
        let frozen = Evaluator.evaluate(
            Self.program, EvaluationInput(changes: change, now: 1_764_201_600 + 365 * 86_400))
        #expect(!frozen.verdicts[4].satisfied)
        #expect(frozen.verdicts[4].reason == "frozen: peak until 2026-12-01T00:00:00Z")
        #expect(frozen.outcome == .deny)
    }

    @Test("fields of the change set, identities and patterns")
    func fields() throws {
        let source = """
            policy "f"
            group dba = ["Alice@Example.com"]
            warn "a" when weekday == "Tue" and hour == 13
            warn "b" when actor in dba and author has "BOB@example.com"
            warn "c" when any change (key matches ["nope.*", "members[name=db-2].priority"])
            warn "d" when any change (file matches ["x/**", "db/**/*.yaml"] and key matches "members[*].*")
            warn "e" when now - 2024-06-04 == 13h55m and changes == 1 and ref == "refs/heads/main"
            warn "f" when any change (key matches "metadata.labels.\\"app.kubernetes.io/name\\"")
            """
        let program = try #require(PolicyCompiler.compile([SourceFile(path: "f.policy", text: source)]).program)
        let input = EvaluationInput(
            changes: [Self.change("members[name=db-2].priority", .integer(90), .integer(0), file: "db/a.yaml")],
            ref: "refs/heads/main", authors: ["bob@example.com"], actor: "alice@example.com", now: Self.tuesday)
        let evaluation = Evaluator.evaluate(program, input)
        #expect(evaluation.verdicts.map(\.applies) == [true, true, true, true, true, false])
        #expect(evaluation.outcome == .warn)
    }

    @Test("evaluation is deterministic and handles 10,000 changes")
    func deterministic() {
        let changes = (0..<10_000).map { i in
            Self.change(
                i % 3 == 0 ? "failover.k\(i)" : "other.k\(i)", .integer(i), .integer(i * 3),
                file: i % 2 == 0 ? "db/prod/p\(i % 7).yaml" : "db/staging/s.yaml")
        }
        let input = EvaluationInput(changes: changes, now: Self.tuesday)
        let first = Evaluator.evaluate(Self.program, input)
        let second = Evaluator.evaluate(Self.program, input)
        #expect(first == second)
        #expect(first.watched.count == 3_334)
        #expect(first.verdicts[5].applies)  // "many"
    }

    @Test("a program names the settings head(…) and base(…) read: literal keys, or all when a key is computed")
    func settingsRead() throws {
        func read(_ rules: String) throws -> SettingsRead {
            let source = "policy \"s\"\n" + rules
            return try #require(PolicyCompiler.compile([SourceFile(path: "s.policy", text: source)]).program)
                .settingsRead
        }
        #expect(try read("warn \"w\" when changes > 3\n") == .keys([]))
        #expect(
            try read(
                """
                deny "d" when any file (head("a.ttl") > head("a.loop_wait"))
                risk +5 "r" when any file (present(base("b[name=x].port")))
                """) == .keys(["a.ttl", "a.loop_wait", "b[name=x].port"]))
        #expect(try read("deny \"d\" when any change (head(key) != new)\n") == .all)
    }

    @Test("a reverts lookup is asked only for the changes a condition reads `reverts` of, and its answer counts")
    func revertsLookup() throws {
        let source = """
            policy "r"
            watch "bootstrap.dcs.*" weight 20
            risk -25 "restores an earlier value" when watched and reverts
            """
        let program = try #require(PolicyCompiler.compile([SourceFile(path: "r.policy", text: source)]).program)
        let input = EvaluationInput(
            changes: [
                Self.change("bootstrap.dcs.ttl", .integer(30), .integer(20)),
                Self.change("unwatched.a", .integer(1), .integer(2)),
                Self.change("bootstrap.dcs.loop_wait", .integer(10), .integer(5)),
            ], now: Self.tuesday)
        var asked: [Int] = []
        let evaluation = Evaluator.evaluate(program, input) { index in
            asked.append(index)
            return index == 0
        }
        // `watched and reverts`: the unwatched change is never asked about.
        #expect(asked.sorted() == [0, 2])
        #expect(evaluation.risk == 20 + 20 - 25)
        // Without a lookup, `ChangeInput.reverts` is read (false here).
        #expect(Evaluator.evaluate(program, input).risk == 40)
    }
}
