import ChangeGate
import Foundation
import Testing

/// The filters of `changegate history` on a small repository built for them, in-process and through
/// the real executable: --setting, --tag, --until, --range, --limit, formats, warnings, merges, errors.
@Suite("history filters")
struct HistoryFilterTests {
    static let policy = """
        policy "history-test"
        files "db/**/*.yaml"
        watch "**.failover.**" weight 20 tag failover
        watch "**.failover.mode" weight 35 tag failover
        watch "**.pool.size" weight 5 tag capacity
        require "failover reviewed" when any change (tags has "failover") {
          reviewers >= 1
        }
        """

    struct Fixture {
        var repo: GitFixture
        /// Commit ids by a short name.
        var ids: [String: String] = [:]
        func id(_ name: String) -> String { ids[name]! }
        func short(_ name: String) -> String { String(id(name).prefix(7)) }
    }

    /// root → manual → pool20 → other2 → broken → fixed, then a branch merged with --no-ff.
    /// GitFixture dates commit N at 2024-06-01T12:00:0N.
    private func fixture() throws -> Fixture {
        var repo = try GitFixture(label: "history")
        var ids: [String: String] = [:]
        try repo.write("policies/test.policy", Self.policy)
        try repo.write("db/a.yaml", "failover:\n  mode: automatic\n  timeout: 30\npool:\n  size: 10\nother:\n  x: 1\n")
        try repo.write("README.md", "not a config file\n")
        ids["root"] = try repo.commit("root", author: "Alice <alice@example.com>")
        try repo.write("db/a.yaml", "failover:\n  mode: manual\n  timeout: 30\npool:\n  size: 10\nother:\n  x: 1\n")
        ids["manual"] = try repo.commit("manual failover", author: "Frank <frank@example.com>")
        try repo.write("db/a.yaml", "failover:\n  mode: manual\n  timeout: 30\npool:\n  size: 20\nother:\n  x: 1\n")
        ids["pool20"] = try repo.commit("pool 20", author: "Bob <bob@example.com>")
        try repo.write("db/a.yaml", "failover:\n  mode: manual\n  timeout: 30\npool:\n  size: 20\nother:\n  x: 2\n")
        ids["other2"] = try repo.commit("other 2", author: "Bob <bob@example.com>")
        try repo.write("db/b.yaml", "failover:\n  mode: [unclosed\n")
        try repo.write("db/a.yaml", "failover:\n  mode: manual\n  timeout: 30\npool:\n  size: 30\nother:\n  x: 2\n")
        ids["broken"] = try repo.commit("pool 30 and a broken file", author: "Bob <bob@example.com>")
        try repo.write("db/b.yaml", "failover:\n  mode: automatic\n")
        try repo.write("db/a.yaml", "failover:\n  mode: automatic\n  timeout: 30\npool:\n  size: 30\nother:\n  x: 2\n")
        ids["fixed"] = try repo.commit("fix b.yaml, automatic again", author: "Carol <carol@example.com>")
        try repo.git(["checkout", "-q", "-b", "topic"])
        try repo.write("db/a.yaml", "failover:\n  mode: automatic\n  timeout: 60\npool:\n  size: 30\nother:\n  x: 2\n")
        ids["topic"] = try repo.commit("timeout 60 on a branch", author: "Dave <dave@example.com>")
        try repo.git(["checkout", "-q", "main"])
        try repo.write("README.md", "still not a config file\n")
        ids["readme"] = try repo.commit("readme", author: "Alice <alice@example.com>")
        try repo.git(
            ["merge", "-q", "--no-ff", "-m", "merge topic", "topic"],
            environment: [
                "GIT_AUTHOR_DATE": "2024-06-01T12:00:09+00:00", "GIT_COMMITTER_DATE": "2024-06-01T12:00:09+00:00",
            ])
        ids["merge"] = try repo.revParse("HEAD")
        return Fixture(repo: repo, ids: ids)
    }

    private func rows(_ fixture: Fixture, _ words: HistoryQuery.Words) throws -> [[String: Any]] {
        try HistoryRun.run(repository: fixture.repo.path, words, format: .ndjson).ndjson()
    }

    /// (short commit, key) pairs in output order.
    private func pairs(_ rows: [[String: Any]]) -> [String] {
        rows.map { "\(($0["commit"] as! String).prefix(7)) \($0["key"] as! String)" }
    }

    @Test("by default the watched settings, newest first; merges passed over; each ndjson line is JSON")
    func watched() throws {
        let f = try fixture()
        defer { f.repo.remove() }
        let run = try HistoryRun.run(repository: f.repo.path, .init(), format: .ndjson)
        let rows = try run.ndjson()
        #expect(run.output.split(separator: "\n").count == rows.count)
        #expect(
            pairs(rows) == [
                "\(f.short("topic")) failover.timeout",
                "\(f.short("fixed")) failover.mode",
                "\(f.short("broken")) pool.size",
                "\(f.short("pool20")) pool.size",
                "\(f.short("manual")) failover.mode",
                "\(f.short("root")) failover.mode",
                "\(f.short("root")) failover.timeout",
                "\(f.short("root")) pool.size",
            ])
        let first = try #require(rows.first)
        #expect(first["weight"] as? Int == 20)
        #expect(first["tags"] as? [String] == ["failover"])
        #expect(first["old"] as? Int == 30)
        #expect(first["new"] as? Int == 60)
        #expect(first["author"] as? String == "dave@example.com")
        #expect(first["time"] as? String == "2024-06-01T12:00:07Z")
        #expect(rows.first { $0["key"] as? String == "failover.mode" }?["weight"] as? Int == 35)
        #expect(run.summary.mergesSkipped == 1)
        #expect(!rows.contains { $0["commit"] as? String == f.id("merge") })
    }

    @Test("a commit of more files than one part is read in parts: every file's rows once, in order, warnings kept")
    func largeCommitInParts() throws {
        var repo = try GitFixture(label: "history-large")
        defer { repo.remove() }
        // Above HistoryScanner.largeCommitBlobs (512 files to read): the root adds 600 files, the
        // next commit edits all of them, one into a file that does not parse.
        let names = (0..<600).map { String(format: "db/f%03d.yaml", $0) }
        try repo.write("policies/test.policy", Self.policy)
        for name in names { try repo.write(name, "failover:\n  mode: manual\n  timeout: 30\npool:\n  size: 10\n") }
        let root = try repo.commit("600 files")
        for name in names { try repo.write(name, "failover:\n  mode: manual\n  timeout: 60\npool:\n  size: 10\n") }
        try repo.write("db/f300.yaml", "failover:\n  mode: [unclosed\n")
        let edit = try repo.commit("every timeout to 60, one file broken")

        let run = try HistoryRun.run(repository: repo.path, .init(), format: .ndjson)
        let rows = try run.ndjson()
        let listed = rows.map {
            "\(($0["commit"] as! String).prefix(7)) \($0["file"] as! String) \($0["key"] as! String)"
        }
        let unbroken = names.filter { $0 != "db/f300.yaml" }
        let expected =
            unbroken.map { "\(edit.prefix(7)) \($0) failover.timeout" }
            + names.flatMap { name in
                ["failover.mode", "failover.timeout", "pool.size"].map { "\(root.prefix(7)) \(name) \($0)" }
            }
        #expect(listed == expected)
        #expect(run.warnings.map(\.commit.hex) == [edit])
        #expect(run.warnings.first?.description.contains("db/f300.yaml:3:1:") == true)
    }

    @Test("a file that cannot be parsed is a warning naming commit, file:line and the error; the scan goes on")
    func brokenFile() throws {
        let f = try fixture()
        defer { f.repo.remove() }
        let run = try HistoryRun.run(repository: f.repo.path, .init(), format: .ndjson)
        // At `broken` (the new side) and at `fixed` (the old side).
        #expect(run.warnings.map(\.commit.hex) == [f.id("fixed"), f.id("broken")])
        let message = try #require(run.warnings.last?.description)
        #expect(message.hasPrefix("warning: commit \(f.short("broken")): db/b.yaml:3:1: did not find expected"))
        #expect(message.contains("not listed"))
        // The other file of the same commits is still listed.
        let listed = pairs(try run.ndjson())
        #expect(listed.contains("\(f.short("broken")) pool.size"))
        #expect(listed.contains("\(f.short("fixed")) failover.mode"))
    }

    @Test("--setting lists matching keys, watched or not; --tag keeps the watches with that tag")
    func settingAndTag() throws {
        let f = try fixture()
        defer { f.repo.remove() }
        let other = try rows(f, .init(settings: ["other.*"]))
        #expect(pairs(other) == ["\(f.short("other2")) other.x", "\(f.short("root")) other.x"])
        #expect(other.first?["watched"] as? Bool == false)
        #expect(other.first?["weight"] as? Int == 0)
        let two = try rows(f, .init(settings: ["other.x", "**.size"]))
        #expect(Set(two.map { $0["key"] as! String }) == ["other.x", "pool.size"])

        let capacity = try rows(f, .init(tags: ["capacity"]))
        #expect(Set(capacity.map { $0["key"] as! String }) == ["pool.size"])
        #expect(capacity.count == 3)
        let either = try rows(f, .init(tags: ["capacity", "failover"]))
        #expect(either.count == 8)
        // Both: a key must match a pattern and carry the tag.
        #expect(try rows(f, .init(settings: ["other.*"], tags: ["failover"])).isEmpty)
    }

    @Test("--until, --range and --limit bound the commits")
    func bounds() throws {
        let f = try fixture()
        defer { f.repo.remove() }
        let until = try rows(f, .init(until: "2024-06-01T12:00:03Z"))
        #expect(until.first?["commit"] as? String == f.id("pool20"))
        #expect(Set(until.map { $0["commit"] as! String }) == [f.id("pool20"), f.id("manual"), f.id("root")])

        let range = try rows(f, .init(range: "\(f.id("manual"))..\(f.id("broken"))", settings: ["**"]))
        #expect(
            pairs(range) == [
                "\(f.short("broken")) pool.size", "\(f.short("other2")) other.x", "\(f.short("pool20")) pool.size",
            ])
        // A range without its start is git's `..B`: from HEAD, here nothing.
        #expect(try rows(f, .init(range: "\(f.id("fixed"))..\(f.id("fixed"))")).isEmpty)

        let limited = try rows(f, .init(limit: 2))
        #expect(Set(limited.map { $0["commit"] as! String }) == [f.id("topic"), f.id("fixed")])
        let ref = try rows(f, .init(ref: f.id("manual")))
        #expect(Set(ref.map { $0["commit"] as! String }) == [f.id("manual"), f.id("root")])

        // --since: the incident order, heaviest first (root 60, manual 35, topic 20, fixed 35 …).
        let since = try rows(f, .init(since: "2024-06-01T12:00:02Z", now: "2024-06-01T12:10:00Z"))
        #expect(
            pairs(since) == [
                "\(f.short("fixed")) failover.mode", "\(f.short("manual")) failover.mode",
                "\(f.short("topic")) failover.timeout", "\(f.short("broken")) pool.size",
                "\(f.short("pool20")) pool.size",
            ])
        let top = try rows(f, .init(since: "2024-06-01T12:00:02Z", limit: 1, now: "2024-06-01T12:10:00Z"))
        #expect(pairs(top) == ["\(f.short("fixed")) failover.mode"])
    }

    @Test(
        "bad options are errors that name the option",
        arguments: [
            (HistoryQuery.Words(since: "yesterday"), "--since: \"yesterday\" is not a time"),
            (HistoryQuery.Words(until: "2024-06-04T10:00:00"), "--until: \"2024-06-04T10:00:00\" is not a time"),
            (HistoryQuery.Words(range: "a...b"), "--range"),
            (HistoryQuery.Words(range: "a..b", ref: "main"), "not both"),
            (HistoryQuery.Words(settings: ["a..b"]), "--setting"),
            (HistoryQuery.Words(limit: 0), "--limit"),
            (HistoryQuery.Words(since: "1h", until: "2h"), "after the end of the window"),
            (HistoryQuery.Words(now: "6h"), "--now"),
        ])
    func badOptions(words: HistoryQuery.Words, message: String) {
        #expect {
            _ = try HistoryQuery(words: words, clock: 1_717_509_900)
        } throws: { "\($0)".contains(message) }
    }

    @Test("the table: a header with the order, aligned rows, the decision under each commit with --evaluate")
    func table() throws {
        let f = try fixture()
        defer { f.repo.remove() }
        let run = try HistoryRun.run(repository: f.repo.path, .init(tags: ["failover"], evaluate: true, limit: 2))
        let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Failover-setting changes on HEAD, newest first")
        #expect(lines[1].hasPrefix("policy \"history-test\" from \(f.short("merge")):policies/"))
        #expect(
            lines.contains(
                "2024-06-01T12:00:07Z  \(f.short("topic"))  dave@example.com  db/a.yaml  failover.timeout  modified  30 → 60  +20  failover"
            ))
        #expect(lines.contains { $0.hasPrefix("  → DENIED (risk 20): failover reviewed (needs 1 more reviewer") })
        #expect(lines.contains { $0.hasPrefix("2 commits listed; ") })
    }

    // MARK: - The executable

    private func changegate(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run([Paths.changegate.path, "history"] + arguments, environment: GitFixture.baseEnvironment)
    }

    @Test("--tag with a tag no watch carries is an error naming the policy's tags, not an empty list (issue 16)")
    func unknownTag() throws {
        let f = try fixture()
        defer { f.repo.remove() }
        let result = try changegate(["--repo", f.repo.path, "--tag", "failvoer"])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains(
                "--tag failvoer: no watch of the policy carries it, so nothing would match; its tags are capacity, failover"
            ),
            "\(result.stderr)")
        #expect(try changegate(["--repo", f.repo.path, "--tag", "capacity"]).status == 0)
    }

    @Test("the executable: ndjson on standard output, warnings on standard error, no progress line in a pipe")
    func executable() throws {
        let f = try fixture()
        defer { f.repo.remove() }
        let result = try changegate([
            "--repo", f.repo.path, "--since", "2024-06-01T12:00:05Z", "--now", "2024-06-01T13:00:00Z", "--format",
            "ndjson", "--tag", "failover",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(rows.map { $0["commit"] as? String } == [f.id("fixed"), f.id("topic")])
        #expect(result.stderr.contains("changegate: warning: commit \(f.short("fixed")): db/b.yaml:3:1:"))
        #expect(!result.stderr.contains("scanned"))
        #expect(!result.stderr.contains("\r"))

        let json = try changegate(["--repo", f.repo.path, "--format", "json", "--limit", "1"])
        #expect(json.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((document["commits"] as? [[String: Any]])?.count == 1)
        #expect((document["policy"] as? [String: Any])?["name"] as? String == "history-test")
        #expect((document["summary"] as? [String: Any])?["mergesSkipped"] as? Int == 1)
    }

    @Test("the executable: exit 2 with a message on a bad --since, an unknown revision, a broken or missing policy")
    func executableErrors() throws {
        let f = try fixture()
        defer { f.repo.remove() }
        let badSince = try changegate(["--repo", f.repo.path, "--since", "6x"])
        #expect(badSince.status == 2)
        #expect(badSince.stderr.contains("--since: \"6x\" is not a time"))
        #expect(badSince.stderr.contains("30m, 6h, 2d, 1w"))
        #expect(badSince.stdout.isEmpty)

        let unknown = try changegate(["--repo", f.repo.path, "--ref", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown revision `nope`"))

        let broken = try Paths.temporaryDirectory("history-policy")
        defer { try? FileManager.default.removeItem(at: broken) }
        try Data("policy \"x\"\nwatch \"a.b\" weight\n".utf8).write(to: broken.appendingPathComponent("x.policy"))
        let badPolicy = try changegate(["--repo", f.repo.path, "--policy", broken.path])
        #expect(badPolicy.status == 2)
        #expect(badPolicy.stderr.contains("does not compile"))

        // Before the policy was committed there is none: only --setting can list anything.
        var bare = try GitFixture(label: "history-nopolicy")
        defer { bare.remove() }
        try bare.write("db/a.yaml", "a: 1\n")
        try bare.commit("a")
        let noPolicy = try changegate(["--repo", bare.path])
        #expect(noPolicy.status == 2)
        #expect(noPolicy.stderr.contains("no .policy file"))
        let settings = try changegate(["--repo", bare.path, "--setting", "**"])
        #expect(settings.status == 0, "\(settings.stderr)")
        #expect(settings.stdout.contains("db/a.yaml  a  added  ∅ → 1"))

        let usage = try changegate(["--repo", f.repo.path, "--format", "xml"])
        #expect(usage.status == 2)
    }
}
