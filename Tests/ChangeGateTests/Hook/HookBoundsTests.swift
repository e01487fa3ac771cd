import ChangeGate
import Foundation
import Testing

/// The bytes one decision reads are bounded in the hook too (issue 15, item 4): a push whose config
/// files pass the bound is refused before any of them is read, and its record stays small.
@Suite("changegate hook: the bytes a decision reads")
struct HookBoundsTests {
    @Test("a push of large config files over --max-read-bytes is refused, naming the files and the bound")
    func pushOverTheBound() throws {
        var s = try HookPushTests.makeSetup(install: ["--max-read-bytes", "100000"])
        defer { s.remove() }
        // Three 50 kB files (distinct: one blob is read once): each far under the per-file limit,
        // together over the bound.
        for index in 0..<3 {
            let body = (0..<3000).map { "key\($0): value-\(index)-\($0)" }.joined(separator: "\n") + "\n"
            try s.work.write("db/prod/big-\(index).yaml", body)
        }
        try s.work.commit("three large files", author: "Frank <frank@example.com>")
        let result = try s.push(["HEAD:refs/heads/main"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("over the bound of 100,000 bytes"), "\(result.stderr)")
        #expect(result.stderr.contains("db/prod/big-0.yaml"))
        let trail = try SQLiteAuditStore(path: s.server.url.appendingPathComponent("changegate/audit.sqlite").path)
        let record = try #require(try trail.entries(matching: HookPushTests.decisions).first?.record)
        #expect(record.decision == "error" && !record.accepted)
        #expect(record.changes.isEmpty)
        // Within the default bound the same push is judged on its merits (no watched setting: allowed).
        _ = try HookInstaller(repository: try Repository(path: s.server.path)).uninstall()
        try Shell.check([Paths.changegate.path, "hook", "install", "--repo", s.server.path])
        let judged = try s.push(["HEAD:refs/heads/main"])
        #expect(judged.status == 0, "\(judged.stderr)")
    }
}
