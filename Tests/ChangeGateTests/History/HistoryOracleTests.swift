import ChangeGate
import Foundation
import Testing

/// `changegate history --setting '**'` on a real file's public history (testdata/history), against an
/// oracle built without ChangeGate's git or diff code: `git log` picks the commits, `git show` reads
/// both sides of each, PyYAML reads them, and the keys that differ are what the history must list.
@Suite(
    "history against git log and PyYAML",
    .enabled(if: Paths.testdata != nil, "../shared/testdata is absent: history oracle skipped"))
struct HistoryOracleTests {
    /// Replays the versions of `folder` as commits of `path`, with their original authors and dates.
    private func replay(_ folderName: String, path: String) throws -> GitFixture {
        let folder = try #require(Paths.testdata).appendingPathComponent("history/\(folderName)")
        let repo = try GitFixture(label: "history-oracle")
        for version in try HistoryReplayTests.versions(in: folder) {
            if version.present {
                try repo.write(path, try Data(contentsOf: folder.appendingPathComponent("\(version.number).data")))
            } else {
                try? repo.remove(path)
            }
            try repo.git(["add", "-A"])
            try repo.git(
                [
                    "commit", "-q", "--allow-empty", "--author", "\(version.email) <\(version.email)>", "-m",
                    version.subject,
                ],
                environment: ["GIT_AUTHOR_DATE": version.date, "GIT_COMMITTER_DATE": version.date])
        }
        return repo
    }

    /// For each commit `git log -- FILE` names: the keys whose value differs between the file at
    /// the commit and at its parent, as PyYAML reads both.
    private func oracle(_ repo: GitFixture, path: String) throws -> [String: Set<String>] {
        let commits = try repo.git(["log", "--format=%H", "--", path]).split(separator: "\n").map(String.init)
        let scratch = try Paths.temporaryDirectory("history-oracle-sides")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var sides: [String: (before: URL?, after: URL?)] = [:]
        func side(_ revision: String, name: String) throws -> URL? {
            let result = try Shell.run(["git", "show", "\(revision):\(path)"], in: repo.url)
            guard result.status == 0 else { return nil }
            let url = scratch.appendingPathComponent(name + ".yml")
            try Data(result.stdout.utf8).write(to: url)
            return url
        }
        for commit in commits {
            sides[commit] = (
                try side("\(commit)^", name: "\(commit)-before"), try side(commit, name: "\(commit)-after")
            )
        }
        let files = sides.values.flatMap { [$0.before, $0.after].compactMap { $0 } }
        let readings = try PythonOracle.read(files, format: .yaml)
        var expected: [String: Set<String>] = [:]
        for (commit, (before, after)) in sides {
            func settings(_ url: URL?) -> [String: ConfigValue] {
                guard let url else { return [:] }
                guard case .settings(let settings)? = readings[url.path] else {
                    Issue.record("PyYAML could not read \(url.lastPathComponent)")
                    return [:]
                }
                return settings
            }
            let old = settings(before)
            let new = settings(after)
            let changed = Set(old.keys).union(new.keys).filter { key in
                guard let a = old[key], let b = new[key] else { return true }
                return !a.isSameSetting(as: b)
            }
            if !changed.isEmpty { expected[commit] = changed }
        }
        #expect(commits.count > 30)
        return expected
    }

    @Test("patroni postgres0.yml: every (commit, key) that git log -p and PyYAML show changed, and nothing else")
    func patroni() throws {
        let repo = try replay("patroni-postgres0", path: "postgres0.yml")
        defer { repo.remove() }
        let expected = try oracle(repo, path: "postgres0.yml")

        // No policies/ in this repository: --setting lists settings without one.
        let run = try HistoryRun.run(repository: repo.path, .init(settings: ["**"]), format: .ndjson)
        #expect(run.warnings.isEmpty, "\(run.warnings)")
        var listed: [String: Set<String>] = [:]
        for row in try run.ndjson() {
            let commit = try #require(row["commit"] as? String)
            let key = try #require(row["key"] as? String)
            #expect(row["watched"] as? Bool == false)
            #expect(listed[commit, default: []].insert(key).inserted, "\(commit) \(key) listed twice")
        }
        #expect(Set(listed.keys) == Set(expected.keys))
        for (commit, keys) in expected {
            #expect(listed[commit] == keys, "commit \(commit)")
        }
        #expect(expected.values.reduce(0) { $0 + $1.count } > 50)
    }
}
