import ChangeGate
import Foundation
import Testing

/// `AuditWorkflow` in process: the reads `changegate audit` makes, with the messages and exits the
/// CLI tests see (AuditQueryTests, AuditChainTests), on a real SQLite trail.
@Suite("Workflow: audit reads in process")
struct AuditWorkflowTests {
    @Test("filters become the query, relative times counted back from now; a bad filter is an error (exit 2)")
    func filters() throws {
        var filters = AuditWorkflow.Filters()
        filters.since = "2h"
        filters.now = "2024-06-04T14:00:00Z"
        filters.source = "ci"
        filters.settings = ["**.ttl"]
        let query = try AuditWorkflow.query(filters, repository: "/srv/git/a.git", limit: 5, clock: 0)
        #expect(query.since == 1_717_509_600 - 7_200)
        #expect(query.source == .ci && query.settings == ["**.ttl"] && query.limit == 5)
        #expect(query.repository == "/srv/git/a.git")

        filters.source = "cron"
        let error = try #require(throws: WorkflowError.self) {
            _ = try AuditWorkflow.query(filters, repository: nil, limit: nil, clock: 0)
        }
        #expect(error.message == "--source cron: expected hook, ci, service or approval" && error.exit == .error)
    }

    @Test("verify: a whole chain is ok (exit 0), an edited record is TAMPERED (exit 1), a bad --expect an error")
    func verify() throws {
        let folder = try Paths.temporaryDirectory("workflow-verify")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        let store = try SQLiteAuditStore(path: path)
        for time in [1_717_500_000, 1_717_500_060] {
            try store.append([
                AuditRecord(
                    time: time, source: .ci, repository: "/srv/git/a.git", ref: "refs/heads/main", base: nil,
                    head: nil, actor: "ci-bot", decision: "allow", accepted: true)
            ])
        }
        let trail = AuditWorkflow.Trail(location: path, repositoryPath: nil, environment: [:])
        let reader = try AuditWorkflow.openForReading(trail)
        let whole = try AuditWorkflow.verify(reader, expect: nil)
        #expect(whole.exit == .success)
        #expect(whole.lines.first?.hasPrefix("ok: 2 records, each chained to the one before") == true)

        let bad = try #require(throws: WorkflowError.self) { _ = try AuditWorkflow.verify(reader, expect: "2") }
        #expect(bad.message == "--expect 2: expected SEQ:HASH as `audit head` prints it")

        let missing = try #require(throws: WorkflowError.self) {
            _ = try AuditWorkflow.openForReading(
                AuditWorkflow.Trail(location: path + "-none", repositoryPath: nil, environment: [:]))
        }
        #expect(missing.message == "there is no audit trail at \(path)-none")

        try AuditChainTests.sqlite(path, "UPDATE records SET decision = 'deny' WHERE sequence = 2")
        let tampered = try AuditWorkflow.verify(try AuditWorkflow.openForReading(trail), expect: nil)
        #expect(tampered.exit == .refused)
        #expect(tampered.lines.first?.hasPrefix("TAMPERED: ") == true, "\(tampered.lines)")
    }
}
