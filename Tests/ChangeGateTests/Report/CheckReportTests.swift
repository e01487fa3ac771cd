import Foundation
import Testing

/// `changegate check` reports as CI systems read them: SARIF validated against the SARIF 2.1.0
/// schema (../shared/testdata/schemas) by Python's jsonschema, JUnit read by junitparser, GitHub
/// workflow commands, and `--output`.
@Suite("changegate check reports")
struct CheckReportTests {
    static let policy = """
        policy "reports"
        files "db/**/*.yaml"
        group dba = ["alice@example.com", "bob@example.com"]
        watch "failover.**" weight 20 tag failover
        warn "failover mode changed" when any change (key == "failover.mode")
        require "failover changes reviewed" when any change (tags has "failover") {
          reviewers >= 1 from dba
        }
        deny "failover never switched off" when any change (key == "failover.enabled" and new == false)
        """

    static let baseFile =
        "# the app's failover settings\nfailover:\n  enabled: true\n  mode: automatic\n  timeout: 30\n"
    static let headFile = "# the app's failover settings\nfailover:\n  enabled: true\n  mode: manual\n  timeout: 60\n"

    /// A repository whose head changes two watched settings (lines 4 and 5) without review.
    private func repository() throws -> (GitFixture, String) {
        var repo = try GitFixture(label: "reports")
        try repo.write("policies/reports.policy", Self.policy)
        try repo.write("db/prod/app.yaml", Self.baseFile)
        let base = try repo.commit("base", author: "Alice <alice@example.com>")
        try repo.write("db/prod/app.yaml", Self.headFile)
        try repo.commit("manual failover", author: "Frank <frank@example.com>")
        return (repo, base)
    }

    private func check(_ repo: GitFixture, _ arguments: [String]) throws -> Shell.Result {
        try Shell.run(
            [Paths.changegate.path, "check", "--repo", repo.path, "--now", "2024-06-04T13:55:00Z"] + arguments,
            environment: GitFixture.baseEnvironment)
    }

    @Test("SARIF validates against the 2.1.0 schema, with a result per failing rule and risky change at its line")
    func sarif() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let file = repo.url.appendingPathComponent("report.sarif")
        let denied = try check(repo, ["--base", base, "--head", "HEAD", "--format", "sarif", "--output", file.path])
        #expect(denied.status == 1)
        #expect(denied.stdout.isEmpty)
        #expect(denied.stderr.contains("changegate: denied (risk 40, 1 rule not met)"))
        #expect(try sarifSchemaError(file) == nil)

        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(document["version"] as? String == "2.1.0")
        let run = try #require((document["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        let lines = Self.headFile.split(separator: "\n", omittingEmptySubsequences: false)
        var located: [String: [Int]] = [:]
        for result in results {
            let location = try #require(
                (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
            #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == "db/prod/app.yaml")
            let line = try #require((location["region"] as? [String: Any])?["startLine"] as? Int)
            located[result["ruleId"] as? String ?? "", default: []].append(line)
            // Every result points at the line of a changed setting.
            #expect(["  mode: manual", "  timeout: 60"].contains(String(lines[line - 1])), "\(result)")
        }
        #expect(located["require/failover-changes-reviewed"]?.count == 1)
        #expect(located["warn/failover-mode-changed"] == [4])
        #expect(located["risk/change"]?.sorted() == [4, 5])
        #expect(located["deny/failover-never-switched-off"] == nil)
        let levels = results.map { "\($0["ruleId"] ?? ""):\($0["level"] ?? "")" }
        #expect(levels.contains("require/failover-changes-reviewed:error"))
        #expect(levels.contains("warn/failover-mode-changed:warning"))

        // The validator really validates: a level SARIF does not know is refused.
        var broken = try String(contentsOf: file, encoding: .utf8)
        broken = broken.replacingOccurrences(of: "\"level\": \"warning\"", with: "\"level\": \"fatal\"")
        try Data(broken.utf8).write(to: file)
        #expect(try sarifSchemaError(file)?.contains("'fatal' is not one of") == true)
    }

    @Test("SARIF for a change that cannot be judged: valid, the unparsable file located at its line")
    func sarifError() throws {
        var (repo, base) = try repository()
        defer { repo.remove() }
        try repo.write("db/prod/app.yaml", "failover:\n  enabled: true\n  mode: [unclosed\n")
        try repo.commit("broken", author: "Frank <frank@example.com>")
        let file = repo.url.appendingPathComponent("error.sarif")
        let result = try check(repo, ["--base", base, "--head", "HEAD", "--format", "sarif", "--output", file.path])
        #expect(result.status == 2)
        #expect(try sarifSchemaError(file) == nil)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("\"ruleId\": \"gate/error\""))
        #expect(text.contains("\"uri\": \"db/prod/app.yaml\""))
        #expect(text.contains("\"executionSuccessful\": false"))
    }

    @Test("JUnit: one test case per rule plus the decision, read by junitparser and by ChangeGate's own reader")
    func junit() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let file = repo.url.appendingPathComponent("gate.xml")
        let result = try check(repo, ["--base", base, "--head", "HEAD", "--format", "junit", "--output", file.path])
        #expect(result.status == 1)
        let script = """
            import sys
            from junitparser import JUnitXml, Failure, Skipped, Error
            xml = JUnitXml.fromfile(sys.argv[1])
            for suite in xml:
                for case in suite:
                    kinds = [type(r).__name__ for r in case.result] or ["Passed"]
                    print(f"{case.classname}|{case.name}|{','.join(kinds)}")
            """
        let cases = try Shell.check(["python3", "-c", script, file.path]).split(separator: "\n").map(String.init)
        #expect(
            cases == [
                "changegate|decision|Failure",
                "changegate.warn|failover mode changed|Passed",
                "changegate.require|failover changes reviewed|Failure",
                // A deny whose condition is false was checked and passed: not "skipped" (not checked).
                "changegate.deny|failover never switched off|Passed",
            ])
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"0\""))
        #expect(text.contains("does not apply: "))
        #expect(text.contains("needs 1 more reviewer from group dba"))
    }

    @Test("GitHub workflow commands: ::error at the setting's line, escaped, one command per line")
    func github() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let result = try check(repo, ["--base", base, "--head", "HEAD", "--format", "github"])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.hasPrefix("::") })
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "::error file=db/prod/app.yaml,line=4,title=ChangeGate require%3A failover changes reviewed::not met%0Aneeds 1 more reviewer from group dba"
                )
            })
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "::warning file=db/prod/app.yaml,line=4,title=ChangeGate warning%3A failover mode changed::")
            })
        #expect(
            lines.contains("::notice file=db/prod/app.yaml,line=5,title=ChangeGate risk +20::failover.timeout: 30 → 60")
        )
        #expect(lines.last == "::error title=ChangeGate::ChangeGate: denied (risk 40)")
    }

    @Test("--output writes the report and keeps the exit code; an unwritable path is an error (exit 2)")
    func output() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let file = repo.url.appendingPathComponent("report.json")
        let result = try check(repo, ["--base", base, "--head", "HEAD", "--format", "json", "--output", file.path])
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(report["decision"] as? String == "deny")
        let policy = try #require(report["policy"] as? [String: Any])
        #expect((policy["sha256"] as? String)?.count == 64)
        #expect(policy["source"] as? String == "\(base.prefix(7)):policies/")
        let evidence = try #require(report["evidence"] as? [String: Any])
        #expect((evidence["reviewers"] as? [Any])?.isEmpty == true)
        let changes = try #require(report["changes"] as? [[String: Any]])
        #expect(changes.map { $0["line"] as? Int } == [4, 5])

        let unwritable = try check(
            repo, ["--base", base, "--head", "HEAD", "--output", "/nonexistent-dir/report.txt"])
        #expect(unwritable.status == 2)
        #expect(unwritable.stderr.contains("cannot write the report to /nonexistent-dir/report.txt"))
    }
}
