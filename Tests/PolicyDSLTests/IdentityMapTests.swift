import PolicyDSL
import Testing

@Suite("Identity map")
struct IdentityMapTests {
    private func program(_ text: String, files: [String: String] = [:]) throws -> Program {
        let result = PolicyCompiler.compile([SourceFile(path: "p/t.policy", text: text)]) { files[$0] }
        return try #require(result.program, "\(result.rendered)")
    }

    @Test("a login, its declared e-mails and the forges' noreply forms are one person; others are not")
    func people() throws {
        let program = try program(
            """
            policy "x"
            identity "frank" = ["frank@example.com", "F.Smith@example.com"]
            identities from "people.txt"
            """, files: ["p/people.txt": "# login e-mails\ncarol carol@example.com, c@example.org\n\n"])
        let map = program.identities
        for email in [
            "frank@example.com", "f.smith@example.com", "12345+frank@users.noreply.github.com",
            "frank@users.noreply.github.com", "678-frank@users.noreply.gitlab.com", "9+frank@users.noreply.ghe.example",
        ] {
            #expect(map.same("Frank", email), "\(email)")
        }
        #expect(map.same("carol", "C@example.org"))
        #expect(!map.same("frank", "frank@evil.example"))
        #expect(!map.same("frank", "frank.smith@example.com"))
        // On github.com a `-` belongs to the login itself.
        #expect(map.person("123-frank@users.noreply.github.com") == "123-frank")
        #expect(!map.same("frank", "carol@example.com"))
    }

    @Test("groups and identity conditions compare people through the map")
    func groupsAndConditions() throws {
        let program = try program(
            """
            policy "x"
            group dba = ["alice", "bob@example.com"]
            identity "alice" = ["alice@example.com"]
            identity "bob" = ["bob@example.com"]
            warn "bob pushes" when actor in dba
            """)
        let dba = try #require(program.group(named: "dba"))
        #expect(dba.contains("alice@example.com", identities: program.identities))
        #expect(dba.contains("bob", identities: program.identities))
        #expect(!dba.contains("erin", identities: program.identities))
        var input = EvaluationInput(
            changes: [], files: [], ref: "refs/heads/main", authors: [], committers: [], actor: "bob", now: 0,
            reviewers: [], tests: [], changedPaths: [], override: nil)
        #expect(Evaluator.evaluate(program, input).outcome == .warn)
        input.actor = "erin"
        #expect(Evaluator.evaluate(program, input).outcome == .allow)
    }
}
