import Foundation
import GRDB

extension SQLiteAuditStore {
    /// Walks the chain and the indexed copies of each record's settings together, both in sequence
    /// order (a merge join: memory stays flat however long the trail), runs SQLite's integrity check
    /// over the whole file, and compares the trail with the local witness.
    ///
    /// - Returns: The records checked, the head, the first problem of the chain, the integrity
    ///   check's findings and the local witness's; a broken chain is a finding, not a throw.
    /// - Throws: ``AuditError`` when the trail cannot be read at all.
    public func verify() throws(AuditError) -> AuditVerification { try verify(progress: { _ in }) }

    /// ``verify()``, telling `progress` the records walked every few thousand and at the end of
    /// the walk (SQLite's integrity check of the whole file follows it).
    ///
    /// - Parameter progress: Called with the records checked so far.
    /// - Returns: As ``verify()``.
    /// - Throws: As ``verify()``.
    public func verify(progress: @escaping @Sendable (Int) -> Void) throws(AuditError) -> AuditVerification {
        // The witness first, then the trail: a head read this way was committed before it was read.
        let witness = AuditLocalWitness(trail: path)
        let recorded = try witness.read()
        return try read { db in
            var verification = AuditVerification(records: 0, head: nil, problem: nil)
            verification.localWitness = recorded
            do {
                verification.problem = try Self.walkChain(db, into: &verification, progress: progress)
            } catch let error as DatabaseError where Self.isDamage(error) {
                verification.problem = AuditVerification.Problem(
                    sequence: verification.records + 1,
                    message: "it cannot be read: the file is damaged there (SQLite: \(error.message ?? "\(error)"))")
            }
            // Damaged pages and indexes that no longer match their tables pass the walk above, which
            // reads the tables alone; appends and queries then run over them (integrity_check also
            // compares each index with its table, which quick_check does not).
            let findings = try String.fetchAll(db, sql: "PRAGMA integrity_check(20)")
            if findings != ["ok"] { verification.damage = findings }
            if let recorded {
                let hash = try? String.fetchOne(
                    db, sql: "SELECT hash FROM records WHERE sequence = ?", arguments: [recorded.sequence])
                let last = try? Row.fetchOne(
                    db, sql: "SELECT sequence, hash FROM records ORDER BY sequence DESC LIMIT 1")
                let head = last.flatMap { row -> AuditHead? in
                    guard let sequence = Int.fromDatabaseValue(row["sequence"]),
                        let hash = String.fromDatabaseValue(row["hash"])
                    else { return nil }
                    return AuditHead(sequence: sequence, hash: hash)
                }
                verification.localWitnessProblem = witness.problem(
                    recorded: recorded, hash: hash, trailHead: head)
            }
            return verification
        }
    }

    /// The first problem of the chain, counting what verifies into `verification`.
    private static func walkChain(
        _ db: Database, into verification: inout AuditVerification, progress: (Int) -> Void
    ) throws -> AuditVerification.Problem? {
        func problem(_ sequence: Int, _ message: String) -> AuditVerification.Problem {
            AuditVerification.Problem(sequence: sequence, message: message)
        }
        // (sequence, rowid) is the order of the index on sequence: no sort, no table in memory.
        let changes = try Row.fetchCursor(
            db, sql: "SELECT sequence, file, key, tags FROM record_changes ORDER BY sequence, rowid")
        var pending = try changes.next()
        /// The indexed copies of `sequence`'s changes, in insertion order; stray rows before it throw.
        func indexed(_ sequence: Int) throws -> [String]? {
            var copies: [String] = []
            while let row = pending {
                guard let owner = Int.fromDatabaseValue(row["sequence"]) else { return nil }
                if owner < sequence { return nil }  // a record's settings whose record is not in the trail
                if owner > sequence { break }
                let file = String.fromDatabaseValue(row["file"]) ?? "\u{1}"
                let key = String.fromDatabaseValue(row["key"]) ?? "\u{1}"
                let tags = String.fromDatabaseValue(row["tags"]) ?? "\u{1}"
                copies.append("\(file)\u{0}\(key)\u{0}\(tags)")
                pending = try changes.next()
            }
            return copies
        }
        // The chain's own checks are every store's (AuditChainVerifier); the copies in columns and in
        // record_changes are SQLite's.
        var verifier = AuditChainVerifier()
        defer {
            verification.records = verifier.records
            verification.head = verifier.head
            progress(verifier.records)
        }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT sequence, time, source, repository, ref, head, actor, people, decision, risk, body,
                  previous_hash, hash FROM records ORDER BY sequence
                """)
        while let row = try rows.next() {
            let found = try verifier.next(
                sequence: Int.fromDatabaseValue(row["sequence"]), body: String.fromDatabaseValue(row["body"]),
                previousHash: String.fromDatabaseValue(row["previous_hash"]),
                hash: String.fromDatabaseValue(row["hash"])
            ) { sequence, record in
                let columns: [(String, String?, String?)] = [
                    ("time", Int.fromDatabaseValue(row["time"]).map(String.init), String(record.time)),
                    ("source", String.fromDatabaseValue(row["source"]), record.source.rawValue),
                    ("repository", String.fromDatabaseValue(row["repository"]), record.repository),
                    ("ref", String.fromDatabaseValue(row["ref"]), record.ref),
                    ("head", String.fromDatabaseValue(row["head"]), record.head),
                    ("actor", String.fromDatabaseValue(row["actor"]), record.actor),
                    ("people", String.fromDatabaseValue(row["people"]), peopleColumn(record)),
                    ("decision", String.fromDatabaseValue(row["decision"]), record.decision),
                    ("risk", Int.fromDatabaseValue(row["risk"]).map(String.init), String(record.risk)),
                ]
                // Bytes, as queries select by them: String's == takes another Unicode normalization
                // of a column (an é spelled as e and a combining accent) for the same text, which
                // would hide an edit that makes a record vanish from `--file`/`--key` queries.
                func same(_ a: String?, _ b: String?) -> Bool {
                    switch (a, b) {
                    case (nil, nil): true
                    case (let a?, let b?): a.utf8.elementsEqual(b.utf8)
                    default: false
                    }
                }
                for (name, stored, recorded) in columns where !same(stored, recorded) {
                    return problem(
                        sequence,
                        "column \(name) was edited: it says \(stored ?? "NULL"), the record says \(recorded ?? "NULL")"
                    )
                }
                guard let copies = try indexed(sequence) else {
                    let stray = pending.flatMap { Int.fromDatabaseValue($0["sequence"]) } ?? sequence
                    return problem(stray, "record_changes holds settings of a record that is not in the trail")
                }
                let recordedChanges = record.changes.map { "\($0.file)\u{0}\($0.key)\u{0}\(tagsColumn($0.tags))" }
                if copies.count != recordedChanges.count
                    || zip(copies, recordedChanges).contains(where: { !same($0, $1) })
                {
                    return problem(sequence, "its indexed settings (record_changes) were edited")
                }
                return nil
            }
            if let found { return found }
            if verifier.records % auditProgressStep == 0 { progress(verifier.records) }
        }
        if let stray = pending {
            return problem(
                Int.fromDatabaseValue(stray["sequence"]) ?? verifier.records + 1,
                "record_changes holds settings of a record that is not in the trail")
        }
        return nil
    }
}
