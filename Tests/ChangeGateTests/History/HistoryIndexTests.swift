import Foundation
import Testing

/// The history index (issue 19): a scan that reads commits from the index prints exactly what a
/// full scan prints (`--no-index`), on a generated repository, after a force push rewrote its tip,
/// with another policy, with `--since`, and with an index whose entries were damaged.
@Suite("history's index answers as a full scan does")
struct HistoryIndexTests {
    static let bench = Paths.changegate.deletingLastPathComponent().appendingPathComponent("changegate-bench")

    /// A generated bare repository (150 commits, 60 files, one large) and its index's path.
    struct Fixture {
        let folder: URL
        let repository: String
        var index: String { repository + "/changegate/history-index.sqlite" }

        init() throws {
            folder = try Paths.temporaryDirectory("history-index")
            repository = try Shell.check(
                [
                    HistoryIndexTests.bench.path, "generate", "--commits", "150", "--files", "60", "--large", "1",
                    "--seed", "11", "--end", "1767225600", folder.path,
                ], in: Paths.packageRoot
            ).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }

        func history(_ arguments: [String]) throws -> Shell.Result {
            var environment = GitFixture.baseEnvironment
            environment["CHANGEGATE_REDACTION_KEY"] = folder.appendingPathComponent("redaction.key").path
            return try Shell.run(
                [Paths.changegate.path, "history", "--repo", repository] + arguments, environment: environment)
        }

        /// The number of commits the index holds (all selections).
        func indexed() throws -> Int {
            guard FileManager.default.fileExists(atPath: index) else { return 0 }
            let output = try Shell.check([
                "python3", "-c",
                "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from history_commits').fetchone()[0])",
                index,
            ])
            return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        /// Asserts that the query prints the same with the index as without, and returns the output.
        @discardableResult
        func same(_ arguments: [String], _ comment: Comment) throws -> String {
            let full = try history(arguments + ["--no-index"])
            let indexed = try history(arguments)
            #expect(full.status == 0, "\(comment): \(full.stderr)")
            #expect(indexed.status == full.status, comment)
            #expect(indexed.stdout == full.stdout, comment)
            #expect(indexed.stderr == full.stderr, comment)
            return indexed.stdout
        }
    }

    @Test("a second scan reads the index and prints the same; --no-index neither reads nor writes it")
    func secondScanSame() throws {
        let f = try Fixture()
        defer { f.remove() }
        _ = try f.history(["--no-index", "--format", "ndjson"])
        #expect(try f.indexed() == 0, "--no-index created an index")
        let first = try f.history(["--format", "ndjson"])
        let held = try f.indexed()
        // Every non-merge commit walked is kept, those that changed no selected file too.
        #expect(held > 140)
        for format in ["ndjson", "json", "table"] { try f.same(["--format", format], "format \(format)") }
        try f.same(["--format", "ndjson", "--setting", "**"], "every setting")
        #expect(try f.history(["--format", "ndjson"]).stdout == first.stdout)
        #expect(try f.indexed() == held, "a scan of the same commits added entries")
        try f.same(["--since", "3d", "--now", "2026-01-01T00:00:00Z"], "--since")
        try f.same(["--evaluate", "--format", "ndjson"], "--evaluate")
        try f.same(["--range", "HEAD~40..HEAD", "--setting", "bootstrap.dcs.*"], "--range")
        try f.same(["--limit", "3"], "--limit")
    }

    @Test("after a force push rewrote the tip, the index answers for the new commits as a scan does")
    func forcePush() throws {
        let f = try Fixture()
        defer { f.remove() }
        let before = try f.same(["--format", "ndjson", "--setting", "**"], "before the force push")
        let work = f.folder.appendingPathComponent("work")
        try Shell.check(["git", "clone", "-q", f.repository, work.path], environment: GitFixture.baseEnvironment)
        let git = { (arguments: [String]) throws -> String in
            try Shell.check(
                ["git", "-C", work.path, "-c", "user.name=Mallory", "-c", "user.email=mallory@example.com"] + arguments,
                environment: GitFixture.baseEnvironment)
        }
        _ = try git(["reset", "-q", "--hard", "HEAD~5"])
        let patroni = try git(["ls-files", "db"]).split(separator: "\n").first { $0.hasSuffix("patroni.yml") }
        let file = work.appendingPathComponent(String(try #require(patroni)))
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "    ttl: ", with: "    ttl: 9").write(
            to: file, atomically: true, encoding: .utf8)
        _ = try git(["commit", "-q", "-am", "Shorten the leader lock"])
        _ = try git(["push", "-q", "--force", "origin", "HEAD:main"])
        let after = try f.same(["--format", "ndjson", "--setting", "**"], "after the force push")
        #expect(after != before)
        #expect(after.contains("mallory@example.com"))
        #expect(after.contains("\"key\":\"bootstrap.dcs.ttl\""))
    }

    @Test("another policy, or other --exclude paths, select other files: their entries are their own")
    func otherSelection() throws {
        let f = try Fixture()
        defer { f.remove() }
        try f.same(["--format", "ndjson"], "the policy at the tip")
        let policy = f.folder.appendingPathComponent("k8s-only.policy")
        try """
        policy "k8s-only"
        files "k8s/**/*.yaml"
        watch "**.k0" weight 5

        """.write(to: policy, atomically: true, encoding: .utf8)
        let narrow = try f.same(["--format", "ndjson", "--policy", policy.path], "another policy")
        #expect(narrow.contains("\"file\":\"k8s/"))
        #expect(!narrow.contains("\"file\":\"db/"))
        try f.same(["--format", "ndjson", "--exclude", "db/eu-west/**"], "--exclude")
    }

    @Test("entries whose bytes were damaged are read again from the repository")
    func damagedEntries() throws {
        let f = try Fixture()
        defer { f.remove() }
        let full = try f.history(["--format", "ndjson", "--no-index"]).stdout
        _ = try f.history(["--format", "ndjson"])
        // Truncate every entry, then flip bytes of every entry: nothing decodes.
        for sql in [
            "update history_commits set entry = substr(entry, 1, length(entry) / 2)",
            "update history_commits set entry = x'07ffffffffffffffffff01'",
        ] {
            try Shell.check([
                "python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
                f.index, sql,
            ])
            let again = try f.history(["--format", "ndjson"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout == full, "\(sql)")
        }
    }

    @Test("an index that cannot be opened is a warning, and the scan reads every commit")
    func unopenable() throws {
        let f = try Fixture()
        defer { f.remove() }
        let full = try f.history(["--format", "ndjson", "--no-index"]).stdout
        try FileManager.default.createDirectory(atPath: f.repository + "/changegate", withIntermediateDirectories: true)
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: f.index))
        let result = try f.history(["--format", "ndjson"])
        #expect(result.status == 0)
        #expect(result.stdout == full)
        #expect(result.stderr.contains("history index"), "\(result.stderr)")
    }

    @Test(
        "the index holds secret values only redacted: reading its file shows no password",
        .enabled(if: ExampleRepository.available))
    func secretsStayRedacted() throws {
        let example = try ExampleRepository()
        defer { example.remove() }
        let key = example.directory.appendingPathComponent("redaction.key").path
        var environment = GitFixture.baseEnvironment
        environment["CHANGEGATE_REDACTION_KEY"] = key
        let result = try Shell.run(
            [Paths.changegate.path, "history", "--repo", example.path, "--setting", "**", "--format", "ndjson"],
            environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("[redacted hmac-sha256:"))
        let gitDirectory = try Shell.check(["git", "-C", example.path, "rev-parse", "--absolute-git-dir"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let index = gitDirectory + "/changegate/history-index.sqlite"
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes += FileManager.default.contents(atPath: index + suffix) ?? Data() }
        #expect(bytes.count > 4096, "the scan wrote no index at \(index)")
        for secret in ["placeholder-not-a-real-password", "placeholder-staging-password"] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is in the index")
        }
    }
}
