import ChangeGate
import Foundation
import PolicyDSL
import Testing

/// The parsed files requests share (issue 18, item 5): a hit across repositories holding the same
/// blob, the bounds, many tasks at once, and the key that keeps one reading from answering for
/// another (the same bytes as another format, under other limits, or under a name that reads them
/// otherwise).
@Suite("Shared blob cache")
struct BlobSettingsCacheTests {
    /// A repository with `files` in one commit; the commit's id.
    private func repository(_ label: String, _ files: [String: String]) throws -> (GitFixture, ObjectID) {
        var repo = try GitFixture(label: label)
        for (path, content) in files { try repo.write(path, content) }
        return (repo, try #require(ObjectID(hex: try repo.commit("files"))))
    }

    /// The diff of `commit` against the empty tree, with `cache` or without.
    private func diff(
        _ path: String, _ commit: ObjectID, cache: BlobSettingsCache?,
        selectors: [FileSelector] = [
            FileSelector("db/**")
        ], limits: ReaderLimits = .default
    ) throws -> SettingsDiffReport {
        var differ = RepositorySettingsDiff(
            repository: try Repository(path: path), selectors: selectors, reader: ConfigReader(limits: limits),
            sharedCache: cache)
        return try differ.diff(from: nil, to: commit)
    }

    @Test("two repositories holding the same blob: the second reads it from the cache, with its own paths")
    func hitAcrossRepositories() throws {
        let content = "postgresql:\n  parameters:\n    max_connections: 100\nfailover:\n  enabled: true\n"
        let (one, first) = try repository("cache-one", ["db/a.yaml": content])
        let (two, second) = try repository("cache-two", ["db/b.yaml": content, "db/c.yaml": "c: 1\n"])
        defer {
            one.remove()
            two.remove()
        }
        let cache = BlobSettingsCache()
        let fromOne = try diff(one.path, first, cache: cache)
        #expect(fromOne.changes.map(\.key).contains("failover.enabled"))
        #expect(cache.hits == 0)
        #expect(cache.count == 1)
        let fromTwo = try diff(two.path, second, cache: cache)
        #expect(cache.hits == 1)  // db/b.yaml's blob, read in the other repository
        #expect(cache.count == 2)  // and db/c.yaml's, new
        // The same report as without the cache, naming this repository's files.
        #expect(fromTwo == (try diff(two.path, second, cache: nil)))
        #expect(fromTwo.changes.filter { $0.key == "failover.enabled" }.map(\.file) == ["db/b.yaml"])
    }

    @Test("the same blob as another format does not hit: YAML's reading never answers for a JSON file")
    func formatIsPartOfTheKey() throws {
        // Valid YAML, invalid JSON: a reading shared by blob alone would let the JSON file pass.
        let content = "replicas: 3\nfailover: off\n"
        let (yaml, first) = try repository("cache-yaml", ["db/a.yaml": content])
        let (json, second) = try repository("cache-json", ["db/a.json": content])
        defer {
            yaml.remove()
            json.remove()
        }
        let cache = BlobSettingsCache()
        #expect(try diff(yaml.path, first, cache: cache).errors.isEmpty)
        let report = try diff(json.path, second, cache: cache)
        #expect(cache.hits == 0)
        #expect(report.changes.isEmpty)
        #expect(report.errors.map(\.file) == ["db/a.json"])
        #expect(report == (try diff(json.path, second, cache: nil)))
    }

    @Test("the same blob under tighter limits does not hit: a file too deep for this request is refused")
    func limitsArePartOfTheKey() throws {
        let content = "a:\n  b:\n    c:\n      d:\n        e: 1\n"
        let (lax, first) = try repository("cache-lax", ["db/deep.yaml": content])
        let (strict, second) = try repository("cache-strict", ["db/deep.yaml": content])
        defer {
            lax.remove()
            strict.remove()
        }
        let cache = BlobSettingsCache()
        #expect(try diff(lax.path, first, cache: cache).changes.map(\.key) == ["a.b.c.d.e"])
        let tight = ReaderLimits(maxDepth: 3)
        let report = try diff(strict.path, second, cache: cache, limits: tight)
        #expect(cache.hits == 0)
        #expect(report.changes.isEmpty)
        #expect(report.errors.count == 1)
        #expect(report == (try diff(strict.path, second, cache: nil, limits: tight)))
    }

    @Test("the same INI bytes as `.ini` and as `.conf` are two readings: the `.conf` file's indented line is refused")
    func pathDialectIsPartOfTheKey() throws {
        // In a `.ini` file the indented line continues `mode`'s value; in a `.conf` file (read by
        // PostgreSQL, Redis, MySQL as a setting of its own) it is refused. Read once and shared by
        // blob and format, the `.conf` file would pass with `failover = off` hidden in a value.
        let content = "[cluster]\nmode = primary\n  failover = off\n"
        let (ini, first) = try repository("cache-ini", ["db/x.ini": content])
        let (conf, second) = try repository("cache-conf", ["db/x.conf": content])
        defer {
            ini.remove()
            conf.remove()
        }
        let cache = BlobSettingsCache()
        let asINI = try diff(ini.path, first, cache: cache)
        #expect(asINI.errors.isEmpty)
        #expect(asINI.changes.map(\.key) == ["cluster.mode"])
        let asConf = try diff(conf.path, second, cache: cache)
        #expect(cache.hits == 0)
        #expect(asConf.changes.isEmpty)
        #expect(asConf.errors.map { "\($0.file):\($0.line ?? 0)" } == ["db/x.conf:3"])
        #expect(asConf == (try diff(conf.path, second, cache: nil)))
    }

    @Test("in one commit too, the same bytes as `a.ini` and `b.conf` are read each as its name says")
    func pathDialectWithinOneDiff() throws {
        // Before the key had the path's dialect, `a.ini`'s reading (read first) answered for `b.conf`.
        let content = "[cluster]\nmode = primary\n  failover = off\n"
        let (repo, commit) = try repository("cache-dialect", ["db/a.ini": content, "db/b.conf": content])
        defer { repo.remove() }
        let report = try diff(repo.path, commit, cache: nil)
        #expect(report.changes.map(\.file) == ["db/a.ini"])
        #expect(report.errors.map(\.file) == ["db/b.conf"])
    }

    @Test("the bounds hold: entries and bytes, the entry read since the hand passed kept")
    func bounded() throws {
        var files: [String: String] = [:]
        for index in 0..<6 { files["db/f\(index).yaml"] = "key\(index): \(index)\n" }
        let (repo, commit) = try repository("cache-bound", files)
        defer { repo.remove() }
        let byEntries = BlobSettingsCache(maxEntries: 2)
        let report = try diff(repo.path, commit, cache: byEntries)
        #expect(report.changes.count == 6)
        #expect(byEntries.count == 2)
        let byBytes = BlobSettingsCache(maxBytes: 3 * (8 + 64))
        _ = try diff(repo.path, commit, cache: byBytes)
        #expect(byBytes.bytes <= 3 * (8 + 64))
        #expect(byBytes.count == 3)
        // Nothing larger than the bound is kept at all.
        let tiny = BlobSettingsCache(maxBytes: 10)
        _ = try diff(repo.path, commit, cache: tiny)
        #expect(tiny.count == 0)
        #expect(tiny.bytes == 0)
    }

    @Test("many tasks share one cache: every report is the one read without it, and the bound holds")
    func concurrentUse() async throws {
        var files: [String: String] = [:]
        for index in 0..<12 { files["db/f\(index).yaml"] = "cluster:\n  key\(index): \(index)\n  ttl: 30\n" }
        let (one, first) = try repository("cache-concurrent-one", files)
        let (two, second) = try repository("cache-concurrent-two", files)
        defer {
            one.remove()
            two.remove()
        }
        let expected = [try diff(one.path, first, cache: nil), try diff(two.path, second, cache: nil)]
        let cache = BlobSettingsCache(maxEntries: 8)
        let pool = RepositoryPool()
        let reports = try await withThrowingTaskGroup(of: (Int, SettingsDiffReport).self) { group in
            for round in 0..<16 {
                let which = round % 2
                let (path, commit) = which == 0 ? (one.path, first) : (two.path, second)
                group.addTask {
                    let report = try pool.withRepository(at: path) { repository in
                        var differ = RepositorySettingsDiff(
                            repository: repository, selectors: [FileSelector("db/**")], sharedCache: cache)
                        return try differ.diff(from: nil, to: commit)
                    }
                    return (which, report)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reports.count == 16)
        for (which, report) in reports { #expect(report == expected[which]) }
        #expect(cache.count <= 8)
        #expect(cache.hits > 0)
    }
}

extension BlobSettingsCacheTests {
    @Test("a history scan with the shared cache lists what it lists without it, and a second scan reads from it")
    func historyScanShares() throws {
        var repo = try GitFixture(label: "cache-history")
        defer { repo.remove() }
        for value in [1, 2, 3, 2] {
            try repo.write("db/a.yaml", "failover:\n  ttl: \(value)\n")
            try repo.write("db/b.yaml", "replication:\n  lag: \(value * 10)\n")
            try repo.commit("set \(value)")
        }
        var query = HistoryQuery()
        query.settings = [try #require(KeyPathPattern("**"))]
        func scan(_ cache: BlobSettingsCache?) throws -> [HistoryCommit] {
            var scanner = HistoryScanner(
                repository: try Repository(path: repo.path), policy: nil, query: query, sharedCache: cache)
            var commits: [HistoryCommit] = []
            try scanner.scan(warning: { Issue.record("unexpected warning: \($0)") }) {
                commits.append($0)
                return true
            }
            return commits
        }
        let alone = try scan(nil)
        #expect(alone.count == 4)
        let cache = BlobSettingsCache()
        #expect(try scan(cache) == alone)
        let hitsBefore = cache.hits
        #expect(try scan(cache) == alone)
        #expect(cache.hits > hitsBefore)
    }
}
