import Foundation
import TestSupport

/// Makes a reproducible config repository from a seed: a first commit with every file (and the
/// policy catalogue under `policies/`), then commits that change one to three files each, a share
/// of them failover settings of Patroni files, with merges of short side branches and renames.
///
/// The objects are written by `git fast-import`, fed a stream this type renders: the fastest way
/// to make 100,000 commits, and git's own object writer.
struct SyntheticRepository {
    struct Shape: Hashable, CustomStringConvertible {
        var commits: Int
        var files: Int
        var largeFiles: Int
        var seed: UInt64 = 42
        /// About when the last commit is made (seconds since the epoch). The hook and the revert
        /// look-back care how old commits are, so the bench ends its history at the start of the
        /// day it runs; the same seed and day give the same repository.
        var end = 1_767_225_600  // 2026-01-01T00:00:00Z
        /// One commit in this many changes a failover setting.
        var failoverEvery = 10
        /// One commit in this many is a merge of a side branch of one commit.
        var mergeEvery = 50
        /// One commit in this many renames a file.
        var renameEvery = 200

        /// Every file a small Patroni YAML (~620 bytes) instead of the mix of formats.
        var smallYAML = false

        var description: String { "\(commits) commits, \(files) \(smallYAML ? "small YAML " : "")files" }
        var folderName: String {
            "repo-c\(commits)-f\(files)-l\(largeFiles)-s\(seed)-e\(end)\(smallYAML ? "-y" : "")-v1"
        }
    }

    let shape: Shape
    /// A bare repository.
    let path: String

    /// Generates the repository at `folder/<shape>` unless a complete one is already there.
    static func make(_ shape: Shape, under folder: String, policies: String) throws -> SyntheticRepository {
        let path = folder + "/" + shape.folderName
        let done = path + "/changegate-bench-complete"
        if !FileManager.default.fileExists(atPath: done) {
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Shell.run("git", ["init", "-q", "--bare", "-b", "main", path])
            var generator = StreamWriter(shape: shape, policies: try policyFiles(in: policies))
            try Shell.feed("git", ["-C", path, "fast-import", "--quiet"]) { write in generator.write(to: write) }
            // A commit-graph is what a real server keeps after gc; git and libgit2 both use it.
            try Shell.run("git", ["-C", path, "commit-graph", "write", "--reachable"])
            _ = FileManager.default.createFile(atPath: done, contents: Data())
        }
        return SyntheticRepository(shape: shape, path: path)
    }

    /// The commit id of a revision.
    func resolve(_ revision: String) throws -> String {
        try Shell.output("git", ["-C", path, "rev-parse", "--verify", "\(revision)^{commit}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The number of commits in `range` (`A..B`).
    func count(_ range: String) throws -> Int {
        Int(
            try Shell.output("git", ["-C", path, "rev-list", "--count", range]).trimmingCharacters(
                in: .whitespacesAndNewlines))
            ?? 0
    }

    private static func policyFiles(in folder: String) throws -> [(String, String)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".policy") }
            .sorted()
        return try names.map { ("policies/" + $0, try String(contentsOfFile: folder + "/" + $0, encoding: .utf8)) }
    }
}

/// Renders the fast-import stream, commit by commit.
private struct StreamWriter {
    let shape: SyntheticRepository.Shape
    let policies: [(String, String)]
    var random: SeededGenerator
    var files: [SyntheticFile] = []
    /// Commits come 10 to 90 minutes apart, 50 on average.
    var time: Int
    var mark = 0

    init(shape: SyntheticRepository.Shape, policies: [(String, String)]) {
        self.shape = shape
        self.policies = policies
        random = SeededGenerator(seed: shape.seed)
        time = shape.end - shape.commits * 3_000
    }

    static let people = (0..<20).map { "dev\($0)" } + ["alice", "bob", "carol", "dave", "erin", "frank"]

    mutating func write(to output: (String) -> Void) {
        makeFiles()
        var additions = policies
        additions += files.map { ($0.path, $0.render()) }
        var mainMark = commit(
            branch: "refs/heads/main", message: "Initial configuration", parents: [],
            changes: additions.map { .modify($0.0, $0.1) },
            output: output)
        let patroni = files.indices.filter { files[$0].kind == .patroni || files[$0].kind == .smallPatroni }
        for number in 1..<shape.commits {
            if number % shape.mergeEvery == 0 {
                // A side branch of one commit off main, then main merges it back.
                let changed = tuningChanges(count: 2)
                let side = commit(
                    branch: "refs/heads/topic", message: "Tune \(changed.count) settings on a topic branch",
                    parents: [mainMark], changes: changed, output: output)
                mainMark = commit(
                    branch: "refs/heads/main", message: "Merge branch 'topic'", parents: [mainMark, side],
                    changes: changed, output: output)
            } else if number % shape.renameEvery == 0 {
                let index = Int.random(in: 0..<files.count, using: &random)
                let old = files[index].path
                guard files[index].kind != .large, let slash = old.lastIndex(of: "/") else { continue }
                let new = old[..<slash] + "/moved-\(number)" + old[old.index(after: slash)...]
                files[index].path = String(new)
                mainMark = commit(
                    branch: "refs/heads/main", message: "Move \(old)", parents: [mainMark],
                    changes: [.rename(old, String(new))], output: output)
            } else if number % shape.failoverEvery == 0, !patroni.isEmpty {
                let index = patroni[Int.random(in: 0..<patroni.count, using: &random)]
                let setting = Int.random(in: 0..<4, using: &random)
                let ranges = [20...40, 5...15, 5...15, 524_288...4_194_304]
                files[index].failover[setting] = Int.random(in: ranges[setting], using: &random)
                let names = ["ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover"]
                mainMark = commit(
                    branch: "refs/heads/main", message: "Set \(names[setting]) on \(files[index].path)",
                    parents: [mainMark], changes: [.modify(files[index].path, files[index].render())], output: output)
            } else {
                let changed = tuningChanges(count: Int.random(in: 1...3, using: &random))
                mainMark = commit(
                    branch: "refs/heads/main", message: "Tune \(changed.count) files", parents: [mainMark],
                    changes: changed, output: output)
            }
        }
        output("reset refs/heads/topic\nfrom 0000000000000000000000000000000000000000\n\n")
    }

    private mutating func makeFiles() {
        // A fifth Patroni, a third Helm values, the rest service TOML/JSON and orchestrator files.
        let regular = max(shape.files - shape.largeFiles, 1)
        if shape.smallYAML {
            for index in 0..<regular { files.append(SyntheticFile.make(.smallPatroni, index: index, random: &random)) }
        }
        for index in 0..<regular where !shape.smallYAML {
            let kind: SyntheticFile.Kind
            switch index % 15 {
            case 0, 1, 2: kind = .patroni
            case 3, 4, 5, 6, 7: kind = .helmValues
            case 8, 9, 10: kind = .databaseTOML
            case 11, 12, 13: kind = .appJSON
            default: kind = .orchestrator
            }
            files.append(SyntheticFile.make(kind, index: index, random: &random))
        }
        for index in 0..<shape.largeFiles { files.append(SyntheticFile.make(.large, index: index, random: &random)) }
    }

    private mutating func tuningChanges(count: Int) -> [Change] {
        var seen = Set<Int>()
        var changes: [Change] = []
        while changes.count < count {
            let index = Int.random(in: 0..<files.count, using: &random)
            guard seen.insert(index).inserted else { continue }
            let setting = Int.random(in: 0..<files[index].tuning.count, using: &random)
            files[index].tuning[setting] = Int.random(in: 1...4096, using: &random)
            changes.append(.modify(files[index].path, files[index].render()))
        }
        return changes
    }

    enum Change {
        case modify(String, String)
        case rename(String, String)
    }

    private mutating func commit(
        branch: String, message: String, parents: [Int], changes: [Change], output: (String) -> Void
    ) -> Int {
        mark += 1
        time += Int.random(in: 600...5_400, using: &random)
        let person = Self.people[Int.random(in: 0..<Self.people.count, using: &random)]
        var header = "commit \(branch)\nmark :\(mark)\n"
        header += "author \(person) <\(person)@example.com> \(time) +0000\n"
        header += "committer \(person) <\(person)@example.com> \(time) +0000\n"
        header += "data \(message.utf8.count)\n\(message)\n"
        if let first = parents.first { header += "from :\(first)\n" }
        for other in parents.dropFirst() { header += "merge :\(other)\n" }
        output(header)
        for change in changes {
            switch change {
            case .modify(let path, let content):
                output("M 100644 inline \(path)\ndata \(content.utf8.count)\n")
                output(content)
                output("\n")
            case .rename(let old, let new):
                output("R \(old) \(new)\n")
            }
        }
        output("\n")
        return mark
    }
}
