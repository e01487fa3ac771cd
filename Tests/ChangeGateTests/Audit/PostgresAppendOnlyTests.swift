import ChangeGate
import ChangeGatePostgres
import Foundation
import TestSupport
import Testing

/// The PostgreSQL trail is append-only in the database itself (the schema's triggers), and the
/// least-privilege set-up docs/audit.md gives works as written: writers insert, nobody updates or
/// deletes, readers only read.
@Suite("Audit stores: PostgreSQL append-only, and least privilege")
struct PostgresAppendOnlyTests {
    /// A chain of three records on the shared server.
    static func chain() async throws -> (PostgresTestServer, String, PostgresAuditStore) {
        let server = try PostgresTestServer.shared.get()
        let chain = "append-only-\(UUID().uuidString.prefix(8).lowercased())"
        let store = try await PostgresAuditStore.open(
            try PostgresLocation.parse(server.url(chain: chain), environment: [:]))
        let keys = [("bootstrap.dcs.ttl", ["failover"])]
        try await store.append([
            AuditQueryTests.record(3, keys: keys), AuditQueryTests.record(2, keys: keys), AuditQueryTests.record(1),
        ])
        return (server, chain, store)
    }

    @Test(
        "even the superuser, triggers on: no record or change edited, deleted or truncated; the head only forward",
        arguments: [
            ("UPDATE changegate_records SET decision = 'deny' WHERE chain = '%@' AND sequence = 2", "append-only"),
            ("DELETE FROM changegate_records WHERE chain = '%@' AND sequence = 3", "append-only"),
            ("UPDATE changegate_record_changes SET key = 'x' WHERE chain = '%@'", "append-only"),
            ("DELETE FROM changegate_record_changes WHERE chain = '%@'", "append-only"),
            ("TRUNCATE changegate_records", "append-only"),
            ("TRUNCATE changegate_record_changes", "append-only"),
            ("TRUNCATE changegate_chains CASCADE", "append-only"),
            ("DELETE FROM changegate_chains WHERE chain = '%@'", "append-only"),
            ("UPDATE changegate_chains SET records = 2 WHERE chain = '%@'", "may only move forward"),
            (
                "UPDATE changegate_chains SET records = 4, head_hash = repeat('a', 64) WHERE chain = '%@'",
                "may only move forward"
            ),
            ("UPDATE changegate_chains SET chain = 'elsewhere' WHERE chain = '%@'", "may only move forward"),
            (
                "INSERT INTO changegate_chains VALUES ('%@-ahead', 5, repeat('b', 64))",
                "must start with no records"
            ),
        ])
    func refused(_ statement: String, _ message: String) async throws {
        let (server, chain, store) = try await Self.chain()
        defer { store.close() }
        let before = try await store.head()
        let sql = statement.replacingOccurrences(of: "%@", with: chain)
        #expect(throws: PostgresTestServer.StartError.self) { try server.psql(sql) }
        do {
            try server.psql(sql)
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
        // Nothing moved: the same head, the whole chain, and appends go on.
        #expect(try await store.head() == before)
        #expect(try await store.verify().isIntact)
        #expect(try await store.entries(matching: AuditQuery()).count == 3)
        #expect(try await store.append([AuditQueryTests.record(0)]).first?.record.sequence == 4)
    }

    /// The fenced SQL block of docs/audit.md whose first line starts with `prefix`.
    static func documentedSQL(_ prefix: String) throws -> String {
        let text = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("docs/audit.md"), encoding: .utf8)
        let blocks = text.components(separatedBy: "```sql\n").dropFirst().map {
            $0.components(separatedBy: "\n```").first ?? ""
        }
        return try #require(blocks.first { $0.hasPrefix(prefix) }, "docs/audit.md has no SQL block '\(prefix)…'")
    }

    @Test("docs/audit.md's roles, as written: the writer appends and reads but edits nothing, the reader only reads")
    func leastPrivilege() async throws {
        // A server of its own: the roles are the whole cluster's.
        let server = try await OffPool.run { try PostgresTestServer.start() }
        _ = try await OffPool.run {
            try server.psqlScript(try Self.documentedSQL("-- 1. As a superuser"))
        }
        let chain = "main"
        // The owner creates the schema (`changegate audit init`); nobody else may.
        let writerURL = server.url(user: "changegate_writer", database: "changegate", chain: chain)
        let early = await #expect(throws: AuditError.self) {
            _ = try await PostgresAuditStore.open(try PostgresLocation.parse(writerURL, environment: [:]))
        }
        #expect(
            early?.kind == .schema && early?.message.contains("permission denied") == true
                && early?.message.contains("run `changegate audit init` as the role that owns the tables") == true,
            "\(early?.message ?? "")")
        let initialized = try await OffPool.run {
            try Shell.run([
                Paths.changegate.path, "audit", "init", "--audit",
                server.url(user: "changegate_owner", database: "changegate", chain: chain),
            ])
        }
        #expect(initialized.status == 0, "\(initialized.stderr)")
        #expect(initialized.stdout.contains("ready: the audit trail"), "\(initialized.stdout)")
        _ = try await OffPool.run {
            try server.psql(
                try Self.documentedSQL("-- 2. As changegate_owner"), user: "changegate_owner", database: "changegate")
        }

        let writer = try await PostgresAuditStore.open(try PostgresLocation.parse(writerURL, environment: [:]))
        defer { writer.close() }
        let appended = try await writer.append([AuditQueryTests.record(2), AuditQueryTests.record(1)])
        #expect(appended.map(\.record.sequence) == [1, 2])
        #expect(try await writer.entries(matching: AuditQuery()).count == 2)
        #expect(try await writer.verify().isIntact)
        for (sql, message) in [
            ("UPDATE changegate_records SET decision = 'deny'", "permission denied"),
            ("DELETE FROM changegate_records", "permission denied"),
            ("TRUNCATE changegate_records", "permission denied"),
            ("UPDATE changegate_chains SET records = 1", "may only move forward"),
            ("DELETE FROM changegate_migrations", "permission denied"),
            ("CREATE TABLE changegate_mine (x int)", "permission denied"),
            ("DROP TRIGGER changegate_records_append_only ON changegate_records", "must be owner"),
            ("SET session_replication_role = replica", "permission denied"),
        ] {
            let error = #expect(throws: PostgresTestServer.StartError.self, "\(sql)") {
                try server.psql(sql, user: "changegate_writer", database: "changegate")
            }
            #expect(error?.description.contains(message) == true, "\(sql): \(error?.description ?? "")")
        }

        let readerURL = server.url(user: "changegate_reader", database: "changegate", chain: chain)
        let reader = try await PostgresAuditStore.open(
            try PostgresLocation.parse(readerURL, environment: [:]), access: .readOnly)
        defer { reader.close() }
        #expect(try await reader.head()?.sequence == 2)
        #expect(try await reader.verify().isIntact)
        // Opened for writing, the reader's append is refused by the server, not by ChangeGate's flag.
        let readerAsWriter = try await PostgresAuditStore.open(try PostgresLocation.parse(readerURL, environment: [:]))
        defer { readerAsWriter.close() }
        let refused = await #expect(throws: AuditError.self) {
            try await readerAsWriter.append([AuditQueryTests.record(0)])
        }
        #expect(refused?.message.contains("permission denied") == true, "\(refused?.message ?? "")")
        #expect(try await reader.head()?.sequence == 2)

        // The schema as a release before the (file, key) index left it: the writer, who may not
        // create an index, still opens and writes (the trail means the same without it); the
        // owner's `audit init` adds it.
        let indexed = "SELECT count(*) FROM pg_indexes WHERE indexname = 'changegate_record_changes_file_key'"
        _ = try await OffPool.run {
            try server.psql(
                "DROP INDEX changegate_record_changes_file_key; DELETE FROM changegate_migrations WHERE version = 3",
                user: "changegate_owner", database: "changegate")
        }
        #expect(try server.psql(indexed, database: "changegate").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let older = try await PostgresAuditStore.open(try PostgresLocation.parse(writerURL, environment: [:]))
        defer { older.close() }
        #expect(try await older.append([AuditQueryTests.record(0)]).first?.record.sequence == 3)
        #expect(try server.psql(indexed, database: "changegate").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let reinitialized = try await OffPool.run {
            try Shell.run([
                Paths.changegate.path, "audit", "init", "--audit",
                server.url(user: "changegate_owner", database: "changegate", chain: chain),
            ])
        }
        #expect(reinitialized.status == 0, "\(reinitialized.stderr)")
        #expect(try server.psql(indexed, database: "changegate").trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }

    @Test("a schema version this release does not know: an index-only one is read and written, any other refused")
    func unknownVersions() async throws {
        let server = try await OffPool.run { try PostgresTestServer.start() }
        let url = server.url(chain: "main")
        let store = try await PostgresAuditStore.open(try PostgresLocation.parse(url, environment: [:]))
        _ = try await store.append([AuditQueryTests.record(1)])
        store.close()
        _ = try await OffPool.run {
            try server.psql("INSERT INTO changegate_migrations (version, name) VALUES (99, 'index: from the future')")
        }
        let reader = try await PostgresAuditStore.open(
            try PostgresLocation.parse(url, environment: [:]), access: .readOnly)
        #expect(try await reader.head()?.sequence == 1)
        reader.close()
        let writer = try await PostgresAuditStore.open(try PostgresLocation.parse(url, environment: [:]))
        #expect(try await writer.append([AuditQueryTests.record(0)]).first?.record.sequence == 2)
        writer.close()
        _ = try await OffPool.run {
            try server.psql("INSERT INTO changegate_migrations (version, name) VALUES (98, 'columns from the future')")
        }
        for access in [AuditAccess.readOnly, .readWrite] {
            let error = await #expect(throws: AuditError.self) {
                _ = try await PostgresAuditStore.open(try PostgresLocation.parse(url, environment: [:]), access: access)
            }
            #expect(
                error?.kind == .schema && error?.message.contains("at version 98, newer than this ChangeGate") == true,
                "\(error?.message ?? "")")
        }
    }
}
