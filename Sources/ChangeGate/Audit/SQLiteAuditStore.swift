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
///
/// Every wait is bounded by the caller's `waitLimit` (the lock file, SQLite's write lock): a trail
/// held by another process fails with ``AuditError/Kind/locked`` rather than holding a push.
public struct SQLiteAuditStore: AuditStore {
    /// Whether the store may write (``AuditAccess``; the name is kept for its callers).
    public typealias Access = AuditAccess

    /// How the store talks to the file. The CLI and the hook are one process doing one thing: one
    /// connection (`queue`). A server answering many readers at once takes a `pool` (GRDB's
    /// `DatabasePool`: one writer, and readers that run beside it and each other on WAL snapshots).
    /// Writes take the same path either way: the lock file, then `BEGIN IMMEDIATE`.
    public enum Connections: Sendable, Hashable {
        /// One connection (GRDB's `DatabaseQueue`).
        case queue
        /// One writer and concurrent readers (GRDB's `DatabasePool`).
        case pool
    }

    /// What `check` and the `audit` commands wait for a trail held by another process.
    public static let defaultWaitLimit: Duration = .seconds(10)

    public let path: String
    public let access: Access
    /// The longest any one wait (the lock file, SQLite's write lock) lasts.
    public let waitLimit: Duration
    public let connections: Connections
    private let database: any DatabaseWriter
    /// The file opened, to see at commit whether the path still names it.
    private let identity: FileIdentity?
    /// For a trail read as immutable (no WAL beside it): the file as it was, to see a writer start.
    private let immutableSnapshot: FileIdentity?
    private var witness: AuditLocalWitness { AuditLocalWitness(trail: path) }

    /// Opens the store at `path`: for writing (creating it when needed), or for reading only.
    /// No wait lasts longer than `waitLimit`. A `pool` reads only a trail in WAL mode (every trail a
    /// writer created is), and never as immutable: its readers need the `-shm` file; they wait for
    /// a lock (WAL makes that rare: a recovery, a checkpoint's end) GRDB's 10 s, not `waitLimit`.
    ///
    /// - Parameters:
    ///   - path: The trail's file.
    ///   - access: Whether to open it for writing (creating and migrating it when needed) or for
    ///     reading only.
    ///   - waitLimit: The longest wait for another process's lock.
    ///   - connections: One connection, or a pool for concurrent readers.
    /// - Throws: ``AuditError``: ``AuditError/Kind/open`` when the file cannot be opened, created
    ///   or migrated, ``AuditError/Kind/schema`` for a schema this version does not know,
    ///   ``AuditError/Kind/witness`` when a trail opened for writing does not hold this machine's
    ///   local witness's head, ``AuditError/Kind/locked`` when the wait ran out.
    public init(
        path: String, access: Access = .readWrite, waitLimit: Duration = Self.defaultWaitLimit,
        connections: Connections = .queue
    ) throws(AuditError) {
        self.path = path
        self.access = access
        self.waitLimit = waitLimit
        self.connections = connections
        switch access {
        case .readWrite:
            (database, identity) = try Self.openForWriting(path, waitLimit: waitLimit, connections: connections)
            immutableSnapshot = nil
        case .readOnly:
            (database, immutableSnapshot) = try Self.openForReading(
                path, waitLimit: waitLimit, connections: connections)
            identity = nil
        }
        if access == .readWrite { try checkLocalWitness() }
    }

    private static func configuration(readonly: Bool, waitLimit: Duration) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = readonly
        // Hooks of simultaneous pushes wait for each other's appends rather than fail, up to the limit.
        configuration.busyMode = .timeout(Double(milliseconds(waitLimit)) / 1000)
        configuration.prepareDatabase { db in
            db.add(function: Self.keyMatches)
            db.add(function: Self.globMatches)
        }
        return configuration
    }

    private static func openForWriting(_ path: String, waitLimit: Duration, connections: Connections)
        throws(AuditError) -> (any DatabaseWriter, FileIdentity?)
    {
        let deadline = ContinuousClock.now + waitLimit
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw AuditError(.open, "cannot create \(folder) for the audit trail: \(error.localizedDescription)")
            }
        }
        // A trail gone while its witness remains: refuse before creating an empty one in its place.
        let witness = AuditLocalWitness(trail: path)
        if !FileManager.default.fileExists(atPath: path), let recorded = try witness.read() {
            let problem = witness.problem(recorded: recorded, hash: nil, trailHead: nil) ?? ""
            throw AuditError(.witness, "the audit trail \(path) is missing: \(problem); \(witness.recovery)")
        }
        do {
            // First opens race to create the schema: one at a time, under a lock file.
            let database = try withFileLock(path, until: deadline, limit: waitLimit) {
                let settings = configuration(readonly: false, waitLimit: remaining(until: deadline))
                let database: any DatabaseWriter =
                    switch connections {
                    case .queue: try DatabaseQueue(path: path, configuration: settings)
                    // GRDB's pool turns WAL on itself; the PRAGMA below leaves it on.
                    case .pool: try DatabasePool(path: path, configuration: settings)
                    }
                try database.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA journal_mode = WAL")
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                }
                try Self.migrator.migrate(database)
                return database
            }
            return (database, FileIdentity(path))
        } catch {
            throw describe(error, path: path, waitLimit: waitLimit, otherwise: .open, "cannot open the audit trail")
        }
    }

    /// Opens without writing anything. A trail with a write-ahead log beside it (a writer at work,
    /// or one that died) is read through SQLite's shared memory, which reads the log's records too;
    /// one without is read as immutable, which needs neither `-shm` nor `-wal` and so works where
    /// nothing can be created (SQLite cannot otherwise open a WAL database there).
    private static func openForReading(_ path: String, waitLimit: Duration, connections: Connections)
        throws(AuditError) -> (any DatabaseWriter, FileIdentity?)
    {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AuditError(.open, "there is no audit trail at \(path)")
        }
        if connections == .pool {
            do {
                let database = try DatabasePool(
                    path: path, configuration: configuration(readonly: true, waitLimit: waitLimit))
                try database.read { db in
                    // Readers beside a writer need WAL; a read-only pool cannot turn it on itself.
                    let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"
                    guard mode.lowercased() == "wal" else {
                        throw AuditError(
                            .open,
                            "the audit trail \(path) is not in WAL mode (journal mode \(mode)), so it cannot be read "
                                + "by concurrent readers; open it once for writing, which turns WAL on")
                    }
                    try checkSchema(db, path: path)
                }
                return (database, nil)
            } catch {
                throw describe(error, path: path, waitLimit: waitLimit, otherwise: .open, "cannot open the audit trail")
            }
        }
        let log = FileIdentity(path + "-wal")
        let sharedMemory = FileManager.default.fileExists(atPath: path + "-shm")
        let immutable = log == nil || (log?.size == 0 && !sharedMemory)
        let snapshot = immutable ? FileIdentity(path) : nil
        do {
            let database = try DatabaseQueue(
                path: immutable ? immutableURI(path) : path,
                configuration: configuration(readonly: true, waitLimit: waitLimit))
            try database.read { db in try checkSchema(db, path: path) }
            return (database, snapshot)
        } catch {
            throw describe(error, path: path, waitLimit: waitLimit, otherwise: .open, "cannot open the audit trail")
        }
    }

    /// `file:/abs/path?immutable=1`: SQLite reads the file without locks or side files.
    private static func immutableURI(_ path: String) -> String {
        let absolute =
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let escaped = absolute.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "?", with: "%3f")
            .replacingOccurrences(of: "#", with: "%23")
        return "file:" + escaped + "?immutable=1"
    }

    /// The migrations this version knows; a trail with others was written by a newer one.
    static let knownMigrations: Set<String> = ["v1: records, changes", fileKeyIndex]

    /// A migration that only adds an index is named `index: …`. Readers accept one they do not
    /// know: it changes no data and no query's meaning, only its speed, so a trail that a newer
    /// writer indexed stays readable by this version (SQLite keeps the index up to date for every
    /// writer, whichever version). Releases before this rule refuse such a trail as newer.
    static let indexOnlyPrefix = "index: "

    /// Changes by file and key, in record order: a setting's history walks its own changes, newest
    /// first, instead of the trail (``AuditQuery/key``).
    static let fileKeyIndex = indexOnlyPrefix + "record_changes(file, key, sequence)"

    /// A reader cannot migrate: it checks that the schema is one it knows.
    private static func checkSchema(_ db: Database, path: String) throws {
        let tables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
        guard tables.isSuperset(of: ["records", "record_changes", "grdb_migrations"]) else {
            throw AuditError(
                .schema,
                "\(path) is not an audit trail (it has no records table); name the trail with --audit PATH")
        }
        let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        let unknown = applied.filter { !knownMigrations.contains($0) && !$0.hasPrefix(indexOnlyPrefix) }
        guard unknown.isEmpty else {
            throw AuditError(
                .schema,
                "the trail's schema has changes this version does not know (\(unknown.joined(separator: ", "))): "
                    + "it was written by a newer ChangeGate; read it with that version")
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
        // On an existing trail the first writer builds it (docs/audit.md gives the time per million
        // records); readers meanwhile read without it, slower.
        migrator.registerMigration(fileKeyIndex) { db in
            try db.execute(sql: "CREATE INDEX record_changes_file_key ON record_changes(file, key, sequence)")
        }
        return migrator
    }

    // MARK: - Appending

    @discardableResult
    public func append(_ records: [AuditRecord]) throws(AuditError) -> [AuditEntry] {
        try append(records, waitLimit: nil, commitIf: { true })
    }

    /// Appends like ``append(_:)``, waiting at most `waitLimit` (default: the store's) for the
    /// trail's locks, and commits only if `commitIf`, called inside the write transaction right
    /// before COMMIT, says so: when it returns false the transaction is rolled back, nothing is
    /// recorded, and ``AuditError/Kind/deadline`` is thrown. The hook passes its remaining budget
    /// and whether its deadline is still ahead.
    @discardableResult
    ///
    /// - Parameters:
    ///   - records: The records to append.
    ///   - waitLimit: The longest wait for the trail's locks; nil for the store's.
    ///   - commitIf: Called inside the write transaction right before it commits; false rolls it
    ///     back.
    /// - Returns: The records as stored.
    /// - Throws: ``AuditError``: ``AuditError/Kind/write`` on a store opened read-only or a failed
    ///   write, ``AuditError/Kind/locked``, ``AuditError/Kind/deadline``,
    ///   ``AuditError/Kind/replaced`` when the file at the path is no longer the one opened;
    ///   nothing is recorded in any case.
    public func append(_ records: [AuditRecord], waitLimit: Duration? = nil, commitIf: () -> Bool)
        throws(AuditError) -> [AuditEntry]
    {
        guard access == .readWrite else {
            throw AuditError(.write, "the audit trail \(path) was opened read-only; it cannot be appended to")
        }
        guard !records.isEmpty else { return [] }
        let limit = waitLimit ?? self.waitLimit
        let deadline = ContinuousClock.now + limit
        do {
            // Appenders also queue on the lock file, so that each writes the local witness after its
            // commit and before the next appender commits: the witness never goes back.
            return try Self.withFileLock(path, until: deadline, limit: limit) {
                let entries = try database.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA busy_timeout = \(Self.milliseconds(Self.remaining(until: deadline)))")
                    var entries: [AuditEntry] = []
                    try db.inTransaction(.immediate) {
                        let last = try Row.fetchOne(
                            db, sql: "SELECT sequence, hash FROM records ORDER BY sequence DESC LIMIT 1")
                        var sequence: Int = last?["sequence"] ?? 0
                        var previous: String = last?["hash"] ?? AuditEntry.genesis
                        try checkLocalWitness(
                            db, head: last.map { AuditHead(sequence: $0["sequence"], hash: $0["hash"]) })
                        for var record in records {
                            sequence += 1
                            record.sequence = sequence
                            let entry = try AuditEntry(chaining: record, after: previous)
                            try Self.insert(entry, into: db)
                            entries.append(entry)
                            previous = entry.hash
                        }
                        try checkIdentity()
                        guard commitIf() else {
                            throw AuditError(
                                .deadline,
                                "the append to the audit trail \(path) was rolled back because its deadline passed "
                                    + "before it could commit: nothing of it was recorded")
                        }
                        return .commit
                    }
                    return entries
                }
                if let last = entries.last {
                    // Best effort: a witness left behind by a failed write lags, never raises a false alarm.
                    try? witness.write(AuditHead(sequence: last.record.sequence, hash: last.hash))
                }
                return entries
            }
        } catch {
            throw Self.describe(
                error, path: path, waitLimit: limit, otherwise: .write, "cannot write to the audit trail")
        }
    }

    /// Appends entries copied from another trail as they are (``AuditStore/append(copies:)``), under
    /// the same locks as ``append(_:waitLimit:commitIf:)``, and moves the local witness after them.
    @discardableResult
    public func append(copies entries: [AuditEntry]) throws(AuditError) -> AuditHead? {
        guard access == .readWrite else {
            throw AuditError(.write, "the audit trail \(path) was opened read-only; it cannot be appended to")
        }
        let limit = waitLimit
        let deadline = ContinuousClock.now + limit
        do {
            return try Self.withFileLock(path, until: deadline, limit: limit) {
                let head = try database.writeWithoutTransaction { db -> AuditHead? in
                    try db.execute(sql: "PRAGMA busy_timeout = \(Self.milliseconds(Self.remaining(until: deadline)))")
                    var head: AuditHead?
                    try db.inTransaction(.immediate) {
                        let last = try Row.fetchOne(
                            db, sql: "SELECT sequence, hash FROM records ORDER BY sequence DESC LIMIT 1")
                        head = last.map { AuditHead(sequence: $0["sequence"], hash: $0["hash"]) }
                        try checkLocalWitness(db, head: head)
                        var check = AuditCopyCheck(after: head)
                        for entry in entries {
                            let checked = try check.next(entry)
                            try Self.insert(checked, into: db)
                            head = AuditHead(sequence: checked.record.sequence, hash: checked.hash)
                        }
                        try checkIdentity()
                        return .commit
                    }
                    return head
                }
                if let head, !entries.isEmpty {
                    // Best effort, as after an append: a witness that lags never raises a false alarm.
                    try? witness.write(head)
                }
                return head
            }
        } catch {
            throw Self.describe(
                error, path: path, waitLimit: limit, otherwise: .write, "cannot copy into the audit trail")
        }
    }

    /// Refuses to write into a file that the path no longer names: the record would be lost with it.
    private func checkIdentity() throws(AuditError) {
        guard let identity else { return }
        let now = FileIdentity(path)
        guard now?.device != identity.device || now?.inode != identity.inode else { return }
        throw AuditError(
            .replaced,
            "the audit trail \(path) was "
                + (now == nil ? "deleted" : "replaced by another file") + " while in use, so the append was rolled "
                + "back and nothing was recorded (a record written into a file nobody reads is lost): find out who "
                + "removed it, restore it, and run `changegate audit verify`")
    }

    /// Refuses a trail that does not hold the head this machine recorded after its last append.
    private func checkLocalWitness() throws(AuditError) {
        // The witness first, then the trail: a head read this way was committed before it was read.
        guard let recorded = try witness.read() else { return }
        do {
            try database.read { db in
                let last = try Row.fetchOne(
                    db, sql: "SELECT sequence, hash FROM records ORDER BY sequence DESC LIMIT 1")
                try checkLocalWitness(
                    db, head: last.map { AuditHead(sequence: $0["sequence"], hash: $0["hash"]) }, recorded)
            }
        } catch {
            throw Self.describe(
                error, path: path, waitLimit: waitLimit, otherwise: .open, "cannot open the audit trail")
        }
    }

    private func checkLocalWitness(_ db: Database, head: AuditHead?, _ recorded: AuditHead? = nil) throws {
        guard let recorded = try recorded ?? witness.read() else { return }
        let hash = try String.fetchOne(
            db, sql: "SELECT hash FROM records WHERE sequence = ?", arguments: [recorded.sequence])
        if let problem = witness.problem(recorded: recorded, hash: hash, trailHead: head) {
            throw AuditError(.witness, "the audit trail \(path) cannot be appended to: \(problem); \(witness.recovery)")
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
        var damaged: [AuditDamage] = []
        let entries = try entries(matching: query, damaged: &damaged)
        if let first = damaged.first {
            throw AuditError(.corrupt, "the audit trail \(path) is damaged: \(first); run `changegate audit verify`")
        }
        return entries
    }

    /// The records that match, newest first, skipping each damaged one (a body that is not a record,
    /// a page SQLite cannot read) and naming it in `damaged`, so that one bad record hides only itself.
    ///
    /// - Parameters:
    ///   - query: What to select, and at most how many.
    ///   - damaged: Gets each record skipped as damaged.
    /// - Returns: The entries that could be read, newest first.
    /// - Throws: ``AuditError`` when the query is invalid or the trail cannot be read at all.
    public func entries(matching query: AuditQuery, damaged: inout [AuditDamage]) throws(AuditError)
        -> [AuditEntry]
    {
        let joined = Self.drivenByChanges(query)
        let (conditions, arguments) = try Self.conditions(query, joined: joined)
        let matcher = AuditQuery.Matcher(query)
        var found: [AuditEntry] = []
        var skipped: [AuditDamage] = []
        let limit = query.limit ?? Int.max
        try read { db in
            // Fast: one scan. On a page SQLite cannot read, go on record by record below the last one read.
            var below: Int?
            do {
                let sql = Self.selection(query, conditions, joined: joined)
                let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
                while found.count < limit, let row = try rows.next() {
                    let sequence: Int? = row["sequence"]
                    // Driven by the changes, a record with the same file and key twice comes twice, in a row.
                    if joined, let sequence, sequence == below { continue }
                    below = sequence ?? below
                    Self.take(row, matching: matcher, into: &found, damaged: &skipped)
                }
                return
            } catch let error as DatabaseError where Self.isDamage(error) {
                below = try below ?? ((Int.fetchOne(db, sql: "SELECT max(sequence) FROM records") ?? 0) + 1)
            }
            let (conditions, arguments) = try Self.conditions(query, joined: false)
            var sql = "SELECT sequence, body, previous_hash, hash FROM records WHERE sequence = ?"
            if !conditions.isEmpty { sql += " AND " + conditions.joined(separator: " AND ") }
            var sequence = (below ?? 1) - 1
            while found.count < limit, sequence > 0 {
                do {
                    if let row = try Row.fetchOne(
                        db, sql: sql,
                        arguments: StatementArguments([sequence as (any DatabaseValueConvertible)?] + arguments))
                    {
                        Self.take(row, matching: matcher, into: &found, damaged: &skipped)
                    }
                } catch let error as DatabaseError where Self.isDamage(error) {
                    skipped.append(
                        AuditDamage(sequence: sequence, reason: "SQLite cannot read it: \(error.message ?? "\(error)")")
                    )
                }
                sequence -= 1
            }
        }
        damaged += skipped
        return found
    }

    public func queryPlan(for query: AuditQuery) throws(AuditError) -> String? {
        let joined = Self.drivenByChanges(query)
        let (conditions, arguments) = try Self.conditions(query, joined: joined)
        let sql = "EXPLAIN QUERY PLAN " + Self.selection(query, conditions, joined: joined)
        return try read { db in
            // Rows of (id, parent, detail): indented by depth, as the sqlite3 shell shows them.
            var depth: [Int: Int] = [0: -1]
            var lines: [String] = []
            for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)) {
                let id: Int = row["id"]
                let parent: Int = row["parent"]
                let level = (depth[parent] ?? -1) + 1
                depth[id] = level
                lines.append(String(repeating: "  ", count: level) + (row["detail"] as String))
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Whether the query is answered by walking one file's one key in the changes' index, newest
    /// first, each change joined to its record: a setting's history then reads its own changes,
    /// however rare among the trail's records (a scan of the records, newest first, probes every
    /// record until it has found enough, which for a rare setting is the whole trail).
    private static func drivenByChanges(_ query: AuditQuery) -> Bool { query.file != nil && query.key != nil }

    /// The query's SQL, newest first. `joined`: from the changes (``drivenByChanges(_:)``), whose
    /// conditions then name `c` directly; CROSS JOIN keeps SQLite from reordering the loops.
    private static func selection(_ query: AuditQuery, _ conditions: [String], joined: Bool) -> String {
        var sql =
            joined
            ? "SELECT records.sequence AS sequence, body, previous_hash, hash FROM record_changes c "
                + "CROSS JOIN records ON records.sequence = c.sequence"
            : "SELECT sequence, body, previous_hash, hash FROM records"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        return sql + (joined ? " ORDER BY c.sequence DESC" : " ORDER BY sequence DESC")
    }

    /// Decodes one row and keeps it if the query's reference filter agrees with the SQL (which can
    /// be broader: `people LIKE '%,a,b,%'` also finds two people `a` and `b`), or names it as damaged.
    private static func take(
        _ row: Row, matching query: AuditQuery.Matcher, into entries: inout [AuditEntry],
        damaged: inout [AuditDamage]
    ) {
        let sequence: Int? = Int.fromDatabaseValue(row["sequence"])
        do {
            let entry = try entry(row)
            if query.matches(entry.record) { entries.append(entry) }
        } catch {
            damaged.append(AuditDamage(sequence: sequence, reason: "its content does not decode as a record"))
        }
    }

    /// SQLite's codes for a file it cannot read as a database.
    static func isDamage(_ error: DatabaseError) -> Bool {
        [.SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_FORMAT].contains(error.resultCode)
    }

    /// The query's conditions on `records` and, through `c`, its changes: as an EXISTS over them,
    /// or, `joined`, on the change each row was joined from.
    private static func conditions(_ query: AuditQuery, joined: Bool) throws(AuditError) -> (
        [String], [(any DatabaseValueConvertible)?]
    ) {
        try query.validate()
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let before = query.before {
            conditions.append("records.sequence < ?")
            arguments.append(before)
        }
        if let since = query.since {
            // Through the time index alone (its entries hold the sequence): the window's sequence
            // numbers, walked newest first, each row read only until the limit is met. The cost is
            // the window's size, never the trail's, and no row is sorted.
            conditions.append("records.sequence IN (SELECT sequence FROM records WHERE time >= ?)")
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
        if query.constrainsChanges {
            var inner: [String] = []
            // Bytes, as the matcher compares: the columns are TEXT with SQLite's BINARY collation
            // (memcmp), and a plain `=` can use the (file, key) index.
            if let file = query.file {
                inner.append("c.file = ?")
                arguments.append(file)
            }
            if let key = query.key {
                inner.append("c.key = ?")
                arguments.append(key)
            }
            if !query.settings.isEmpty {
                inner.append(
                    "(" + query.settings.map { _ in "changegate_key_matches(?, c.key)" }.joined(separator: " OR ") + ")"
                )
                arguments += query.settings.map { $0 as (any DatabaseValueConvertible)? }
            }
            if !query.tags.isEmpty {
                inner.append("(" + query.tags.map { _ in "c.tags LIKE ? ESCAPE '\\'" }.joined(separator: " OR ") + ")")
                arguments += query.tags.map { "%," + Self.escapeLike($0) + ",%" }
            }
            if joined {
                conditions += inner
            } else {
                // Correlated on the sequence: newest records first, stopping at the limit.
                conditions.append(
                    "EXISTS (SELECT 1 FROM record_changes c WHERE c.sequence = records.sequence AND "
                        + inner.joined(separator: " AND ") + ")")
            }
        }
        return (conditions, arguments)
    }

    public func entry(sequence: Int) throws(AuditError) -> AuditEntry? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT sequence, body, previous_hash, hash FROM records WHERE sequence = ?",
                arguments: [sequence]
            ).map { row in
                do {
                    return try Self.entry(row)
                } catch {
                    throw AuditError(
                        .corrupt,
                        "record \(sequence) of the audit trail \(path) is damaged: its content is not a record "
                            + "(\(error)); run `changegate audit verify`")
                }
            }
        }
    }

    public func entries(from sequence: Int, limit: Int) throws(AuditError) -> [AuditEntry] {
        guard limit > 0 else { return [] }
        return try read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT sequence, body, previous_hash, hash FROM records WHERE sequence >= ?
                      ORDER BY sequence LIMIT ?
                    """, arguments: [sequence, limit])
            var found: [AuditEntry] = []
            while let row = try rows.next() {
                do {
                    found.append(try Self.entry(row))
                } catch {
                    let at: Int? = Int.fromDatabaseValue(row["sequence"])
                    throw AuditError(
                        .corrupt,
                        "record \(at.map(String.init) ?? "?") of the audit trail \(path) is damaged: its content is "
                            + "not a record (\(error)); run `changegate audit verify`")
                }
            }
            return found
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
    ///
    /// - Parameter commit: The commit's full hex id.
    /// - Returns: The approval records, oldest first; empty when none counts.
    /// - Throws: ``AuditError`` when the trail cannot be read.
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
    /// body hashing to its stored hash, each naming the hash of the one before (``AuditLinkWalk``).
    private static func verifyLinks(_ db: Database, from start: Int) throws {
        var previous = AuditEntry.genesis
        if start > 1 {
            guard
                let hash: String = try String.fetchOne(
                    db, sql: "SELECT hash FROM records WHERE sequence = ?", arguments: [start - 1])
            else { throw notVerifying(start - 1, "it is missing") }
            previous = hash
        }
        var walk = AuditLinkWalk(from: start, after: previous)
        let rows = try Row.fetchCursor(
            db, sql: "SELECT sequence, body, previous_hash, hash FROM records WHERE sequence >= ? ORDER BY sequence",
            arguments: [start])
        while let row = try rows.next() {
            if let broken = walk.next(
                sequence: row["sequence"], body: row["body"], previousHash: row["previous_hash"], hash: row["hash"])
            {
                throw broken
            }
        }
    }

    private static func notVerifying(_ sequence: Int, _ what: String) -> AuditError {
        AuditLinkWalk.notVerifying(sequence, what)
    }

    static func entry(_ row: Row) throws -> AuditEntry {
        guard let body = String.fromDatabaseValue(row["body"]),
            let previousHash = String.fromDatabaseValue(row["previous_hash"]),
            let hash = String.fromDatabaseValue(row["hash"])
        else { throw AuditError(.corrupt, "its body or hashes are not text") }
        return AuditEntry(record: try AuditEntry.decode(body: body), body: body, previousHash: previousHash, hash: hash)
    }

    func read<T>(_ body: (Database) throws -> T) throws(AuditError) -> T {
        let result: T
        do {
            result = try database.read(body)
        } catch {
            throw Self.describe(
                error, path: path, waitLimit: waitLimit, otherwise: .read, "cannot read the audit trail")
        }
        // Read as immutable, the file must not have changed under the read (a writer that started).
        if let immutableSnapshot,
            FileIdentity(path) != immutableSnapshot || (FileIdentity(path + "-wal")?.size ?? 0) > 0
        {
            throw AuditError(
                .read,
                "the audit trail \(path) changed while it was read (a writer started on it): run the command again")
        }
        return result
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

    /// Runs `body` holding `<trail>.lock`, polling for it until `deadline` rather than waiting forever.
    static func withFileLock<T>(
        _ trail: String, until deadline: ContinuousClock.Instant, limit: Duration, _ body: () throws -> T
    ) throws -> T {
        let path = trail + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AuditError(.open, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EINTR || errno == EWOULDBLOCK else {
                throw AuditError(.open, "cannot lock \(path): \(String(cString: strerror(errno)))")
            }
            guard ContinuousClock.now < deadline else { throw locked(trail, waited: limit, holding: path) }
            usleep(1_000)  // flock has no timeout: poll, briefly, so that a queue of appenders stays quick
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    static func locked(_ trail: String, waited: Duration, holding: String? = nil) -> AuditError {
        AuditError(
            .locked,
            "the audit trail \(trail) is locked by another process"
                + (holding.map { " (one holding \($0))" } ?? "") + "; waited \(seconds(waited)) s; "
                + "another push or `changegate check` may be writing to it, or a process (a `sqlite3` shell, a backup) "
                + "holds it in a transaction: try again, and if it persists find the holder with "
                + "`fuser \(trail) \(trail).lock` and end it")
    }

    /// Names what went wrong: a lock held too long, a damaged file, or else `otherwise`.
    static func describe(
        _ error: any Error, path: String, waitLimit: Duration, otherwise kind: AuditError.Kind, _ doing: String
    ) -> AuditError {
        if let error = error as? AuditError { return error }
        if let error = error as? DatabaseError {
            if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                return locked(path, waited: waitLimit)
            }
            if isDamage(error) {
                return AuditError(
                    .corrupt,
                    "the audit trail \(path) is damaged (SQLite: \(error.message ?? "\(error)")): run "
                        + "`changegate audit verify --audit \(path)` and restore the trail from a copy checked "
                        + "against a witness")
            }
        }
        return AuditError(kind, "\(doing) \(path): \(error)")
    }

    static func remaining(until deadline: ContinuousClock.Instant) -> Duration {
        max(.zero, deadline - ContinuousClock.now)
    }

    package static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    /// `10`, `0.5`: a wait as the messages say it.
    package static func seconds(_ duration: Duration) -> String {
        let milliseconds = milliseconds(duration)
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)" : String(format: "%.1f", Double(milliseconds) / 1000)
    }
}

/// A record `log` or `export` skipped because it cannot be read.
public struct AuditDamage: Sendable, Hashable, CustomStringConvertible {
    /// The record; nil when not even its sequence number can be read.
    public var sequence: Int?
    public var reason: String
    public var description: String { "record \(sequence.map(String.init) ?? "?") is damaged: \(reason)" }
}

/// Which file a path names (device and inode), and its size and modification time.
struct FileIdentity: Sendable, Hashable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64

    /// Nil when there is no file at `path`.
    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
}
