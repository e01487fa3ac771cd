import ChangeGate
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The audit trail as an auditor attacks it: real SQLite files, many writer processes at once, a
/// writer killed mid-append, rows edited, deleted and swapped with the `sqlite3` command line.
@Suite("Audit trail: chain, concurrency, tampering")
struct AuditChainTests {
    /// `ChangeGateAuditFill`, built beside `changegate`: appends synthetic records, in a process of its own.
    static var filler: URL {
        Paths.changegate.deletingLastPathComponent().appendingPathComponent("ChangeGateAuditFill")
    }

    static func fill(_ path: String, records: Int, batch: Int = 1, seed: Int = 1) throws {
        let result = try Shell.run([
            filler.path, "--records", "\(records)", "--batch", "\(batch)", "--seed", "\(seed)", path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
    }

    static func sqlite(_ path: String, _ sql: String) throws {
        let result = try Shell.run(["sqlite3", path, sql])
        #expect(result.status == 0, "sqlite3: \(result.stderr)")
    }

    static func verify(_ path: String, expect: String? = nil) throws -> Shell.Result {
        try Shell.run(
            [Paths.changegate.path, "audit", "verify", "--audit", path] + (expect.map { ["--expect", $0] } ?? []))
    }

    @Test("16 processes appending 100 records each at once give 1,600 records and a chain that verifies")
    func concurrentAppends() throws {
        let folder = try Paths.temporaryDirectory("audit-concurrent")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        var processes: [Process] = []
        for seed in 1...16 {
            let process = Process()
            process.executableURL = Self.filler
            process.arguments = ["--records", "100", "--seed", "\(seed)", path]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            processes.append(process)
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let store = try SQLiteAuditStore(path: path)
        let verification = try store.verify()
        #expect(verification.problem == nil)
        #expect(verification.records == 1_600)
        #expect(try store.head()?.sequence == 1_600)
        // Every writer's records are there (each labels its commits' subjects with its own pid).
        let all = try store.entries(matching: AuditQuery())
        #expect(all.count == 1_600)
        #expect(Set(all.map(\.record.sequence)) == Set(1...1_600))
        let verified = try Self.verify(path)
        #expect(verified.status == 0)
        #expect(verified.stdout.contains("ok: 1600 records"))
    }

    @Test("a writer killed with SIGKILL mid-append leaves a store that opens and verifies")
    func killedWriter() throws {
        let folder = try Paths.temporaryDirectory("audit-kill")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        try Self.fill(path, records: 10)
        for attempt in 0..<3 {
            let process = Process()
            process.executableURL = Self.filler
            // Batches of 50 in one transaction: the kill lands inside one.
            process.arguments = ["--records", "1000000", "--batch", "50", "--seed", "\(attempt)", path]
            try process.run()
            usleep(useconds_t(150_000 + attempt * 100_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
        }
        let store = try SQLiteAuditStore(path: path)
        let verification = try store.verify()
        #expect(verification.problem == nil, "\(String(describing: verification.problem))")
        #expect(verification.records > 10)
        #expect(verification.records % 50 == 10, "a transaction was cut in half: \(verification.records) records")
        // And appending goes on after it.
        try Self.fill(path, records: 5)
        #expect(try store.verify().records == verification.records + 5)
    }

    @Test(
        "edits, deletions and swaps made with sqlite3 are each caught by verify, naming the record",
        arguments: [
            ("the body", "UPDATE records SET body = replace(body, '\"risk\":', '\"risk\":1') WHERE sequence = 7", 7),
            ("a column", "UPDATE records SET actor = 'mallory@example.com' WHERE sequence = 8", 8),
            (
                "the decision column",
                "UPDATE records SET decision = CASE decision WHEN 'allow' THEN 'deny' ELSE 'allow' END WHERE sequence = 9",
                9
            ),
            ("a time", "UPDATE records SET time = time + 1 WHERE sequence = 10", 10),
            ("a hash", "UPDATE records SET hash = '" + String(repeating: "a", count: 64) + "' WHERE sequence = 11", 11),
            // Approvals have no settings: the first record from 12 on that has one (looked up below).
            (
                "an indexed setting",
                "UPDATE record_changes SET key = 'tampered.key' WHERE rowid = (SELECT min(rowid) FROM record_changes WHERE sequence >= 12)",
                -1
            ),
            ("a deleted row", "DELETE FROM records WHERE sequence = 13", 13),
            (
                "two swapped rows",
                "UPDATE records SET sequence = -1 WHERE sequence = 14; UPDATE records SET sequence = 14 WHERE sequence = 15; UPDATE records SET sequence = 15 WHERE sequence = -1",
                14
            ),
        ] as [(String, String, Int)])
    func tampering(what: String, sql: String, record: Int) throws {
        let folder = try Paths.temporaryDirectory("audit-tamper")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        try Self.fill(path, records: 30, batch: 30)
        #expect(try Self.verify(path).status == 0)
        var record = record
        if record < 0 {
            let first = try Shell.run([
                "sqlite3", path, "SELECT min(sequence) FROM record_changes WHERE sequence >= 12",
            ])
            record = try #require(Int(first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        try Self.sqlite(path, sql)
        let result = try Self.verify(path)
        #expect(result.status == 1, "\(what): \(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("TAMPERED: record \(record):"), "\(what): \(result.stdout)")
    }

    @Test("an export re-hashed by Python's hashlib gives the same chain and head (no ChangeGate code involved)")
    func exportRehashedIndependently() throws {
        let folder = try Paths.temporaryDirectory("audit-export")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        try Self.fill(path, records: 40, batch: 7)
        let export = try Shell.run([Paths.changegate.path, "audit", "export", "--audit", path, "--format", "ndjson"])
        #expect(export.status == 0)
        let script = """
            import hashlib, re, sys
            previous = "0" * 64
            for line in sys.stdin.read().splitlines():
                m = re.search(r',"hash":"([0-9a-f]{64})","previousHash":"([0-9a-f]{64})"}$', line)
                body = line[:m.start()] + "}"
                assert m.group(2) == previous, "previous hash"
                previous = hashlib.sha256((previous + "\\n" + body).encode()).hexdigest()
                assert previous == m.group(1), "hash"
            print(previous)
            """
        let python = try Shell.run(["python3", "-c", script], input: Data(export.stdout.utf8))
        #expect(python.status == 0, "\(python.stderr)")
        let head = try #require(try SQLiteAuditStore(path: path).head())
        #expect(head.sequence == 40)
        #expect(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == head.hash)
    }

    @Test("a cut tail passes verify alone and is caught by verify --expect with the witness's head")
    func cutTail() throws {
        let folder = try Paths.temporaryDirectory("audit-tail")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        try Self.fill(path, records: 20, batch: 20)
        let head = try Shell.run([Paths.changegate.path, "audit", "head", "--audit", path])
        #expect(head.status == 0)
        let witness = head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(witness.hasPrefix("20:") && witness.count == 3 + 64)
        #expect(try Self.verify(path, expect: witness).status == 0)

        try Self.sqlite(path, "DELETE FROM record_changes WHERE sequence > 18; DELETE FROM records WHERE sequence > 18")
        // This machine's own witness (`audit.sqlite.head`) sees the cut; whoever can cut the trail can
        // remove that too, and then only a head kept elsewhere does.
        let local = try Self.verify(path)
        #expect(local.status == 1)
        #expect(local.stdout.contains("this trail ends at record 18, but this machine recorded head \(witness)"))
        try FileManager.default.removeItem(atPath: path + ".head")
        #expect(try Self.verify(path).status == 0)  // what is left is a whole chain
        let cut = try Self.verify(path, expect: witness)
        #expect(cut.status == 1)
        #expect(cut.stdout.contains("TAMPERED: record 20:"))
        #expect(cut.stdout.contains("cut off the end"))

        // A rewritten tail of the same length is caught too.
        try Self.fill(path, records: 2, seed: 99)
        let rewritten = try Self.verify(path, expect: witness)
        #expect(rewritten.status == 1)
        #expect(rewritten.stdout.contains("the trail was rewritten"))
    }
}
