import ChangeGate
import Foundation
import Testing

/// `audit migrate` in the library (``AuditMigration``), between SQLite and memory trails in this
/// process; between SQLite and PostgreSQL through the command line in ``PostgresCLITests``.
@Suite("Audit migration: the same chain in another store, resumably")
struct AuditMigrationTests {
    static func source(_ count: Int = 12) throws -> MemoryAuditStore {
        let store = MemoryAuditStore()
        for minutes in (1...count).reversed() { try store.append([AuditQueryTests.record(minutes)]) }
        return store
    }

    static func sqlite(_ folder: URL, _ name: String = "to.sqlite") throws -> SQLiteAuditStore {
        try SQLiteAuditStore(path: folder.appendingPathComponent(name).path)
    }

    @Test("into an empty SQLite trail in batches: every record's sequence, time, body and hash; run again, nothing")
    func intoEmpty() throws {
        let folder = try Paths.temporaryDirectory("migrate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try Self.source()
        let destination = try Self.sqlite(folder)
        var batches: [Int] = []
        let outcome = try AuditMigration(
            source: source, destination: destination, sourceName: "memory", destinationName: "to.sqlite", batch: 5
        ).run { batches.append($0) }
        #expect(batches == [5, 10, 12])
        #expect(outcome.copied == 12 && outcome.alreadyThere == 0)
        #expect(outcome.head == (try source.head()))
        #expect(try destination.entries(from: 1, limit: 100) == (try source.entries(from: 1, limit: 100)))
        #expect(
            outcome.lines.last
                == "ok: both trails verify and end at the same head \(try #require(outcome.head)) (source and destination)"
        )
        let again = try AuditMigration(
            source: source, destination: destination, sourceName: "memory", destinationName: "to.sqlite"
        ).run()
        #expect(again.copied == 0 && again.alreadyThere == 12 && again.head == outcome.head)
    }

    @Test("resumes after an interruption: the destination's prefix stays, the rest is copied")
    func resumes() throws {
        let folder = try Paths.temporaryDirectory("migrate-resume")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try Self.source()
        let destination = try Self.sqlite(folder)
        try destination.append(copies: try source.entries(from: 1, limit: 7))
        let outcome = try AuditMigration(
            source: source, destination: destination, sourceName: "memory", destinationName: "to.sqlite", batch: 2
        ).run()
        #expect(outcome.alreadyThere == 7 && outcome.copied == 5)
        #expect(try destination.verify().head == (try source.head()))
    }

    @Test(
        "refuses a destination that is not the source's prefix, naming the first record that differs",
        arguments: [1, 4, 9])
    func notAPrefix(_ differing: Int) throws {
        let folder = try Paths.temporaryDirectory("migrate-other")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try Self.source()
        let destination = try Self.sqlite(folder)
        try destination.append(copies: try source.entries(from: 1, limit: differing - 1))
        try destination.append([AuditQueryTests.record(99, actor: "mallory@example.com")])
        // Records after the one that differs, so that the search has to look below the head.
        try destination.append([AuditQueryTests.record(98), AuditQueryTests.record(97)])
        let before = try destination.head()
        let error = try #require(throws: WorkflowError.self) {
            _ = try AuditMigration(
                source: source, destination: destination, sourceName: "memory", destinationName: "to.sqlite"
            ).run()
        }
        #expect(error.message.contains("record \(differing) differs"), "\(error)")
        #expect(error.message.contains("nothing was copied"))
        #expect(try destination.head() == before)
    }

    @Test("a destination longer than the source is refused; an empty source copies nothing")
    func longerDestination() throws {
        let folder = try Paths.temporaryDirectory("migrate-longer")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try Self.source(3)
        let destination = try Self.sqlite(folder)
        try destination.append(copies: try source.entries(from: 1, limit: 3))
        try destination.append([AuditQueryTests.record(0)])
        let error = try #require(throws: WorkflowError.self) {
            _ = try AuditMigration(source: source, destination: destination, sourceName: "s", destinationName: "d")
                .run()
        }
        #expect(error.message.contains("record 4 differs"), "\(error)")
        let empty = try AuditMigration(
            source: MemoryAuditStore(), destination: try Self.sqlite(folder, "empty.sqlite"), sourceName: "s",
            destinationName: "d"
        ).run()
        #expect(empty.copied == 0 && empty.head == nil && empty.lines.last == "ok: both trails are empty")
    }

    @Test("a record altered in transit is refused with its batch; what came before it stays, and verifies")
    func alteredInTransit() throws {
        let folder = try Paths.temporaryDirectory("migrate-forged")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try Self.source()
        let destination = try Self.sqlite(folder)
        let forging = ForgingStore(source: source, forged: 5)
        let error = try #require(throws: WorkflowError.self) {
            _ = try AuditMigration(
                source: forging, destination: destination, sourceName: "memory", destinationName: "to.sqlite", batch: 2
            ).run()
        }
        #expect(error.message.contains("the copy of record 5 is refused"), "\(error)")
        #expect(try destination.head()?.sequence == 4)
        #expect(try destination.verify().isIntact)
    }

    @Test("a source that does not verify is not copied")
    func brokenSource() throws {
        let folder = try Paths.temporaryDirectory("migrate-broken")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try Self.source()
        source.tamper { kept in kept.remove(at: 3) }
        let destination = try Self.sqlite(folder)
        let error = try #require(throws: WorkflowError.self) {
            _ = try AuditMigration(source: source, destination: destination, sourceName: "s", destinationName: "d")
                .run()
        }
        #expect(error.message.contains("the source s does not verify (record 4"), "\(error)")
        #expect(try destination.head() == nil)
    }
}

/// A source whose reads for copying alter one record's body, as a man in the middle could.
struct ForgingStore: AuditStore {
    var source: MemoryAuditStore
    var forged: Int

    func entries(from sequence: Int, limit: Int) throws(AuditError) -> [AuditEntry] {
        try source.entries(from: sequence, limit: limit).map { entry in
            guard entry.record.sequence == forged else { return entry }
            var altered = entry
            altered.body = entry.body.replacingOccurrences(of: #""decision":"allow""#, with: #""decision":"deny""#)
            return altered
        }
    }
    func append(_ records: [AuditRecord]) throws(AuditError) -> [AuditEntry] { try source.append(records) }
    func append(_ records: [AuditRecord], waitLimit: Duration?, commitIf: () -> Bool) throws(AuditError)
        -> [AuditEntry]
    {
        try source.append(records, waitLimit: waitLimit, commitIf: commitIf)
    }
    func append(copies entries: [AuditEntry]) throws(AuditError) -> AuditHead? { try source.append(copies: entries) }
    func entries(matching query: AuditQuery) throws(AuditError) -> [AuditEntry] { try source.entries(matching: query) }
    func entry(sequence: Int) throws(AuditError) -> AuditEntry? { try source.entry(sequence: sequence) }
    func head() throws(AuditError) -> AuditHead? { try source.head() }
    func verify() throws(AuditError) -> AuditVerification { try source.verify() }
    func approvals(of commit: String) throws(AuditError) -> [AuditRecord] { try source.approvals(of: commit) }
}
