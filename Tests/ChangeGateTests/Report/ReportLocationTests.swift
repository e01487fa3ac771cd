import Foundation
import Testing

/// Locations in SARIF, GitHub annotations and JUnit are resolved against the checkout (issue 16,
/// item 9): each is a repository-relative path, or there is none. A policy given with `--policy`
/// outside the repository, or an evidence file elsewhere, is never named as an absolute path or
/// a `../` path.
@Suite("Report locations stay inside the repository")
struct ReportLocationTests {
    static let policy = """
        policy "outside"
        files "db/**/*.yaml"
        require "every push reviewed" {
          reviewers >= 1
        }
        """

    /// A repository whose head changes only a file no `files` line selects: the rule, which applies
    /// to every push, reads no change.
    private func repository() throws -> (GitFixture, String) {
        var repo = try GitFixture(label: "locations")
        try repo.write("db/prod/app.yaml", "failover:\n  mode: automatic\n")
        try repo.write("README.md", "config\n")
        let base = try repo.commit("base", author: "Alice <alice@example.com>")
        try repo.write("README.md", "config, documented\n")
        try repo.commit("docs", author: "Frank <frank@example.com>")
        return (repo, base)
    }

    /// Every `artifactLocation` object anywhere in a SARIF document.
    private func artifactLocations(_ value: Any) -> [[String: Any]] {
        if let object = value as? [String: Any] {
            var found = object.flatMap { key, inner in key == "artifactLocation" ? [] : artifactLocations(inner) }
            if let location = object["artifactLocation"] as? [String: Any] { found.append(location) }
            return found
        }
        if let array = value as? [Any] { return array.flatMap(artifactLocations) }
        return []
    }

    /// True for a path a checkout can resolve: relative, without `.` or `..` components.
    private func repositoryRelative(_ path: String) -> Bool {
        !path.hasPrefix("/") && !path.split(separator: "/").contains { $0 == ".." || $0 == "." }
            && !path.contains("%2F..") && !path.hasPrefix("file:")
    }

    /// The `file=` properties of GitHub workflow commands and JUnit `file="…"` attributes.
    private func fileProperties(_ text: String, prefix: String, end: Character) -> [String] {
        text.components(separatedBy: prefix).dropFirst().map { String($0.prefix { $0 != end }) }
    }

    @Test("a rule that reads no change, --policy outside the repository (absolute and ../): no location names it")
    func policyOutside() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let outside = try Paths.temporaryDirectory("outside-policy")
        defer { try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createDirectory(
            at: outside.appendingPathComponent("work"), withIntermediateDirectories: true)
        let policyFile = outside.appendingPathComponent("server.policy")
        try Data(Self.policy.utf8).write(to: policyFile)

        for policy in [policyFile.path, "../server.policy"] {
            func check(_ format: String, output: URL? = nil) throws -> Shell.Result {
                try Shell.run(
                    [
                        Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", "HEAD",
                        "--policy", policy, "--now", "2024-06-04T13:55:00Z", "--no-audit", "--format", format,
                    ] + (output.map { ["--output", $0.path] } ?? []),
                    in: outside.appendingPathComponent("work"), environment: GitFixture.baseEnvironment)
            }
            let sarifFile = outside.appendingPathComponent("report.sarif")
            let sarif = try check("sarif", output: sarifFile)
            #expect(sarif.status == 1, "\(sarif.stderr)")
            #expect(try sarifSchemaError(sarifFile) == nil)
            let document = try JSONSerialization.jsonObject(with: Data(contentsOf: sarifFile))
            let run = try #require(((document as? [String: Any])?["runs"] as? [[String: Any]])?.first)
            let results = try #require(run["results"] as? [[String: Any]])
            // The unmet rule is reported, with no location: its only place is a file outside the checkout.
            let rule = try #require(results.first { $0["ruleId"] as? String == "require/every-push-reviewed" })
            #expect(rule["locations"] == nil)
            for location in artifactLocations(document) {
                let uri = try #require(location["uri"] as? String)
                #expect(repositoryRelative(uri), "\(uri)")
                #expect(location["uriBaseId"] as? String == "%SRCROOT%")
            }
            #expect(!(try String(contentsOf: sarifFile, encoding: .utf8)).contains(outside.path))

            let github = try check("github")
            #expect(github.status == 1)
            #expect(github.stdout.contains("::error title=ChangeGate require%3A every push reviewed::"))
            for file in fileProperties(github.stdout, prefix: "file=", end: ",") {
                #expect(repositoryRelative(file), "\(file)")
            }
            #expect(!github.stdout.contains("server.policy"))

            let junit = try check("junit")
            #expect(junit.status == 1)
            for file in fileProperties(junit.stdout, prefix: " file=\"", end: "\"") {
                #expect(repositoryRelative(file), "\(file)")
            }
            // (Its properties still name the policy's source: a property, not a location.)
            #expect(!junit.stdout.contains("file=\"\(policy)\""))
        }
    }

    @Test("a problem in an evidence file outside the repository is reported without its path as a location")
    func evidenceOutside() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let outside = try Paths.temporaryDirectory("outside-evidence")
        defer { try? FileManager.default.removeItem(at: outside) }
        let evidence = outside.appendingPathComponent("evidence.json")
        try Data("{\"reviewers\": [\n  oops\n]}\n".utf8).write(to: evidence)
        // Absolute, and relative to a working directory outside the repository (which a checkout
        // would resolve to a file of its own): neither is a location.
        for path in [evidence.path, "evidence.json"] {
            let github = try Shell.run(
                [
                    Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", "HEAD",
                    "--evidence", path, "--no-audit", "--format", "github",
                ], in: outside, environment: GitFixture.baseEnvironment)
            #expect(github.status == 2)
            #expect(github.stdout.contains("::error title=ChangeGate%3A the change could not be judged::"))
            #expect(github.stdout.contains(path), "the message still names the file")
            #expect(fileProperties(github.stdout, prefix: "file=", end: ",").isEmpty, "\(github.stdout)")
        }
        let sarifFile = outside.appendingPathComponent("report.sarif")
        _ = try Shell.run(
            [
                Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--evidence",
                evidence.path, "--no-audit", "--format", "sarif", "--output", sarifFile.path,
            ], environment: GitFixture.baseEnvironment)
        #expect(try sarifSchemaError(sarifFile) == nil)
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: sarifFile))
        #expect(artifactLocations(document).isEmpty)
    }
}
