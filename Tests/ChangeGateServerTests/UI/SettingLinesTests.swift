import ChangeGate
import Foundation
import Testing

@testable import ChangeGateServer

/// The decision page's file:line, read back from a real repository made with the `git` CLI.
@Suite("Server: the lines of a decision's settings")
struct SettingLinesTests {
    @Test("a present setting on its head's line, a removed one on its base's; unknown where the trail cannot say")
    func lines() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "changegate-lines-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let repository = try GateRepository(in: folder)
        var record = AuditRecord(
            time: 0, source: .service, repository: repository.bare.path, base: repository.master,
            head: repository.failoverHead, decision: "deny", accepted: false)
        var cut = AuditRecord.Change(
            file: "db/prod/patroni.yml", key: "cluster.failover.mode", kind: "modified", old: "\"a\"", new: "\"m\"",
            weight: 0, tags: [])
        cut.truncated = true
        record.changes = [
            // `mode: manual` is line 3 of the head's file.
            .init(
                file: "db/prod/patroni.yml", key: "cluster.failover.mode", kind: "modified", old: "\"automatic\"",
                new: "\"manual\"", weight: 20, tags: ["failover"]),
            // Removed: its line in the base (`comment: main`, line 5).
            .init(
                file: "db/prod/patroni.yml", key: "cluster.comment", kind: "removed", old: "\"main\"", new: nil,
                weight: 0, tags: []),
            .init(
                file: "db/prod/patroni.yml", key: "cluster.absent", kind: "added", old: nil, new: "1", weight: 0,
                tags: []),
            .init(file: "db/none.yml", key: "a", kind: "added", old: nil, new: "1", weight: 0, tags: []),
            cut,
        ]
        #expect(SettingLines.lines(of: record, repositoryPath: repository.bare.path) == [3, 5, nil, nil, nil])
        // No served repository, or one that is not there: every line unknown, nothing thrown.
        #expect(SettingLines.lines(of: record, repositoryPath: nil) == [nil, nil, nil, nil, nil])
        #expect(
            SettingLines.lines(of: record, repositoryPath: folder.path + "/missing.git") == [nil, nil, nil, nil, nil])
        // A head named by a ref would be read as the ref is now, not as it was judged: unknown.
        record.head = "failover"
        #expect(SettingLines.lines(of: record, repositoryPath: repository.bare.path).first == .some(nil))
        // A commit the repository does not have (rewritten away): unknown.
        record.head = String(repeating: "0", count: 39) + "1"
        #expect(SettingLines.lines(of: record, repositoryPath: repository.bare.path).first == .some(nil))
    }
}
