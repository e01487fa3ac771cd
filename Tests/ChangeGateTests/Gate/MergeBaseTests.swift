import ChangeGate
import Foundation
import Testing

/// A base that is not an ancestor of the head (issue 16, item 4): `check` judges what the head
/// added since it forked, as a pull request shows it (`git diff BASE...HEAD`), with the commits
/// `BASE..HEAD` and the policy of the base's tip, and says so; `diff` compares the two trees as
/// `git diff BASE HEAD` does unless `--merge-base`, and says when the base is not an ancestor.
@Suite("A base that is not an ancestor of the head")
struct MergeBaseTests {
    static let policy = """
        policy "pull requests"
        files "*.yml"
        watch "bootstrap.dcs.**" weight 10 tag failover
        """

    /// Patroni's postgres0.yml as upstream had it at version `number` (shared/testdata/history).
    private static func patroni(_ number: String) throws -> String {
        let url = try #require(Paths.testdata).appendingPathComponent("history/patroni-postgres0/\(number).data")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// main at Patroni's 2023-01 sample; `feature` forks there and tunes two DCS timings in two
    /// commits; then main moves on to the 2024-06 sample (upstream's own edits) and adds a file.
    private func diverged() throws -> GitFixture {
        var repo = try GitFixture(label: "merge-base")
        try repo.write("policies/pr.policy", Self.policy)
        let fork = try Self.patroni("085")
        try repo.write("postgres0.yml", fork)
        try repo.commit("patroni sample", author: "Alice <alice@example.com>")
        try repo.git(["checkout", "-q", "-b", "feature"])
        try repo.write("postgres0.yml", fork.replacingOccurrences(of: "    ttl: 30\n", with: "    ttl: 20\n"))
        try repo.commit("shorter ttl", author: "Frank <frank@example.com>")
        try repo.write(
            "postgres0.yml",
            fork.replacingOccurrences(of: "    ttl: 30\n", with: "    ttl: 20\n")
                .replacingOccurrences(of: "    retry_timeout: 10\n", with: "    retry_timeout: 5\n"))
        try repo.commit("shorter retry timeout", author: "Frank <frank@example.com>")
        try repo.git(["checkout", "-q", "main"])
        try repo.write("postgres0.yml", try Self.patroni("093"))
        try repo.commit("upstream sample", author: "Alice <alice@example.com>")
        try repo.write("postgres1.yml", try Self.patroni("093").replacingOccurrences(of: "postgresql0", with: "pg1"))
        try repo.commit("second member", author: "Alice <alice@example.com>")
        return repo
    }

    /// PyYAML's flattening of `path` at `revision`.
    private func flattened(_ repo: GitFixture, _ revision: String, _ path: String) throws -> [String: ConfigValue] {
        let file = repo.url.appendingPathComponent(".git/oracle-\(revision.prefix(12))-\(path)")
        try Data(try repo.git(["show", "\(revision):\(path)"]).utf8).write(to: file)
        guard case .settings(let settings)? = try PythonOracle.read([file], format: .yaml)[file.path] else {
            Issue.record("PyYAML could not read \(path) at \(revision)")
            return [:]
        }
        return settings
    }

    private func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init)
    }

    @Test(
        "check --base main --head feature after main moved on: the feature's changes and commits, from the merge base")
    func divergedBase() throws {
        let repo = try diverged()
        defer { repo.remove() }
        let mergeBase = try repo.git(["merge-base", "main", "feature"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let main = try repo.revParse("main")

        // The oracle: the files `git diff main...feature` names, PyYAML's settings on either side.
        #expect(lines(try repo.git(["diff", "--name-only", "main...feature"])) == ["postgres0.yml"])
        let old = try flattened(repo, mergeBase, "postgres0.yml")
        let new = try flattened(repo, "feature", "postgres0.yml")
        let expected = Set(old.keys).union(new.keys).filter { key in
            !(old[key].flatMap { a in new[key].map { a.isSameSetting(as: $0) } } ?? false)
        }
        #expect(expected == ["bootstrap.dcs.ttl", "bootstrap.dcs.retry_timeout"])

        let decision = Gate(repository: try Repository(path: repo.path)).decide(
            GateRequest(base: "main", head: "feature", now: 1_717_509_300))
        #expect(decision.problems.isEmpty, "\(decision.problems)")
        #expect(decision.base?.hex == main)
        #expect(decision.comparedFrom?.hex == mergeBase)
        #expect(decision.ancestry?.baseIsAncestor == false)
        #expect(Set(decision.changes.map(\.key)) == expected)
        func same(_ a: ConfigValue?, _ b: ConfigValue?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return a.isSameSetting(as: b)
        }
        for change in decision.changes {
            #expect(change.file == "postgres0.yml")
            #expect(same(change.old, old[change.key]), "\(change.key)")
            #expect(same(change.new, new[change.key]), "\(change.key)")
        }
        #expect(decision.commits.map(\.id.hex) == lines(try repo.git(["rev-list", "main..feature"])))
        #expect(decision.policySource == "\(try #require(ObjectID(hex: main)).short):policies/")

        // The report says so, in text and in JSON, and the trail keeps the base asked for and the merge base.
        let trail = repo.url.appendingPathComponent(".git/trail.sqlite").path
        let text = try Shell.run(
            [
                Paths.changegate.path, "check", "--repo", repo.path, "--base", "main", "--head", "feature", "--audit",
                trail,
            ])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("\(main.prefix(7))...\(try repo.revParse("feature").prefix(7))"))
        #expect(text.stdout.contains("Note: \(main.prefix(7)) (the base) is not an ancestor of"))
        #expect(text.stdout.contains("they diverged at \(mergeBase.prefix(7)), their merge base"))
        let json = try Shell.run(
            [
                Paths.changegate.path, "check", "--repo", repo.path, "--base", "main", "--head", "feature", "--format",
                "json", "--no-audit",
            ])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["base"] as? String == main)
        #expect(report["mergeBase"] as? String == mergeBase)
        #expect(report["baseIsAncestor"] as? Bool == false)
        #expect((report["note"] as? String)?.contains("git diff BASE...HEAD") == true)
        #expect((report["changes"] as? [[String: Any]])?.count == 2)
        #expect((report["commits"] as? [[String: Any]])?.count == 2)

        let record = try #require(
            try SQLiteAuditStore(path: trail, access: .readOnly).entries(matching: AuditQuery()).first?.record)
        #expect(record.base == main)
        #expect(record.mergeBase == mergeBase)
        #expect(record.changes.map(\.key).sorted() == ["bootstrap.dcs.retry_timeout", "bootstrap.dcs.ttl"])
    }

    @Test("a base that descends from the head: no changes, no commits, and a warning that nothing lands")
    func reversed() throws {
        let repo = try diverged()
        defer { repo.remove() }
        let result = try Shell.run(
            [
                Paths.changegate.path, "check", "--repo", repo.path, "--base", "main", "--head", "main~2", "--format",
                "json", "--no-audit",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((report["changes"] as? [[String: Any]])?.isEmpty == true)
        #expect((report["commits"] as? [[String: Any]])?.isEmpty == true)
        #expect(report["mergeBase"] as? String == (try repo.revParse("main~2")))
        #expect((report["note"] as? String)?.contains("is already contained in") == true)
        let text = try Shell.run(
            [Paths.changegate.path, "check", "--repo", repo.path, "--base", "main", "--head", "main~2", "--no-audit"])
        #expect(text.stdout.contains("so it adds nothing: check that the base and the head are not swapped"))
    }

    @Test("unrelated histories fail closed, naming both revisions")
    func unrelated() throws {
        var repo = try diverged()
        defer { repo.remove() }
        try repo.git(["checkout", "-q", "--orphan", "imported"])
        try repo.commit("imported history", author: "Frank <frank@example.com>")
        let result = try Shell.run(
            [Paths.changegate.path, "check", "--repo", repo.path, "--base", "main", "--head", "imported", "--no-audit"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("--base main ("))
        #expect(result.stdout.contains("share no history (no merge base)"))
        // `diff --merge-base` has no fork point either; plain `diff` still compares the two trees.
        let mergeBase = try Shell.run(
            [Paths.changegate.path, "diff", "--repo", repo.path, "--merge-base", "main", "imported"])
        #expect(mergeBase.status == 2)
        #expect(mergeBase.stderr.contains("share no history"))
    }

    @Test("diff compares the two trees as `git diff A B`, says the base is not an ancestor; --merge-base as `A...B`")
    func diffBoth() throws {
        let repo = try diverged()
        defer { repo.remove() }
        func diff(_ arguments: [String]) throws -> [String: Any] {
            let result = try Shell.run(
                [Paths.changegate.path, "diff", "--repo", repo.path, "--format", "json"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
        let mergeBase = try repo.git(["merge-base", "main", "feature"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let trees = try diff(["main", "feature"])
        // Two-dot: main's own file and upstream edits show reversed, as `git diff main feature` shows them.
        let treeFiles = Set((trees["changes"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String })
        #expect(treeFiles == Set(lines(try repo.git(["diff", "--name-only", "main", "feature"]))))
        #expect(treeFiles.contains("postgres1.yml"))
        #expect(trees["comparedFrom"] as? String == (try repo.revParse("main")))
        #expect(trees["baseIsAncestor"] as? Bool == false)
        #expect((trees["note"] as? String)?.contains("--merge-base shows only the head's") == true)

        let forked = try diff(["--merge-base", "main", "feature"])
        #expect(forked["base"] as? String == (try repo.revParse("main")))
        #expect(forked["comparedFrom"] as? String == mergeBase)
        let keys = (forked["changes"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
        #expect(Set(keys) == ["bootstrap.dcs.ttl", "bootstrap.dcs.retry_timeout"])

        // A base that is an ancestor: no note, and the same changes either way.
        let ahead = try diff(["main~2", "main"])
        #expect(ahead["baseIsAncestor"] as? Bool == true)
        #expect(ahead["note"] is NSNull)
        let text = try Shell.run([Paths.changegate.path, "diff", "--repo", repo.path, "main", "feature"])
        #expect(text.stdout.contains("note: \(try repo.revParse("main").prefix(7)) (the base) is not an ancestor"))
    }
}
