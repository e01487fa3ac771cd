import ChangeGate
import Foundation
import Testing

/// ChangeGate's commit-graph (issue 19): libgit2 1.5 cannot read the graphs git writes today (their
/// generation-data chunk), so `history` keeps one of its own. git is the oracle for which commits
/// a graph holds; libgit2's walk without a graph is the oracle for the walk with one.
@Suite("the walk's commit-graph")
struct WalkGraphTests {
    /// A generated bare repository: 300 commits with merges (one in fifty) and renames.
    struct Fixture {
        let folder: URL
        let repository: String
        var graphFolder: String { WalkGraph.folder(gitDirectory: repository) }
        var graphFile: String { graphFolder + "/info/commit-graph" }

        init(commits: Int = 300) throws {
            folder = try Paths.temporaryDirectory("walk-graph")
            repository = try Shell.check(
                [
                    HistoryIndexTests.bench.path, "generate", "--commits", "\(commits)", "--files", "40", "--seed", "5",
                    "--end", "1767225600", folder.path,
                ], in: Paths.packageRoot
            ).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }

        func git(_ arguments: [String], input: Data? = nil) throws -> String {
            try Shell.check(
                ["git", "-C", repository] + arguments, environment: GitFixture.baseEnvironment, input: input)
        }

        /// The ids of a walk from main, in order; with ChangeGate's graph when `graph`.
        func walk(graph: Bool) throws -> [ObjectID] {
            let repository = try Repository(path: repository)
            if graph { #expect(WalkGraph.use(in: repository) != nil, "libgit2 refused the graph") }
            var ids: [ObjectID] = []
            try repository.walk(from: nil, to: try repository.resolveCommit("main")) { id in
                ids.append(id)
                return true
            }
            return ids
        }

        /// Adds `count` commits on main, each changing one file, with `git fast-import`.
        func addCommits(_ count: Int) throws {
            let tip = try git(["rev-parse", "main"]).trimmingCharacters(in: .whitespacesAndNewlines)
            var stream = ""
            for n in 0..<count {
                let content = "n: \(n)\n"
                stream += "commit refs/heads/main\n"
                stream += "committer Fast Import <fast@example.com> \(1_767_225_600 + 60 * (n + 1)) +0000\n"
                stream += "data 9\ncommit \(n % 10)\n"
                if n == 0 { stream += "from \(tip)\n" }
                stream += "M 100644 inline extra/counter.yaml\ndata \(content.utf8.count)\n\(content)\n"
            }
            _ = try git(["fast-import", "--quiet"], input: Data(stream.utf8))
        }
    }

    @Test("the reader finds in git's own graph (generation data included) every commit git lists, and nothing else")
    func readsGitsGraph() throws {
        let f = try Fixture()
        defer { f.remove() }
        _ = try f.git(["commit-graph", "write", "--reachable"])
        let graph = try #require(CommitGraphFile(path: f.repository + "/objects/info/commit-graph"))
        let commits = try f.git(["rev-list", "--all"]).split(separator: "\n").compactMap { ObjectID(hex: String($0)) }
        #expect(commits.count > 290)
        #expect(graph.count == commits.count)
        #expect(commits.allSatisfy(graph.contains))
        let tree = try #require(
            ObjectID(hex: try f.git(["rev-parse", "main^{tree}"]).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!graph.contains(tree))
        #expect(CommitGraphFile(data: Data("CGPH not a graph".utf8)) == nil)
    }

    @Test("a refresh writes a graph libgit2 reads, and the walk with it is the walk without it")
    func writesAReadableGraph() throws {
        let f = try Fixture()
        defer { f.remove() }
        // An octopus merge on main: its third parent goes to the graph's extra edges.
        let parents = try ["main", "main~3", "main~7"].map {
            try f.git(["rev-parse", $0]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let octopus = try f.git(
            [
                "-c", "user.name=Octo", "-c", "user.email=octo@example.com", "commit-tree", "main^{tree}", "-m",
                "octopus",
            ]
                + parents.flatMap { ["-p", $0] }
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try f.git(["update-ref", "refs/heads/main", octopus])
        let without = try f.walk(graph: false)
        let repository = try Repository(path: f.repository)
        let main = try repository.resolveCommit("main")
        #expect(try WalkGraph.refresh(repository, heads: [main]) == .written)
        #expect(try WalkGraph.refresh(repository, heads: [main]) == .current)
        let graph = try #require(CommitGraphFile(path: f.graphFile))
        #expect(
            graph.count
                == Int(try f.git(["rev-list", "--all", "--count"]).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try f.walk(graph: true) == without)
        // git itself checks the file against the objects, in a copy whose own graph it is.
        let copy = f.folder.appendingPathComponent("copy.git").path
        _ = try Shell.check(["cp", "-R", f.repository, copy])
        try? FileManager.default.removeItem(atPath: copy + "/objects/info/commit-graph")
        try FileManager.default.copyItem(atPath: f.graphFile, toPath: copy + "/objects/info/commit-graph")
        _ = try Shell.check(
            ["git", "--git-dir", copy, "commit-graph", "verify"], environment: GitFixture.baseEnvironment)
    }

    @Test("a commit time the format cannot hold, or a parent outside the graph, writes no graph")
    func unwritable() throws {
        let one = try #require(ObjectID(hex: String(repeating: "1", count: 40)))
        let two = try #require(ObjectID(hex: String(repeating: "2", count: 40)))
        #expect(throws: CommitGraphWriter.Failure.self) {
            try CommitGraphWriter.encode([CommitGraphEntry(id: one, tree: two, parents: [], time: -1)])
        }
        #expect(throws: CommitGraphWriter.Failure.self) {
            try CommitGraphWriter.encode([CommitGraphEntry(id: one, tree: two, parents: [two], time: 5)])
        }
        let graph = try #require(
            CommitGraphFile(
                data: try CommitGraphWriter.encode([CommitGraphEntry(id: one, tree: two, parents: [], time: 5)])))
        #expect(graph.count == 1 && graph.contains(one) && !graph.contains(two))
    }

    @Test("a graph behind the refs still walks right; past the limit, a refresh rewrites it")
    func behindThenRewritten() throws {
        let f = try Fixture()
        defer { f.remove() }
        let first = try Repository(path: f.repository)
        try WalkGraph.refresh(first, heads: [try first.resolveCommit("main")])
        try f.addCommits(3)
        #expect(try f.walk(graph: true) == f.walk(graph: false))
        let second = try Repository(path: f.repository)
        let tip = try second.resolveCommit("main")
        #expect(try WalkGraph.refresh(second, heads: [tip]) == .behind(3))
        try f.addCommits(WalkGraph.rewriteAfter)
        let third = try Repository(path: f.repository)
        #expect(try WalkGraph.refresh(third, heads: [try third.resolveCommit("main")]) == .written)
        #expect(try #require(CommitGraphFile(path: f.graphFile)).contains(try third.resolveCommit("main")))
        #expect(try f.walk(graph: true) == f.walk(graph: false))
    }

    @Test("a damaged graph is not used, and the next refresh replaces it")
    func damagedGraph() throws {
        let f = try Fixture()
        defer { f.remove() }
        let repository = try Repository(path: f.repository)
        let main = try repository.resolveCommit("main")
        try WalkGraph.refresh(repository, heads: [main])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: f.graphFile))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: f.graphFile))
        // libgit2 checks the file's checksum: a flipped byte and it reads the objects instead.
        #expect(WalkGraph.use(in: try Repository(path: f.repository)) == nil)
        try Data("CGPH".utf8).write(to: URL(fileURLWithPath: f.graphFile))
        #expect(try WalkGraph.refresh(try Repository(path: f.repository), heads: [main]) == .written)
        #expect(try f.walk(graph: true) == f.walk(graph: false))
    }

    @Test("history writes the graph beside its index, prints the same without it, and --no-index writes none")
    func historyKeepsTheGraph() throws {
        let f = try Fixture()
        defer { f.remove() }
        var environment = GitFixture.baseEnvironment
        environment["CHANGEGATE_REDACTION_KEY"] = f.folder.appendingPathComponent("redaction.key").path
        let history = { (arguments: [String]) throws -> String in
            try Shell.check(
                [Paths.changegate.path, "history", "--repo", f.repository, "--format", "ndjson", "--setting", "**"]
                    + arguments, environment: environment)
        }
        let plain = try history(["--no-index"])
        #expect(!FileManager.default.fileExists(atPath: f.graphFile), "--no-index wrote a graph")
        #expect(try history([]) == plain)
        #expect(FileManager.default.fileExists(atPath: f.graphFile))
        #expect(try history(["--no-index"]) == plain, "the walk with the graph differs")
        #expect(try history([]) == plain)
        #expect(!plain.isEmpty)
    }

    @Test("a walk bounded by --since leaves out commits far older than the window, and lists the same")
    func sinceWithTheGraph() throws {
        // 1,200 commits 10 to 90 minutes apart: about 40 days, so that the walk has commits to prune.
        let f = try Fixture(commits: 1_200)
        defer { f.remove() }
        var environment = GitFixture.baseEnvironment
        environment["CHANGEGATE_REDACTION_KEY"] = f.folder.appendingPathComponent("redaction.key").path
        let history = { (arguments: [String]) throws -> String in
            try Shell.check(
                [
                    Paths.changegate.path, "history", "--repo", f.repository, "--format", "ndjson", "--setting", "**",
                    "--now", "2026-01-01T00:00:00Z",
                ] + arguments, environment: environment)
        }
        let windows = [["--since", "3d"], ["--since", "35d"], ["--since", "2d", "--until", "2025-12-31T12:00:00Z"]]
        let before = try windows.map { try history(["--no-index"] + $0) }
        _ = try history([])
        #expect(FileManager.default.fileExists(atPath: f.graphFile))
        for (window, expected) in zip(windows, before) {
            #expect(try history(["--no-index"] + window) == expected, "\(window) with the graph")
            #expect(try history(window) == expected, "\(window) with the graph and the index")
            #expect(!expected.isEmpty)
        }
    }
}
