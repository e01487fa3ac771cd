import Foundation
import Testing

/// A new user's stumbles (issue 16, item 13), each run through the real executable.
@Suite("changegate: what a user trips over")
struct UsabilityTests {
    private func changegate(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:])
        throws -> Shell.Result
    {
        var env = GitFixture.baseEnvironment
        for (key, value) in environment { env[key] = value }
        return try Shell.run([Paths.changegate.path] + arguments, in: directory, environment: env)
    }

    /// A base with a policy and a head that changes an unwatched and (optionally) a watched setting.
    private func repository(watchedChange: Bool = false, extraPolicy: String = "") throws -> (GitFixture, String) {
        var repo = try GitFixture(label: "usability")
        try repo.write(
            "policies/p.policy",
            "policy \"p\"\nfiles \"db/**/*.yaml\"\nwatch \"failover.**\" weight 20 tag failover\n\(extraPolicy)")
        try repo.write("db/app.yaml", "failover:\n  mode: automatic\npool: 10\n")
        let base = try repo.commit("base")
        try repo.write(
            "db/app.yaml", "failover:\n  mode: \(watchedChange ? "manual" : "automatic")\npool: 20\n")
        try repo.commit("head")
        return (repo, base)
    }

    @Test("nothing watched changed: one plain risk line, no empty `Risk 0:` heading")
    func riskZero() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let result = try changegate(["check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--no-audit"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Risk 0: no watched setting changed and no risk line applies\n"))
        #expect(!result.stdout.contains("Risk 0:\n"))
    }

    @Test("a bad --now alone: the headline has no `?..?` range, and the problem says what to write")
    func badNow() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let result = try changegate(
            ["check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--now", "yesterday", "--no-audit"])
        #expect(result.status == 2)
        #expect(result.stdout.hasPrefix("DENIED (the change could not be judged)\n"), "\(result.stdout)")
        #expect(!result.stdout.contains("?..?"))
        #expect(result.stdout.contains("--now yesterday is not an ISO 8601 time"))
    }

    @Test("a negative number is a bad value, said so, not an unknown option")
    func negativeNumbers() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let history = try changegate(["history", "--repo", repo.path, "--setting", "**", "--limit", "-1"])
        #expect(history.status == 2)
        #expect(history.stderr.contains("--limit: must be at least 1 (got -1)"), "\(history.stderr)")
        let wait = try changegate(
            ["check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--audit-wait", "-1", "--no-audit"])
        #expect(wait.status == 2)
        #expect(wait.stderr.contains("--audit-wait: must be 0 or more seconds (got -1.0)"), "\(wait.stderr)")
    }

    @Test("--output into a folder that does not exist names the folder")
    func unwritableOutput() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let target = repo.url.appendingPathComponent("reports/missing/gate.json").path
        let result = try changegate(
            ["check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--output", target, "--no-audit"])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains(
                "cannot write the report to \(target): the folder \(repo.url.appendingPathComponent("reports/missing").path) does not exist"
            ), "\(result.stderr)")
        #expect(!result.stderr.contains("doesn’t exist") && !result.stderr.contains("doesn't exist"))
    }

    @Test("history --format json carries its warnings in the document, not only on standard error")
    func historyJSONWarnings() throws {
        var repo = try GitFixture(label: "history-warnings")
        defer { repo.remove() }
        try repo.write("db/app.yaml", "failover:\n  mode: automatic\n")
        try repo.commit("good")
        try repo.write("db/app.yaml", "failover:\n  mode: [\n")
        let broken = try repo.commit("broken")
        let result = try changegate(["history", "--repo", repo.path, "--setting", "**", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let warnings = try #require(object["warnings"] as? [[String: Any]], "\(result.stdout)")
        #expect(warnings.count == 1)
        #expect(warnings.first?["commit"] as? String == broken)
        #expect(warnings.first?["file"] as? String == "db/app.yaml")
        #expect(warnings.first?["line"] as? Int == 3)
        #expect(result.stderr.contains("db/app.yaml:3"))
    }

    @Test("--color and --no-color override the terminal test; the default on a pipe has no colour")
    func color() throws {
        let (repo, base) = try repository(watchedChange: true)
        defer { repo.remove() }
        let plain = try changegate(["diff", "--repo", repo.path, base, "HEAD"])
        #expect(!plain.stdout.contains("\u{1B}["))
        let forced = try changegate(["diff", "--repo", repo.path, "--color", base, "HEAD"])
        #expect(forced.stdout.contains("\u{1B}[1m"))
        let check = try changegate(
            ["check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--color", "--no-audit"])
        #expect(check.stdout.hasPrefix("\u{1B}[32m\u{1B}[1mALLOWED"), "\(check.stdout)")
        let off = try changegate(["diff", "--repo", repo.path, "--no-color", base, "HEAD"])
        #expect(!off.stdout.contains("\u{1B}["))
    }

    @Test("--fail-on-warn: allowed with warnings exits 1, and the trail records it as not accepted")
    func failOnWarn() throws {
        let (repo, base) = try repository(
            watchedChange: true, extraPolicy: "warn \"mode changed\" when any change (key == \"failover.mode\")\n")
        defer { repo.remove() }
        let trail = repo.url.appendingPathComponent("trail.sqlite").path
        let lenient = try changegate(["check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--audit", trail])
        #expect(lenient.status == 0, "\(lenient.stdout)")
        #expect(lenient.stdout.hasPrefix("ALLOWED WITH WARNINGS"))
        let strict = try changegate(
            ["check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--audit", trail, "--fail-on-warn"])
        #expect(strict.status == 1, "\(strict.stdout)")
        let log = try changegate(["audit", "log", "--audit", trail, "--format", "json"])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])
        #expect(records.map { $0["accepted"] as? Bool } == [false, true], "\(log.stdout)")
    }

    @Test("check says where it created an audit trail in a developer's clone, once")
    func trailCreatedNote() throws {
        let (repo, base) = try repository()
        defer { repo.remove() }
        let arguments = ["check", "--repo", repo.path, "--base", base, "--head", "HEAD"]
        let first = try changegate(arguments)
        #expect(first.status == 0)
        #expect(first.stderr.contains("recorded the decision in a new audit trail, "), "\(first.stderr)")
        #expect(first.stderr.contains(".git/changegate/audit.sqlite"))
        #expect(first.stderr.contains("--no-audit for a dry run"))
        let second = try changegate(arguments)
        #expect(!second.stderr.contains("new audit trail"), "\(second.stderr)")
    }

    @Test("help names what each option takes, not the option again")
    func helpPlaceholders() throws {
        let check = try changegate(["check", "--help"])
        for placeholder in ["--output <file>", "--repo <path>", "--evidence <file>", "--now <time>", "--base <rev>"] {
            #expect(check.stdout.contains(placeholder), "\(placeholder)")
        }
        let export = try changegate(["audit", "export", "--help"])
        #expect(export.stdout.contains("--output <file>"))
        #expect(export.stdout.contains("--since <when>"))
        let install = try changegate(["hook", "install", "--help"])
        #expect(install.stdout.contains("--protect <ref-pattern>"))
        #expect(install.stdout.contains("--deadline <seconds>"))
    }

    @Test("bash completion offers the repository's revisions and folders")
    func bashCompletion() throws {
        let (repo, _) = try repository()
        defer { repo.remove() }
        try repo.git(["tag", "v1.0"])
        let script = try changegate(["--generate-completion-script", "bash"]).stdout
        let file = repo.url.appendingPathComponent("completion.bash")
        try Data(script.utf8).write(to: file)
        try FileManager.default.createDirectory(
            at: repo.url.appendingPathComponent("configs"), withIntermediateDirectories: true)
        func complete(_ words: [String]) throws -> [String] {
            let current = words.last ?? ""
            let previous = words.count > 1 ? words[words.count - 2] : ""
            let quoted = words.map { "'\($0)'" }.joined(separator: " ")
            let body = """
                source '\(file.path)'
                COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
                _changegate changegate '\(current)' '\(previous)'
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            return try Shell.check(["bash", "-c", body], in: repo.url).split(separator: "\n").map(String.init)
        }
        #expect(try complete(["changegate", "diff", "ma"]) == ["main"])
        #expect(try complete(["changegate", "check", "--base", "v"]) == ["v1.0"])
        #expect(try complete(["changegate", "check", "--repo", "con"]) == ["configs"])
    }
}
