import Foundation
import GRDB
import PolicyDSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The embedded audit store: one SQLite file (WAL mode), schema by GRDB's migrator.
///
/// `records` holds each record's canonical JSON (`body`) with its chain hashes, plus a few of its
/// fields copied into columns, and `record_changes` one row per changed setting, so that queries
/// use indexes; ``verify()`` checks the copies against the bodies too, so an edit anywhere is found.
/// Appends run in `BEGIN IMMEDIATE` transactions: SQLite's write lock serializes them across
/// processes, and each reads the chain's end inside its own transaction.
public struct SQLiteAuditStore: AuditStore {
    public let path: String
    private let database: DatabaseQueue

    /// Opens (creating when needed) the store at `path`.
    public init(path: String) throws(AuditError) {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw AuditError(.open, "cannot create \(folder) for the audit trail: \(error.localizedDescription)")
            }
        }
        var configuration = Configuration()
        // Hooks of simultaneous pushes wait for each other's appends rather than fail.
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            db.add(function: Self.keyMatches)
            db.add(function: Self.globMatches)
        }
        do {
            // First opens race to create the schema: one at a time, under a lock file.
            database = try Self.withFileLock(path + ".lock") {
                let database = try DatabaseQueue(path: path, configuration: configuration)
                try database.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA journal_mode = WAL")
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                }
                try Self.migrator.migrate(database)
                return database
            }
        } catch let error as AuditError {
            throw error
        } catch {
            throw AuditError(.open, "cannot open the audit trail \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: records, changes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE records (
                      sequence INTEGER PRIMARY KEY,
                      time INTEGER NOT NULL,
                      source TEXT NOT NULL,
                      repository TEXT NOT NULL,
                      ref TEXT,
                      head TEXT,
                      actor TEXT,
                      people TEXT NOT NULL,
                      decision TEXT NOT NULL,
                      risk INTEGER NOT NULL,
                      body TEXT NOT NULL,
                      previous_hash TEXT NOT NULL,
                      hash TEXT NOT NULL
                    );
                    CREATE INDEX records_time ON records(time);
                    CREATE INDEX records_head ON records(head, source);
                    CREATE TABLE record_changes (
                      sequence INTEGER NOT NULL,
                      file TEXT NOT NULL,
                      key TEXT NOT NULL,
                      tags TEXT NOT NULL
                    );
                    CREATE INDEX record_changes_sequence ON record_changes(sequence);
                    CREATE INDEX record_changes_key ON record_changes(key);
                    """)
        }
        return migrator
    }

    // MARK: - Appending

    @discardableResult
    public func append(_ records: [AuditRecord]) throws(AuditError) -> [AuditEntry] {
        guard !records.isEmpty else { return [] }
        do {
            return try database.writeWithoutTransaction { db in
                var entries: [AuditEntry] = []
                try db.inTransaction(.immediate) {
                    let last = try Row.fetchOne(
                        db, sql: "SELECT sequence, hash FROM records ORDER BY sequence DESC LIMIT 1")
                    var sequence: Int = last?["sequence"] ?? 0
                    var previous: String = last?["hash"] ?? AuditEntry.genesis
                    for var record in records {
                        sequence += 1
                        record.sequence = sequence
                        let entry = try AuditEntry(chaining: record, after: previous)
                        try Self.insert(entry, into: db)
                        entries.append(entry)
                        previous = entry.hash
                    }
                    return .commit
                }
                return entries
            }
        } catch let error as AuditError {
            throw error
        } catch {
            throw AuditError(.write, "cannot write to the audit trail \(path): \(error)")
        }
    }

    private static func insert(_ entry: AuditEntry, into db: Database) throws {
        let record = entry.record
        try db.execute(
            sql: """
                INSERT INTO records (sequence, time, source, repository, ref, head, actor, people, decision, risk,
                  body, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.sequence, record.time, record.source.rawValue, record.repository, record.ref, record.head,
                record.actor, peopleColumn(record), record.decision, record.risk, entry.body, entry.previousHash,
                entry.hash,
            ])
        for change in record.changes {
            try db.execute(
                sql: "INSERT INTO record_changes (sequence, file, key, tags) VALUES (?, ?, ?, ?)",
                arguments: [record.sequence, change.file, change.key, tagsColumn(change.tags)])
        }
    }

    /// `,a@x,b@y,`: a `LIKE '%,a@x,%'` finds one person exactly.
    static func peopleColumn(_ record: AuditRecord) -> String { "," + record.people.joined(separator: ",") + "," }
    static func tagsColumn(_ tags: [String]) -> String { "," + tags.joined(separator: ",") + "," }

    // MARK: - Reading

    public func entries(matching query: AuditQuery) throws(AuditError) -> [AuditEntry] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let since = query.since {
            conditions.append("time >= ?")
            arguments.append(since)
        }
        if let until = query.until {
            conditions.append("time < ?")
            arguments.append(until)
        }
        if let repository = query.repository {
            conditions.append("repository = ?")
            arguments.append(repository)
        }
        if let ref = query.ref {
            conditions.append("ref IS NOT NULL AND changegate_glob(?, ref)")
            arguments.append(ref)
        }
        if let head = query.head {
            conditions.append("head = ?")
            arguments.append(head)
        }
        if let actor = query.actor {
            conditions.append("lower(actor) = lower(?)")
            arguments.append(actor)
        }
        if let author = query.author {
            conditions.append("people LIKE ? ESCAPE '\\'")
            arguments.append("%," + Self.escapeLike(author.lowercased()) + ",%")
        }
        if let decision = query.decision {
            conditions.append("decision = ?")
            arguments.append(decision)
        }
        if let source = query.source {
            conditions.append("source = ?")
            arguments.append(source.rawValue)
        }
        if let minimum = query.minimumRisk {
            conditions.append("risk >= ?")
            arguments.append(minimum)
        }
        if !query.settings.isEmpty || !query.tags.isEmpty {
            var inner: [String] = []
            if !query.settings.isEmpty {
                for pattern in query.settings {
                    guard KeyPathPattern(pattern) != nil else {
                        throw AuditError(.query, "--setting \(pattern) is not a key pattern")
                    }
                }
                inner.append(
                    "(" + query.settings.map { _ in "changegate_key_matches(?, c.key)" }.joined(separator: " OR ") + ")"
                )
                arguments += query.settings.map { $0 as (any DatabaseValueConvertible)? }
            }
            if !query.tags.isEmpty {
                inner.append("(" + query.tags.map { _ in "c.tags LIKE ? ESCAPE '\\'" }.joined(separator: " OR ") + ")")
                arguments += query.tags.map { "%," + Self.escapeLike($0) + ",%" }
            }
            // Correlated on the sequence: newest records first, stopping at the limit.
            conditions.append(
                "EXISTS (SELECT 1 FROM record_changes c WHERE c.sequence = records.sequence AND "
                    + inner.joined(separator: " AND ") + ")")
        }
        var sql = "SELECT sequence, body, previous_hash, hash FROM records"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY sequence DESC"
        if let limit = query.limit {
            sql += " LIMIT ?"
            arguments.append(limit)
        }
        let statementArguments = StatementArguments(arguments)
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map(Self.entry)
        }
    }

    public func entry(sequence: Int) throws(AuditError) -> AuditEntry? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT sequence, body, previous_hash, hash FROM records WHERE sequence = ?",
                arguments: [sequence]
            ).map(Self.entry)
        }
    }

    public func head() throws(AuditError) -> AuditHead? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT sequence, hash FROM records ORDER BY sequence DESC LIMIT 1").map {
                AuditHead(sequence: $0["sequence"], hash: $0["hash"])
            }
        }
    }

    /// The approvals of `commit`, counted only when the trail verifies from the first of them to its
    /// end (each body hashes to its hash and names the hash before it) and each body says what its
    /// columns say: an approval edited in place, or one inserted without re-hashing everything after
    /// it, is refused rather than counted. O(records since the first approval), not O(trail). A trail
    /// re-hashed as a whole still passes: only a witness (`audit verify --expect`) catches that.
    public func approvals(of commit: String) throws(AuditError) -> [AuditRecord] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT sequence, actor, body, previous_hash, hash FROM records WHERE head = ? AND source = ?
                      ORDER BY sequence
                    """,
                arguments: [commit, AuditRecord.Source.approval.rawValue])
            guard let first: Int = rows.first?["sequence"] else { return [] }
            try Self.verifyLinks(db, from: first)
            return try rows.map { row in
                let record = try Self.entry(row).record
                let sequence: Int = row["sequence"]
                let actor: String? = row["actor"]
                guard record.sequence == sequence, record.source == .approval, record.head == commit,
                    record.actor == actor
                else {
                    throw Self.notVerifying(sequence, "its columns do not say what its content says")
                }
                return record
            }
        }
    }

    /// Checks that every record from `start` to the end is chained: sequence numbers without gaps, each
    /// body hashing to its stored hash, each naming the hash of the one before.
    private static func verifyLinks(_ db: Database, from start: Int) throws {
        var previous = AuditEntry.genesis
        if start > 1 {
            guard
                let hash: String = try String.fetchOne(
                    db, sql: "SELECT hash FROM records WHERE sequence = ?", arguments: [start - 1])
            else { throw notVerifying(start - 1, "it is missing") }
            previous = hash
        }
        var expected = start
        let rows = try Row.fetchCursor(
            db, sql: "SELECT sequence, body, previous_hash, hash FROM records WHERE sequence >= ? ORDER BY sequence",
            arguments: [start])
        while let row = try rows.next() {
            let sequence: Int = row["sequence"]
            let body: String = row["body"]
            let storedPrevious: String = row["previous_hash"]
            let hash: String = row["hash"]
            guard sequence == expected else { throw notVerifying(expected, "it is missing") }
            guard storedPrevious == previous, AuditEntry.hash(body: body, previousHash: previous) == hash else {
                throw notVerifying(sequence, "its content or its link to the record before was changed")
            }
            previous = hash
            expected += 1
        }
    }

    private static func notVerifying(_ sequence: Int, _ what: String) -> AuditError {
        AuditError(
            .corrupt,
            "the audit trail does not verify at record \(sequence) (\(what)), so its approvals are not counted; "
                + "run `changegate audit verify` and restore the trail from a copy checked against a witness")
    }

    private static func entry(_ row: Row) throws -> AuditEntry {
        let body: String = row["body"]
        return AuditEntry(
            record: try AuditEntry.decode(body: body), body: body, previousHash: row["previous_hash"], hash: row["hash"]
        )
    }

    private func read<T>(_ body: (Database) throws -> T) throws(AuditError) -> T {
        do {
            return try database.read(body)
        } catch let error as AuditError {
            throw error
        } catch {
            throw AuditError(.read, "cannot read the audit trail \(path): \(error)")
        }
    }

    // MARK: - Verifying

    public func verify() throws(AuditError) -> AuditVerification {
        try read { db in
            var verification = AuditVerification(records: 0, head: nil, problem: nil)
            func fail(_ sequence: Int, _ message: String) -> AuditVerification {
                verification.problem = AuditVerification.Problem(sequence: sequence, message: message)
                return verification
            }
            // The indexed copies of each record's changes, in insertion order.
            var indexed: [Int: [String]] = [:]
            let changes = try Row.fetchCursor(
                db, sql: "SELECT sequence, file, key, tags FROM record_changes ORDER BY rowid")
            while let row = try changes.next() {
                let sequence: Int = row["sequence"]
                let file: String = row["file"]
                let key: String = row["key"]
                let tags: String = row["tags"]
                indexed[sequence, default: []].append("\(file)\u{0}\(key)\u{0}\(tags)")
            }
            var expected = 1
            var previousHash = AuditEntry.genesis
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT sequence, time, source, repository, ref, head, actor, people, decision, risk, body,
                      previous_hash, hash FROM records ORDER BY sequence
                    """)
            while let row = try rows.next() {
                let sequence: Int = row["sequence"]
                if sequence != expected {
                    return fail(
                        expected,
                        sequence > expected
                            ? "missing: the trail jumps from record \(expected - 1) to \(sequence) (deleted)"
                            : "sequence numbers out of order at \(sequence)")
                }
                let body: String = row["body"]
                let storedPrevious: String = row["previous_hash"]
                let hash: String = row["hash"]
                guard AuditEntry.hash(body: body, previousHash: storedPrevious) == hash else {
                    return fail(sequence, "its content was edited: the hash of what is stored is not its recorded hash")
                }
                guard let record = try? AuditEntry.decode(body: body) else {
                    return fail(sequence, "its content is not a record")
                }
                guard record.sequence == sequence else {
                    return fail(sequence, "it holds record \(record.sequence)'s content: records were reordered")
                }
                guard storedPrevious == previousHash else {
                    return fail(
                        sequence,
                        "it does not follow record \(sequence - 1) (the previous hash differs): records were deleted, "
                            + "inserted or reordered before it")
                }
                let columns: [(String, String?, String?)] = [
                    ("time", String(row["time"] as Int), String(record.time)),
                    ("source", row["source"], record.source.rawValue),
                    ("repository", row["repository"], record.repository),
                    ("ref", row["ref"], record.ref),
                    ("head", row["head"], record.head),
                    ("actor", row["actor"], record.actor),
                    ("people", row["people"], Self.peopleColumn(record)),
                    ("decision", row["decision"], record.decision),
                    ("risk", String(row["risk"] as Int), String(record.risk)),
                ]
                for (name, stored, recorded) in columns where stored != recorded {
                    return fail(
                        sequence,
                        "column \(name) was edited: it says \(stored ?? "NULL"), the record says \(recorded ?? "NULL")")
                }
                let recordedChanges = record.changes.map { "\($0.file)\u{0}\($0.key)\u{0}\(Self.tagsColumn($0.tags))" }
                if indexed.removeValue(forKey: sequence) ?? [] != recordedChanges {
                    return fail(sequence, "its indexed settings (record_changes) were edited")
                }
                previousHash = hash
                verification.records = sequence
                verification.head = AuditHead(sequence: sequence, hash: hash)
                expected += 1
            }
            if let stray = indexed.keys.min() {
                return fail(stray, "record_changes holds settings of a record that is not in the trail")
            }
            return verification
        }
    }

    // MARK: - SQL functions

    /// `changegate_key_matches(pattern, key)`: a policy key pattern (`**.failover.*`).
    static let keyMatches = DatabaseFunction("changegate_key_matches", argumentCount: 2, pure: true) { values in
        guard let pattern = String.fromDatabaseValue(values[0]), let key = String.fromDatabaseValue(values[1]) else {
            return false
        }
        return KeyPathPattern(pattern)?.matches(key) ?? false
    }

    /// `changegate_glob(pattern, ref)`: a path glob (`refs/heads/release/*`).
    static let globMatches = DatabaseFunction("changegate_glob", argumentCount: 2, pure: true) { values in
        guard let pattern = String.fromDatabaseValue(values[0]), let value = String.fromDatabaseValue(values[1]) else {
            return false
        }
        return Glob(pattern).matches(value)
    }

    private static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    private static func withFileLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AuditError(.open, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw AuditError(.open, "cannot lock \(path): \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
