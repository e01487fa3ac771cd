import ChangeGate
import Foundation
import Testing

/// Every filter of `audit log`, on a trail of hand-made records, through the library and the
/// command line (relative times against a fixed clock).
@Suite("Audit trail: queries")
struct AuditQueryTests {
    /// 2024-06-04T14:05:00Z: the responder's clock in the postmortem.
    static let now = 1_717_509_900

    static func record(
        _ minutesAgo: Int, source: AuditRecord.Source = .hook, repository: String = "/srv/shop.git",
        ref: String = "refs/heads/main", actor: String = "frank@example.com", author: String = "frank@example.com",
        keys: [(String, [String])] = [], decision: String = "allow", risk: Int = 0
    ) -> AuditRecord {
        var record = AuditRecord(
            time: now - minutesAgo * 60, source: source, repository: repository, ref: ref, head: "h\(minutesAgo)",
            actor: actor, decision: decision, accepted: decision != "deny")
        record.commits = [
            AuditRecord.Commit(id: "c\(minutesAgo)", author: author, committer: author, time: 0, subject: "s")
        ]
        record.changes = keys.map {
            AuditRecord.Change(
                file: "db/prod/patroni.yml", key: $0.0, kind: "modified", old: "1", new: "2", weight: 10, tags: $0.1)
        }
        record.risk = risk
        return record
    }

    /// Eight records, oldest first (sequence 1 … 8).
    static func trail() throws -> (SQLiteAuditStore, URL) {
        let folder = try Paths.temporaryDirectory("audit-query")
        let store = try SQLiteAuditStore(path: folder.appendingPathComponent("audit.sqlite").path)
        try store.append([
            record(60 * 24 * 3, keys: [("bootstrap.dcs.ttl", ["failover"])], risk: 25),  // 1: three days ago
            record(60 * 7, ref: "refs/heads/release/2024.6", actor: "dave@example.com", keys: [("app.pool", [])]),  // 2
            // 3
            record(60 * 5, source: .ci, keys: [("bootstrap.dcs.loop_wait", ["failover"])], decision: "deny", risk: 80),
            // 4
            record(
                60 * 2, repository: "/srv/other.git", keys: [("spec.instances", ["failover", "replication"])], risk: 30),
            record(50, author: "erin@example.com", keys: [("postgresql.parameters.work_mem", [])], risk: 5),  // 5
            AuditRecord.approval(
                commit: "h10", approver: "bob@example.com", ref: "refs/changegate/approvals/x", time: now - 600,
                repository: "/srv/shop.git"),  // 6
            record(10, keys: [("failover.members[0].priority", ["failover"])], decision: "warn", risk: 55),  // 7
            record(1, ref: "refs/heads/feature/x", keys: [("bootstrap.dcs.ttl", ["failover"])], risk: 25),  // 8
        ])
        return (store, folder)
    }

    static func sequences(_ store: SQLiteAuditStore, _ build: (inout AuditQuery) -> Void) throws -> [Int] {
        var query = AuditQuery()
        build(&query)
        return try store.entries(matching: query).map(\.record.sequence)
    }

    @Test("each filter narrows the trail as it says; newest first; the limit keeps the newest")
    func filters() throws {
        let (store, folder) = try Self.trail()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.sequences(store) { _ in } == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(try Self.sequences(store) { $0.since = Self.now - 6 * 3600 } == [8, 7, 6, 5, 4, 3])
        #expect(try Self.sequences(store) { $0.until = Self.now - 6 * 3600 } == [2, 1])
        #expect(try Self.sequences(store) { $0.repository = "/srv/other.git" } == [4])
        #expect(try Self.sequences(store) { $0.ref = "refs/heads/release/*" } == [2])
        #expect(try Self.sequences(store) { $0.ref = "refs/heads/*" } == [7, 5, 4, 3, 1])  // `*` stops at `/`
        #expect(try Self.sequences(store) { $0.ref = "refs/heads/**" } == [8, 7, 5, 4, 3, 2, 1])
        #expect(try Self.sequences(store) { $0.actor = "DAVE@example.com" } == [2])
        #expect(try Self.sequences(store) { $0.author = "erin@example.com" } == [5])
        #expect(try Self.sequences(store) { $0.settings = ["bootstrap.dcs.*"] } == [8, 3, 1])
        #expect(try Self.sequences(store) { $0.settings = ["**.priority", "spec.instances"] } == [7, 4])
        #expect(try Self.sequences(store) { $0.tags = ["replication"] } == [4])
        #expect(try Self.sequences(store) { $0.tags = ["failover"] } == [8, 7, 4, 3, 1])
        #expect(try Self.sequences(store) { $0.decision = "deny" } == [3])
        #expect(try Self.sequences(store) { $0.source = .approval } == [6])
        #expect(try Self.sequences(store) { $0.minimumRisk = 30 } == [7, 4, 3])
        #expect(try Self.sequences(store) { $0.limit = 3 } == [8, 7, 6])
        #expect(
            try Self.sequences(store) {
                $0.since = Self.now - 6 * 3600
                $0.tags = ["failover"]
                $0.minimumRisk = 50
            } == [7, 3])
        #expect(throws: AuditError.self) { try Self.sequences(store) { $0.settings = ["a..b"] } }
    }

    @Test("audit log on the command line: relative --since against --now, formats, and bad input")
    func commandLine() throws {
        let (_, folder) = try Self.trail()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        func log(_ arguments: [String]) throws -> Shell.Result {
            try Shell.run(
                [Paths.changegate.path, "audit", "log", "--audit", path, "--now", "2024-06-04T14:05:00Z"] + arguments)
        }
        let recent = try log(["--since", "6h", "--tag", "failover", "--format", "ndjson"])
        #expect(recent.status == 0, "\(recent.stderr)")
        let lines = recent.stdout.split(separator: "\n")
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.map { $0?["sequence"] as? Int } == [8, 7, 4, 3])
        #expect(objects.allSatisfy { ($0?["hash"] as? String)?.count == 64 })

        let table = try log(["--since", "2d", "--min-risk", "50"])
        #expect(table.stdout.split(separator: "\n").first?.hasPrefix("SEQ") == true)
        #expect(table.stdout.contains("bootstrap.dcs.loop_wait"))
        #expect(table.stdout.split(separator: "\n").count == 3)

        let csv = try log(["--format", "csv", "--decision", "deny"])
        #expect(csv.stdout.hasPrefix("sequence,time,source,"))
        #expect(csv.stdout.contains("\r\n3,2024-06-04T09:05:00Z,ci,"))

        let bad = try log(["--since", "yesterday"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("yesterday"))
        let badSource = try log(["--source", "cron"])
        #expect(badSource.status == 2)
        #expect(badSource.stderr.contains("expected hook, ci, service or approval"))

        let show = try Shell.run([Paths.changegate.path, "audit", "show", "--audit", path, "3"])
        #expect(show.stdout.contains("Record 3  2024-06-04T09:05:00Z  source ci"))
        #expect(show.stdout.contains("Decision: deny (refused)"))
        let export = try Shell.run([Paths.changegate.path, "audit", "export", "--audit", path, "--format", "json"])
        let exported = try #require(
            try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [[String: Any]])
        #expect(exported.map { $0["sequence"] as? Int } == Array(1...8).map { $0 })  // oldest first, the chain's order
    }

    @Test("audit log --explain: SQLite's plan, indexes for a setting and a time; no records printed")
    func explain() throws {
        let (_, folder) = try Self.trail()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        let plan = try Shell.run(
            [
                Paths.changegate.path, "audit", "log", "--audit", path, "--setting", "**.work_mem", "--since",
                "2024-06-01T00:00:00Z", "--explain",
            ])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("USING COVERING INDEX records_time"), "\(plan.stdout)")
        #expect(plan.stdout.contains("record_changes_sequence"), "\(plan.stdout)")
        #expect(!plan.stdout.contains("TEMP B-TREE"), "the window walked in order, not sorted: \(plan.stdout)")
        #expect(!plan.stdout.contains("work_mem"), "a plan, not the records: \(plan.stdout)")
        let newest = try Shell.run(
            [Paths.changegate.path, "audit", "log", "--audit", path, "--setting", "bootstrap.dcs.ttl", "--explain"])
        // Newest first by the primary key, no sort: it stops at the limit.
        #expect(!newest.stdout.contains("TEMP B-TREE"), "\(newest.stdout)")
        let both = try Shell.run([Paths.changegate.path, "audit", "log", "--audit", path, "--explain", "--follow"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("--explain"))
    }
}
