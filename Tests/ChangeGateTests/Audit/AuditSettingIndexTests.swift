import ChangeGate
import Foundation
import Testing

/// One setting's history (`--file F --key K`, the web view's setting page) is answered from the
/// changes' (file, key) index: its own changes, newest first, not a scan of the trail. The index
/// is an index-only migration: a trail from before it reads the same, its first writer adds it,
/// and a reader accepts one it does not know. `sqlite3` on the file is the oracle.
@Suite("Audit trail: a setting's history through the (file, key) index")
struct AuditSettingIndexTests {
    static let file = "db/eu-west/pg-7/patroni.yml"
    static let key = "bootstrap.dcs.ttl"

    /// The records that change `key` in `file`, newest first, as SQLite itself lists them.
    static func oracle(_ path: String) throws -> [Int] {
        let result = try Shell.run([
            "sqlite3", path,
            "SELECT DISTINCT sequence FROM record_changes WHERE file = '\(file)' AND key = '\(key)' "
                + "ORDER BY sequence DESC",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap { Int($0) }
    }

    /// What `audit log --file --key` lists, newest first.
    static func listed(_ path: String, extra: [String] = []) throws -> [Int] {
        let result = try AuditFailClosedTests.changegate(
            ["audit", "log", "--audit", path, "--file", file, "--key", key, "--limit", "100000", "--format", "json"]
                + extra)
        #expect(result.status == 0, "\(result.stderr)")
        struct Row: Decodable { var sequence: Int }
        return try JSONDecoder().decode([Row].self, from: Data(result.stdout.utf8)).map(\.sequence)
    }

    static func explain(_ path: String) throws -> String {
        let result = try AuditFailClosedTests.changegate(
            ["audit", "log", "--audit", path, "--file", file, "--key", key, "--explain"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    static func indexes(_ path: String) throws -> (index: Bool, migration: Bool) {
        let index = try Shell.run([
            "sqlite3", path, "SELECT count(*) FROM sqlite_master WHERE name = 'record_changes_file_key'",
        ])
        let migration = try Shell.run([
            "sqlite3", path, "SELECT count(*) FROM grdb_migrations WHERE identifier LIKE 'index: %'",
        ])
        return (index.stdout.hasPrefix("1"), migration.stdout.hasPrefix("1"))
    }

    @Test("--file and --key list exactly the records that change that key in that file, from the index, unsorted")
    func throughTheIndex() throws {
        let (folder, path) = try AuditFailClosedTests.trail("setting-index")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try AuditFailClosedTests.fill(path, records: 4_000, batch: 500).status == 0)
        let expected = try Self.oracle(path)
        #expect(expected.count >= 2, "the seeded trail changes the key in the file: \(expected)")
        #expect(try Self.listed(path) == expected)
        // The limit keeps the newest; --before pages on.
        #expect(try Self.listed(path, extra: ["--limit", "1"]) == Array(expected.prefix(1)))
        let plan = try Self.explain(path)
        #expect(plan.contains("record_changes_file_key"), "\(plan)")
        #expect(!plan.contains("TEMP B-TREE"), "walked in order, not sorted: \(plan)")
        #expect(!plan.contains("SCAN"), "no table scanned: \(plan)")
    }

    @Test("verify compares the settings' copies by bytes: a key rewritten into another Unicode form is an edit")
    func normalizationEdit() throws {
        let (folder, path) = try AuditFailClosedTests.trail("setting-index-nfd")
        defer { try? FileManager.default.removeItem(at: folder) }
        let records = [
            AuditQueryTests.record(3, keys: [("bootstrap.dcs.ttl", [])]),
            AuditQueryTests.record(2, keys: [("caf\u{E9}.ttl", [])]),
            AuditQueryTests.record(1, keys: [("bootstrap.dcs.ttl", [])]),
        ]
        _ = try SQLiteAuditStore(path: path).append(records)
        #expect(try AuditChainTests.verify(path).status == 0)
        var query = AuditQuery()
        query.file = records[1].changes[0].file
        query.key = "caf\u{E9}.ttl"
        #expect(try SQLiteAuditStore(path: path, access: .readOnly).entries(matching: query).count == 1)
        // The same text to String's ==, other bytes to the queries: the record would vanish from
        // the setting's history while verify said nothing.
        try AuditChainTests.sqlite(
            path, "UPDATE record_changes SET key = 'cafe' || char(769) || '.ttl' WHERE sequence = 2")
        #expect(try SQLiteAuditStore(path: path, access: .readOnly).entries(matching: query).isEmpty)
        let verified = try AuditChainTests.verify(path)
        #expect(verified.status != 0)
        #expect(verified.stdout.contains("record 2") || verified.stdout.contains("Record 2"), "\(verified.stdout)")
        #expect(verified.stdout.contains("record_changes"), "\(verified.stdout)")
    }

    @Test(
        "a trail from before the index reads the same; its first writer adds it; an unknown index-only migration is read"
    )
    func migration() throws {
        let (folder, path) = try AuditFailClosedTests.trail("setting-index-old")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try AuditFailClosedTests.fill(path, records: 2_000, batch: 500).status == 0)
        #expect(try Self.indexes(path) == (true, true))
        // The trail as the release before the index left it.
        try AuditChainTests.sqlite(
            path, "DROP INDEX record_changes_file_key; DELETE FROM grdb_migrations WHERE identifier LIKE 'index: %'")
        try AuditFailClosedTests.checkpoint(path)
        #expect(try Self.indexes(path) == (false, false))
        let before = try Self.oracle(path)
        #expect(try Self.listed(path) == before, "read without the index, the same records")
        #expect(!(try Self.explain(path)).contains("record_changes_file_key"))
        #expect(try Self.indexes(path) == (false, false), "a reader changes nothing")

        #expect(try AuditFailClosedTests.fill(path, records: 500, batch: 500, seed: 2).status == 0)
        #expect(try Self.indexes(path) == (true, true), "the first writer adds the index and records it")
        let after = try Self.oracle(path)
        #expect(after.count >= before.count)
        #expect(try Self.listed(path) == after)

        // A newer release's index is no reason to refuse the trail; a newer schema is (AuditFailClosedTests).
        try AuditChainTests.sqlite(path, "INSERT INTO grdb_migrations VALUES ('index: from the future')")
        let verified = try AuditFailClosedTests.changegate(["audit", "verify", "--audit", path])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(try Self.listed(path) == after)
    }
}
