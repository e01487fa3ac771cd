import ChangeGate
import Foundation
import Testing

/// `changegate policy lint|fmt|explain` as a policy author runs them.
@Suite("changegate policy")
struct PolicyCommandTests {
    private func changegate(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run([Paths.changegate.path] + arguments, environment: GitFixture.baseEnvironment)
    }

    private func write(_ text: String, in directory: URL, as name: String = "p.policy") throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("lint: 0 for the shipped policy, 1 for warnings with --strict, 2 for errors with file:line:column")
    func lint() throws {
        let shipped = Paths.packageRoot.appendingPathComponent("policies/failover.policy").path
        let clean = try changegate(["policy", "lint", "--strict", shipped])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("failover.policy: ok"))

        let directory = try Paths.temporaryDirectory("policy-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let warned = try write("policy \"w\"\ndeny \"d\" when false\n", in: directory, as: "w.policy")
        #expect(try changegate(["policy", "lint", warned]).status == 0)
        #expect(try changegate(["policy", "lint", "--strict", warned]).status == 1)

        let broken = try write("policy \"b\"\ndeny \"d\" when reviewer > 1\n", in: directory, as: "b.policy")
        let failed = try changegate(["policy", "lint", broken])
        #expect(failed.status == 2)
        #expect(failed.stderr.contains("b.policy:2:15: error: unknown field or group `reviewer`"))
        #expect(failed.stderr.contains("^~~~~~~~"))
        #expect(try changegate(["policy", "lint", directory.appendingPathComponent("none.policy").path]).status == 2)
    }

    @Test("lint refuses invalid UTF-8 and control characters at file:line:column (exit 2)")
    func encoding() throws {
        let directory = try Paths.temporaryDirectory("policy-encoding")
        defer { try? FileManager.default.removeItem(at: directory) }
        let invalid = directory.appendingPathComponent("x.policy")
        try Data(Array("policy \"x\"\n# ok\ndeny \"".utf8) + [0xC3, 0x28] + Array("\" when false\n".utf8)).write(
            to: invalid)
        for command in [["policy", "lint", invalid.path], ["policy", "explain", invalid.path]] {
            let result = try changegate(command)
            #expect(result.status == 2)
            #expect(
                result.stderr.contains(
                    "invalid UTF-8 at \(invalid.path):3:7 (bytes 0xC3 0x28: a 2-byte character cut short)"),
                "\(result.stderr)")
        }
        let nul = try write("policy \"n\"\ndeny \"a\u{0}b\" when false\n", in: directory, as: "nul.policy")
        let result = try changegate(["policy", "lint", nul])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains("nul.policy:2:8: error: control character U+0000 in a string"), "\(result.stderr)")
    }

    /// `changegate check` of a one-setting change in a repository whose `policies/` holds `files`
    /// (committed at the base); what it printed, both streams.
    private func checkCommitted(_ files: [String: String], label: String) throws -> Shell.Result {
        var repo = try GitFixture(label: label)
        defer { repo.remove() }
        for (path, text) in files { try repo.write(path, text) }
        try repo.write("db/app.yaml", "ttl: 30\n")
        let base = try repo.commit("base")
        try repo.write("db/app.yaml", "ttl: 15\n")
        try repo.commit("change")
        return try Shell.run(
            [Paths.changegate.path, "check", "--base", base, "--head", "HEAD", "--no-audit"], in: repo.url,
            environment: GitFixture.baseEnvironment)
    }

    @Test(
        "a committed policy with a NUL in its first 8,000 bytes (git calls it binary) is refused at the byte's position"
    )
    func committedNul() throws {
        let result = try checkCommitted(
            ["policies/gate.policy": "policy \"n\"\nfiles \"db/**\"\ndeny \"a\u{0}b\" when false\n"],
            label: "policy-nul")
        #expect(result.status != 0)
        let output = result.stdout + result.stderr
        #expect(output.contains("gate.policy:3:8: error: control character U+0000 in a string"), "\(output)")
    }

    @Test("a committed policy of more files than one policy may have is refused, before they are read")
    func committedTooManyFiles() throws {
        var files = ["policies/a.policy": "policy \"m\"\nfiles \"db/**\"\n"]
        for index in 0..<PolicyLoader.maxPolicyFiles { files["policies/extra-\(index).policy"] = "# \(index)\n" }
        let result = try checkCommitted(files, label: "policy-many")
        #expect(result.status != 0)
        #expect(
            (result.stdout + result.stderr).contains(
                "more than the \(PolicyLoader.maxPolicyFiles) one policy may have"),
            "\(result.stdout)\(result.stderr)")
    }

    @Test("fmt rewrites in place; --check exits 1 when a file would change and 0 after")
    func format() throws {
        let directory = try Paths.temporaryDirectory("policy-fmt")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try write("policy   \"f\"\nrisk 5 \"r\"   when weekday in [\"Sat\",\"Sun\"]\n", in: directory)
        #expect(try changegate(["policy", "fmt", "--check", path]).status == 1)
        #expect(try changegate(["policy", "fmt", path]).status == 0)
        #expect(
            try String(contentsOfFile: path, encoding: .utf8)
                == "policy \"f\"\nrisk +5 \"r\" when weekday in [\"Sat\", \"Sun\"]\n")
        #expect(try changegate(["policy", "fmt", "--check", path]).status == 0)
        let broken = try write("policy \"f\"\nrisk\n", in: directory, as: "broken.policy")
        #expect(try changegate(["policy", "fmt", broken]).status == 2)
    }

    @Test("explain prints the policy in plain words; a directory is one policy")
    func explain() throws {
        let directory = try Paths.temporaryDirectory("policy-explain")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try write("policy \"split\"\nwatch \"**.ttl\" weight 20 tag failover\n", in: directory, as: "a.policy")
        _ = try write(
            "group dba from \"dba.txt\"\nrequire \"r\" {\n  reviewers >= 1 from dba\n}\n", in: directory, as: "b.policy"
        )
        try "alice@example.com\n".write(
            to: directory.appendingPathComponent("dba.txt"), atomically: true, encoding: .utf8)
        let result = try changegate(["policy", "explain", directory.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Policy \"split\""))
        #expect(result.stdout.contains("dba: alice@example.com"))
        #expect(result.stdout.contains("at least 1 reviewer from group dba"))
    }

    @Test("test: the shipped policy's cases pass and cover every rule and risk line (--strict)")
    func shippedTests() throws {
        let policies = Paths.packageRoot.appendingPathComponent("policies").path
        let result = try changegate(["policy", "test", "--strict", policies])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" passed, 0 failed"))
        #expect(result.stdout.contains("Coverage: every rule applied and every risk line scored"))
        let count =
            Int(
                result.stdout.split(separator: "\n").first { $0.hasSuffix("passed, 0 failed") }?
                    .split(separator: " ").first ?? "") ?? 0
        #expect(count >= 30)
    }

    @Test(
        "test: a wrong expectation fails with a readable diff at its line; a broken file is an error with line:column")
    func failingTests() throws {
        let directory = try Paths.temporaryDirectory("policy-test")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try write(
            """
            policy "t"
            files "db/**/*.yaml"
            group dba = ["bob@example.com"]
            watch "failover.**" weight 20 tag failover
            risk +5 "unused" when key == "nothing"
            require "reviewed" when any change (tags has "failover") {
              reviewers >= 1 from dba
            }
            deny "never fires" when any change (key == "nothing")
            """, in: directory)
        _ = try write(
            """
            defaults:
              now: 2024-06-04T10:00:00Z
              authors: [frank@example.com]
            cases:
              - name: reviewed
                changes: [{file: db/a.yaml, key: failover.mode, old: automatic, new: manual}]
                reviewers: [bob@example.com]
                expect: {decision: allow, risk: 20, failing: []}
              - name: wrongly expected
                changes: [{file: db/a.yaml, key: failover.mode, old: automatic, new: manual}]
                expect:
                  decision: allow
                  risk: 25
                  failing: [never fires]
            """, in: directory, as: "t.test.yaml")
        let result = try changegate(["policy", "test", directory.path])
        #expect(result.status == 1)
        let expected = """
              FAIL  wrongly expected  (\(directory.path)/t.test.yaml:9)
                    decision:
                      - allow
                      + deny
                          reviewed: not met: needs 1 more reviewer from group dba (have: none)
                    risk:
                      - 25
                      + 20
                          +20 watched setting  db/a.yaml failover.mode
                    failing rules:
                      - never fires
                      + reviewed
            """
        #expect(result.stdout.contains(expected), "\(result.stdout)")
        #expect(result.stdout.contains("1 passed, 1 failed"))
        #expect(result.stdout.contains("Not covered: rule \"never fires\" never applies"))
        #expect(result.stdout.contains("Not covered: risk line \"unused\" never scores"))

        // Without the failing case, coverage alone fails only with --strict.
        _ = try write(
            """
            defaults: {now: 2024-06-04T10:00:00Z}
            cases:
              - name: reviewed
                changes: [{file: db/a.yaml, key: failover.mode, old: automatic, new: manual}]
                reviewers: [bob@example.com]
                expect: {decision: allow}
            """, in: directory, as: "t.test.yaml")
        #expect(try changegate(["policy", "test", directory.path]).status == 0)
        #expect(try changegate(["policy", "test", "--strict", directory.path]).status == 1)

        _ = try write(
            "cases:\n  - name: x\n    now: 2024-06-04T10:00:00Z\n    expect: {decison: deny}\n", in: directory,
            as: "t.test.yaml")
        let broken = try changegate(["policy", "test", directory.path])
        #expect(broken.status == 2)
        #expect(
            broken.stderr.contains(
                "t.test.yaml:4:14: error: unknown field `decison` in `expect` (expected decision, failing, overridden, risk, risk_reasons, warnings)"
            ))
    }
}
