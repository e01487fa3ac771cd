import PolicyDSL
import Testing

/// The failover model's fields (`failover_possible`, `base_failover_worst_case`, …) and `rto`:
/// typed, read per file, null where no model reads the file, and the objective a file cannot
/// loosen by moving.
@Suite("Failover fields and rto")
struct FailoverFieldsTests {
    private func compile(_ text: String) -> PolicyCompiler.Result {
        PolicyCompiler.compile([SourceFile(path: "p.policy", text: text)])
    }

    private func applies(_ policy: String, _ files: [FileInput]) throws -> [String: Bool] {
        let result = compile(policy)
        let program = try #require(result.program, "\(result.rendered)")
        let input = EvaluationInput(changes: [], files: files, now: 0)
        return Dictionary(
            Evaluator.evaluate(program, input).verdicts.map { ($0.name, $0.applies) }, uniquingKeysWith: { a, _ in a })
    }

    private static let possible = FailoverFacts(
        system: "patroni", possible: true, nodeLost: 45, databaseCrashed: 320, violations: [])
    private static let impossible = FailoverFacts(system: "patroni", possible: false, violations: ["ttl 15 < 20"])

    private static let policy = """
        policy "p"
        rto 5m
        rto 60s for "prod/**"
        rto 30s for "prod/fast/**"
        deny "lost" when any file (failover_possible == false and base_failover_possible == true)
        deny "not" when any file (not failover_possible)
        deny "slow" when any file (failover_worst_case > rto)
        deny "crash" when any file (failover_database_crashed > 5m)
        deny "node" when any file (failover_node_lost >= 45s and base_failover_node_lost < 45s)
        deny "broken" when any file (len(failover_violations) > len(base_failover_violations))
        deny "patroni" when any file (failover_system == "patroni")
        """

    @Test("each field reads its side; an impossible failover has no worst case")
    func fields() throws {
        let lost = try applies(
            Self.policy,
            [
                FileInput(
                    path: "prod/a.yml", head: [:], base: [:], headFailover: Self.impossible, baseFailover: Self.possible
                )
            ])
        #expect(lost["lost"] == true)
        #expect(lost["slow"] == false, "impossible: no worst case to compare")
        #expect(lost["broken"] == true)
        #expect(lost["patroni"] == true)
        let fine = try applies(
            Self.policy,
            [
                FileInput(
                    path: "prod/a.yml", head: [:], base: [:], headFailover: Self.possible, baseFailover: Self.possible)
            ])
        #expect(fine["lost"] == false)
        #expect(fine["slow"] == true, "320 s > 60 s")
        #expect(fine["crash"] == true)
        #expect(fine["node"] == false, "45 s on both sides")
        #expect(fine["broken"] == false)
    }

    @Test("a file no model reads is null: `== false` does not fire, `not` does (the null rule)")
    func nullWhereNoModel() throws {
        let plain = try applies(Self.policy, [FileInput(path: "prod/app.yml", head: [:], base: [:])])
        #expect(plain["lost"] == false)
        #expect(plain["slow"] == false)
        #expect(plain["broken"] == false)
        #expect(plain["not"] == true, "the reason the catalogue writes `failover_possible == false`")
    }

    @Test("rto: the shortest objective that matches the path or the path before a rename, else the general one")
    func objectives() throws {
        let policy = """
            policy "p"
            rto 5m
            rto 60s for "prod/**"
            rto 30s for "prod/fast/**"
            deny "over 30s" when any file (rto == 30s)
            deny "over 60s" when any file (rto == 60s)
            deny "over 5m" when any file (rto == 5m)
            """
        let fast = try applies(policy, [FileInput(path: "prod/fast/a.yml", head: [:], base: [:])])
        #expect(fast == ["over 30s": true, "over 60s": false, "over 5m": false])
        let prod = try applies(policy, [FileInput(path: "prod/a.yml", head: [:], base: [:])])
        #expect(prod == ["over 30s": false, "over 60s": true, "over 5m": false])
        let other = try applies(policy, [FileInput(path: "staging/a.yml", head: [:], base: [:])])
        #expect(other == ["over 30s": false, "over 60s": false, "over 5m": true])
        // Moved out of production: still held to production's objective.
        let moved = try applies(
            policy, [FileInput(path: "staging/a.yml", previousPath: "prod/fast/a.yml", head: [:], base: [:])])
        #expect(moved["over 30s"] == true)
        // Without a general line, a file no `for` matches has no objective.
        let scoped = try applies(
            "policy \"p\"\nrto 60s for \"prod/**\"\ndeny \"x\" when any file (missing(rto))\n",
            [FileInput(path: "staging/a.yml", head: [:], base: [:])])
        #expect(scoped["x"] == true)
    }

    @Test("mistakes are errors at their place: rto read but not declared, two general ones, 0s, outside a file")
    func mistakes() throws {
        let undeclared = compile("policy \"p\"\ndeny \"x\" when any file (failover_worst_case > rto)\n")
        #expect(
            undeclared.rendered.contains("p.policy:2:47: error: `rto` is read, but the policy declares no"),
            "\(undeclared.rendered)")
        let twice = compile("policy \"p\"\nrto 60s\nrto 90s\n")
        #expect(twice.rendered.contains("p.policy:3:1: error: a second `rto` for every file"), "\(twice.rendered)")
        let zero = compile("policy \"p\"\nrto 0s\n")
        #expect(
            zero.rendered.contains("p.policy:2:5: error: a recovery time objective must be longer than 0s"),
            "\(zero.rendered)")
        let outside = compile("policy \"p\"\ndeny \"x\" when failover_possible == false\n")
        #expect(outside.rendered.contains("`failover_possible` is a field of a file"), "\(outside.rendered)")
        let typed = compile("policy \"p\"\ndeny \"x\" when any file (failover_worst_case > 3)\n")
        #expect(typed.program == nil || !typed.diagnostics.isEmpty, "\(typed.rendered)")
        let noDuration = compile("policy \"p\"\nrto 60\n")
        #expect(noDuration.rendered.contains("a duration after `rto`"), "\(noDuration.rendered)")
    }

    @Test("fmt writes rto lines back as written")
    func formats() throws {
        let text = "policy \"p\"\nrto   60s\nrto 1m30s  for \"prod/**\",\"live/**\"\n"
        let formatted = try #require(PolicyFormatter.format(SourceFile(path: "p.policy", text: text)).text)
        #expect(formatted.contains("rto 60s\n"))
        #expect(formatted.contains("rto 1m30s for \"prod/**\", \"live/**\"\n"), "\(formatted)")
    }

    @Test("explain lists the objectives, shortest first, as the field reads them")
    func explains() throws {
        let program = try #require(
            compile("policy \"p\"\nrto 5m\nrto 90s for \"prod/**\"\nrto 30s for \"prod/fast/**\"\n").program)
        let text = PolicyExplainer.explain(program)
        let lines = text.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("Recovery time objectives") })
        #expect(
            Array(lines[(start + 1)...(start + 3)]) == [
                "  30s     prod/fast/**", "  1m30s   prod/**", "  5m      every other file",
            ])
        let one = try #require(compile("policy \"p\"\nrto 60s\n").program)
        #expect(PolicyExplainer.explain(one).contains("  1m      every file\n"))
        #expect(!PolicyExplainer.explain(try #require(compile("policy \"p\"\n").program)).contains("Recovery time"))
    }
}
