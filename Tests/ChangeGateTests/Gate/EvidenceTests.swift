import ChangeGate
import Foundation
import PolicyDSL
import Testing

@Suite("Evidence")
struct EvidenceTests {
    private func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("the evidence JSON gives reviewers and tests; mistakes are errors with line and column")
    func evidenceFile() throws {
        let directory = try Paths.temporaryDirectory("evidence")
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try write(
            """
            {"reviewers": [{"identity": "bob@example.com", "source": "github review"}],
             "tests": [{"name": "failover-simulation", "status": "passed"}]}
            """, "good.json", in: directory)
        let file = try EvidenceFile.read(path: good)
        #expect(file.reviewers.map(\.identity) == ["bob@example.com"])
        #expect(file.tests.map(\.status) == [.passed])
        for (text, line, column, message) in [
            ("[1]", 1, 1, "the evidence must be a JSON object"),
            (
                "{\"tests\": [{\"name\": \"t\", \"status\": \"green\"}]}", 1, 36,
                "unknown status `green` (passed, failed, error or skipped)"
            ),
            ("{\"reviewers\": [{\"source\": \"x\"}]}", 1, 16, "missing `identity`"),
            ("{\"reviewer\": []}", 1, 2, "unknown field `reviewer` (expected `reviewers`, `tests` and `override`)"),
            ("{\"reviewers\": [}", 1, 16, "unexpected `}`, expected a value"),
        ] as [(String, Int, Int, String)] {
            let path = try write(text, "bad.json", in: directory)
            #expect {
                try EvidenceFile.read(path: path)
            } throws: { error in
                guard let error = error as? EvidenceError else { return false }
                return error.line == line && error.column == column && error.message == message
            }
        }
    }

    @Test("JUnit reports: failure, error and skipped are not passes; broken XML is an error with its line")
    func junit() throws {
        let directory = try Paths.temporaryDirectory("junit")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try write(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites>
              <testsuite name="failover" tests="4">
                <testcase classname="sim" name="failover-simulation-eu"/>
                <testcase classname="sim" name="failover-simulation-us"><failure message="no promotion"/></testcase>
                <testcase classname="sim" name="failover-simulation-ap"><skipped/></testcase>
                <testcase classname="sim" name="failover-simulation-sa"><error message="timeout"/></testcase>
              </testsuite>
            </testsuites>
            """, "reports/a/junit.xml", in: directory)
        _ = try write(
            "<testsuite name=\"x\"><testcase name=\"other\"/></testsuite>", "reports/b/junit.xml", in: directory)
        let results = try JUnitReport.read(matching: directory.path + "/reports/**/*.xml")
        #expect(
            results.map(\.name) == [
                "failover-simulation-eu", "failover-simulation-us", "failover-simulation-ap", "failover-simulation-sa",
                "other",
            ])
        #expect(results.map(\.status) == [.passed, .failed, .skipped, .error, .passed])

        let broken = try write(
            "<testsuites>\n<testsuite>\n<testcase name=\"a\">\n</testsuites>\n", "broken.xml", in: directory)
        #expect {
            try JUnitReport.read(path: broken)
        } throws: { error in
            (error as? EvidenceError)?.line == 4
        }
        #expect(throws: EvidenceError.self) { try JUnitReport.read(matching: directory.path + "/nothing/*.xml") }
        let notJUnit = try write("<html></html>", "page.xml", in: directory)
        #expect(throws: EvidenceError.self) { try JUnitReport.read(path: notJUnit) }
    }

    @Test("check with evidence: a failed, a skipped or a missing test denies; all passing with a DBA allows")
    func checkWithEvidence() throws {
        var repo = try GitFixture(label: "check-evidence")
        defer { repo.remove() }
        try repo.write(
            "policies/p.policy",
            """
            policy "evidence"
            files "db/**/*.yaml"
            group dba = ["bob@example.com"]
            watch "**.failover.**" weight 10 tag failover
            require "tested" when any change (tags has "failover") {
              reviewers >= 1 from dba
              tests "failover-simulation*" passed
            }
            """)
        try repo.write("db/a.yaml", "failover:\n  mode: automatic\n")
        let base = try repo.commit("base")
        try repo.write("db/a.yaml", "failover:\n  mode: manual\n")
        try repo.commit("manual", author: "Frank <frank@example.com>")
        let directory = try Paths.temporaryDirectory("check-evidence-files")
        defer { try? FileManager.default.removeItem(at: directory) }
        let evidence = try write(
            "{\"reviewers\": [{\"identity\": \"bob@example.com\"}]}", "evidence.json", in: directory)

        func check(_ junit: String?) throws -> Shell.Result {
            var arguments = [
                Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", "HEAD",
                "--evidence", evidence, "--now", "2024-06-04T13:56:00Z",
            ]
            if let junit {
                arguments += ["--junit", try write(junit, "junit.xml", in: directory)]
            }
            return try Shell.run(arguments)
        }
        let missing = try check(nil)
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("no result for tests matching \"failover-simulation*\""))
        let failed = try check("<testsuite><testcase name=\"failover-simulation\"><failure/></testcase></testsuite>")
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("test failover-simulation failed"))
        let skipped = try check("<testsuite><testcase name=\"failover-simulation\"><skipped/></testcase></testsuite>")
        #expect(skipped.status == 1)
        #expect(skipped.stdout.contains("was skipped (a skipped test is not a pass)"))
        let passed = try check("<testsuite><testcase name=\"failover-simulation\"/></testsuite>")
        #expect(passed.status == 0, "\(passed.stdout)")
        let badEvidence = try Shell.run([
            Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", "HEAD",
            "--evidence", try write("{", "bad.json", in: directory),
        ])
        #expect(badEvidence.status == 2)
        // A bad evidence file is a decision of its own: the report (here text) says what and where.
        #expect(badEvidence.stdout.hasPrefix("DENIED (the change could not be judged)"))
        #expect(badEvidence.stdout.contains("bad.json:1:2: error:"))
    }
}
