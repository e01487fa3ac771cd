import ChangeGate
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The audit trail in PostgreSQL: the store a fleet of hooks, CI runners and services shares.
///
/// The same records, bodies and hash chain as ``SQLiteAuditStore`` (``AuditEntry``), so that a
/// trail copied between the two verifies to the same head. Appends to one chain serialize on its
/// row of `changegate_chains`, locked with `SELECT … FOR UPDATE` inside the append's transaction:
/// two writers on two hosts never fork the chain, and `PRIMARY KEY (chain, sequence)` is the
/// backstop. While the lock is held the append waits on nothing but its own inserts.
///
/// Queries narrow in SQL on indexed columns and then filter by ``AuditQuery/matches(_:)``, the
/// reference every store answers by; the columns are copies for speed, the body is the record.
///
/// Asynchronous only (PostgresNIO has no blocking calls): ``BlockingAuditStore`` gives the
/// synchronous face the command line uses.
public final class PostgresAuditStore: AsyncAuditStore {
    public let location: PostgresLocation
    public let access: AuditAccess
    /// The longest an operation waits for the server (to connect, for the chain's lock).
    public let waitLimit: Duration
    private let client: PostgresClient
    /// A reader's connection from the open, kept for its reads while it is open: a command that
    /// reads once and exits then connects once. The pool takes over when it closes.
    private let direct = Mutex<PostgresConnection?>(nil)
    private let running: Task<Void, Never>
    private let logger: Logger

    var chain: String { location.chain }

    /// Connects, and for a writer applies the schema's migrations (in order, each recorded in
    /// `changegate_migrations`, under an advisory lock so that two first writers do not race).
    ///
    /// - Parameters:
    ///   - location: The database and chain.
    ///   - access: `.readOnly` applies no migration and refuses appends.
    ///   - waitLimit: The longest any one operation waits for the server.
    /// - Returns: The open store; ``close()`` ends its connections.
    /// - Throws: ``AuditError`` of kind `open` when the server cannot be reached in time or refuses
    ///   the login, `schema` when the database was migrated by a newer ChangeGate.
    public static func open(
        _ location: PostgresLocation, access: AuditAccess = .readWrite,
        waitLimit: Duration = SQLiteAuditStore.defaultWaitLimit
    ) async throws(AuditError) -> PostgresAuditStore {
        let store = PostgresAuditStore(location: location, access: access, waitLimit: waitLimit)
        do {
            try await store.prepare()
        } catch {
            store.close()
            throw error
        }
        return store
    }

    private init(location: PostgresLocation, access: AuditAccess, waitLimit: Duration) {
        self.location = location
        self.access = access
        self.waitLimit = waitLimit
        var configuration: PostgresClient.Configuration
        if let folder = location.socketFolder {
            configuration = PostgresClient.Configuration(
                unixSocketPath: "\(folder)/.s.PGSQL.\(location.port)", username: location.user,
                password: location.password, database: location.database)
        } else {
            configuration = PostgresClient.Configuration(
                host: location.host ?? "localhost", port: location.port, username: location.user,
                password: location.password, database: location.database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(Int64(max(1, waitLimit.components.seconds)))
        configuration.options.maximumConnections = 4
        configuration.options.additionalStartupParameters = Self.sessionSettings
        var logger = Logger(label: "changegate.audit.postgres")
        logger.logLevel = .critical
        self.logger = logger
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        // The pool's run loop answers every query's lease: off the cooperative pool (StoreThreads).
        running = Task(executorPreference: StoreThreads.shared) { await client.run() }
    }

    deinit {
        running.cancel()
        Self.release(direct.withLock { $0 })
    }

    /// Ends the store's connections; later calls fail.
    public func close() {
        running.cancel()
        Self.release(
            direct.withLock { connection in
                defer { connection = nil }
                return connection
            })
    }

    /// Closes a kept connection, holding it until it has closed (it must not be freed open).
    private static func release(_ connection: PostgresConnection?) {
        guard let connection else { return }
        connection.close().whenComplete { _ in _ = connection }
    }

    // MARK: - Schema

    /// The schema's migrations, in order. Each runs once per database, in one transaction with its
    /// row in `changegate_migrations`.
    static let migrations: [(version: Int, name: String, sql: [String])] = [
        (
            1, "records, chains, changes",
            [
                """
                CREATE TABLE changegate_chains (
                  chain text PRIMARY KEY,
                  records bigint NOT NULL,
                  head_hash text NOT NULL
                )
                """,
                """
                CREATE TABLE changegate_records (
                  chain text NOT NULL,
                  sequence bigint NOT NULL,
                  time bigint NOT NULL,
                  source text NOT NULL,
                  repository text NOT NULL,
                  ref text,
                  head text,
                  actor text,
                  decision text NOT NULL,
                  risk bigint NOT NULL,
                  body text NOT NULL,
                  previous_hash text NOT NULL,
                  hash text NOT NULL,
                  PRIMARY KEY (chain, sequence)
                )
                """,
                "CREATE INDEX changegate_records_time ON changegate_records (chain, time)",
                "CREATE INDEX changegate_records_head ON changegate_records (chain, head, source)",
                """
                CREATE TABLE changegate_record_changes (
                  chain text NOT NULL,
                  sequence bigint NOT NULL,
                  file text NOT NULL,
                  key text NOT NULL,
                  tags text NOT NULL
                )
                """,
                "CREATE INDEX changegate_record_changes_key ON changegate_record_changes (chain, key)",
                "CREATE INDEX changegate_record_changes_sequence ON changegate_record_changes (chain, sequence)",
            ]
        ),
        (2, "append-only: records never change, heads only move forward", appendOnly),
        (
            3, indexOnlyPrefix + "changes by file and key",
            [
                // A setting's history walks its own changes, newest first (AuditQuery.key).
                "CREATE INDEX changegate_record_changes_file_key ON changegate_record_changes (chain, file, key, sequence)"
            ]
        ),
    ]

    /// A migration that only adds an index is named `index: …`: a reader accepts one it does not
    /// know (it changes no data and no query's meaning, only its speed), and a writer whose role
    /// may not create it (least privilege) writes without it. Releases before this rule refuse a
    /// schema with one as newer.
    static let indexOnlyPrefix = "index: "

    /// Triggers that make the trail append-only for every role the triggers bind (all but a
    /// superuser, who can switch them off, and the tables' owner, who can drop them: checkpoints and
    /// witnesses catch those): a record or its changes are never updated, deleted or truncated; a
    /// chain's row starts at zero records on the genesis hash, is never deleted, and its head only
    /// moves forward, onto a record the chain holds. Privileges alone cannot say that: a writer needs
    /// UPDATE on the head row to append at all (docs/audit.md, least privilege).
    static let appendOnly: [String] = [
        """
        CREATE FUNCTION changegate_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the ChangeGate audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = '42501';
        END
        $$
        """,
        """
        CREATE FUNCTION changegate_chain_starts() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.records <> 0 OR NEW.head_hash <> '\(AuditEntry.genesis)' THEN
            RAISE EXCEPTION 'the ChangeGate audit chain % must start with no records on the genesis hash', NEW.chain
              USING ERRCODE = '42501';
          END IF;
          RETURN NEW;
        END
        $$
        """,
        """
        CREATE FUNCTION changegate_head_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.chain IS DISTINCT FROM OLD.chain OR NEW.records <= OLD.records OR NOT EXISTS (
            SELECT 1 FROM changegate_records r
            WHERE r.chain = NEW.chain AND r.sequence = NEW.records AND r.hash = NEW.head_hash
          ) THEN
            RAISE EXCEPTION 'the head of the ChangeGate audit chain % may only move forward, onto a record the chain '
              'holds (from record % to %)', OLD.chain, OLD.records, NEW.records
              USING ERRCODE = '42501';
          END IF;
          RETURN NEW;
        END
        $$
        """,
        """
        CREATE TRIGGER changegate_records_append_only BEFORE UPDATE OR DELETE ON changegate_records
        FOR EACH ROW EXECUTE FUNCTION changegate_refuse_change()
        """,
        """
        CREATE TRIGGER changegate_records_no_truncate BEFORE TRUNCATE ON changegate_records
        FOR EACH STATEMENT EXECUTE FUNCTION changegate_refuse_change()
        """,
        """
        CREATE TRIGGER changegate_record_changes_append_only BEFORE UPDATE OR DELETE ON changegate_record_changes
        FOR EACH ROW EXECUTE FUNCTION changegate_refuse_change()
        """,
        """
        CREATE TRIGGER changegate_record_changes_no_truncate BEFORE TRUNCATE ON changegate_record_changes
        FOR EACH STATEMENT EXECUTE FUNCTION changegate_refuse_change()
        """,
        """
        CREATE TRIGGER changegate_chains_kept BEFORE DELETE ON changegate_chains
        FOR EACH ROW EXECUTE FUNCTION changegate_refuse_change()
        """,
        """
        CREATE TRIGGER changegate_chains_no_truncate BEFORE TRUNCATE ON changegate_chains
        FOR EACH STATEMENT EXECUTE FUNCTION changegate_refuse_change()
        """,
        """
        CREATE TRIGGER changegate_chains_start BEFORE INSERT ON changegate_chains
        FOR EACH ROW EXECUTE FUNCTION changegate_chain_starts()
        """,
        """
        CREATE TRIGGER changegate_chains_forward BEFORE UPDATE ON changegate_chains
        FOR EACH ROW EXECUTE FUNCTION changegate_head_moves_forward()
        """,
    ]

    /// A fixed key for `pg_advisory_xact_lock`: migrations of one database run one at a time.
    private static let migrationLock: Int64 = 0x4347_4D49_4752_4154  // "CGMIGRAT"

    /// The connection `prepare` makes on its own, outside the pool: the pool retries a connection
    /// that fails until the caller's time limit, so a server that is not there would be reported
    /// only as a timeout (in the hook, as its deadline); one connection attempt fails at once,
    /// saying why (no such socket, connection refused, the login refused).
    private var directConfiguration: PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let folder = location.socketFolder {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: "\(folder)/.s.PGSQL.\(location.port)", username: location.user,
                password: location.password, database: location.database)
        } else {
            configuration = PostgresConnection.Configuration(
                host: location.host ?? "localhost", port: location.port, username: location.user,
                password: location.password, database: location.database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(Int64(max(1, waitLimit.components.seconds)))
        configuration.options.additionalStartupParameters = Self.sessionSettings
        return configuration
    }

    /// Every session's settings, sent at login. No parallel workers: the store's reads are a page of
    /// rows for a person waiting, where starting workers costs more than they save (the `--since`
    /// query on a million records planned two).
    static let sessionSettings = [("max_parallel_workers_per_gather", "0")]

    private func prepare() async throws(AuditError) {
        let configuration = directConfiguration
        let access = self.access
        let known = Self.migrations.map(\.version).max() ?? 0
        let user = location.user
        let schema = try await run("cannot open the audit trail", failure: .open) { _, logger -> Schema? in
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            do {
                // Migrate only a schema that is behind: a writer role with no right to create
                // tables (docs/audit.md, least privilege) opens a current schema as it is.
                var schema = try await Self.schema(connection, logger: logger)
                let pending = Self.migrations.filter { schema?.applied[$0.version] == nil }
                if access == .readWrite, !pending.isEmpty {
                    do {
                        try await Self.migrate(connection, logger: logger)
                    } catch {
                        guard let refused = Self.serverError(error), refused.serverInfo?[.sqlState] == "42501" else {
                            throw error
                        }
                        // Only an index missing: the trail means the same without it, only slower.
                        guard schema != nil, pending.allSatisfy({ $0.name.hasPrefix(Self.indexOnlyPrefix) }) else {
                            throw AuditError(
                                .schema,
                                "the audit trail's schema is at version \(schema?.newest ?? 0) and this ChangeGate "
                                    + "needs \(known), but \(user) may not migrate it (\(Self.describe(refused))): run "
                                    + "`changegate audit init` as the role that owns the tables (docs/audit.md, least "
                                    + "privilege)")
                        }
                    }
                    schema = try await Self.schema(connection, logger: logger)
                }
                if access == .readOnly {
                    self.direct.withLock { $0 = connection }
                } else {
                    try await connection.close()
                }
                return schema
            } catch {
                try? await connection.close()
                throw error
            }
        }
        guard let schema else {
            throw AuditError(
                .schema,
                "the PostgreSQL database \(location.database) holds no ChangeGate audit trail yet: open it once for "
                    + "writing to create the schema")
        }
        let unknown = schema.applied.filter { version, name in
            version > known && !name.hasPrefix(Self.indexOnlyPrefix)
        }
        if let newest = unknown.keys.max() {
            throw AuditError(
                .schema,
                "the audit trail's schema is at version \(newest), newer than this ChangeGate knows (\(known)): "
                    + "it was migrated by a newer ChangeGate; use that version")
        }
    }

    /// The migrations a database has had: version → name.
    struct Schema: Sendable {
        var applied: [Int: String]
        var newest: Int { applied.keys.max() ?? 0 }
    }

    /// The migrations the database has had; nil when it holds no ChangeGate schema.
    private static func schema(_ connection: PostgresConnection, logger: Logger) async throws -> Schema? {
        var exists = false
        for try await found in try await connection.query(
            "SELECT to_regclass('changegate_migrations') IS NOT NULL", logger: logger
        ).decode(Bool.self) {
            exists = found
        }
        guard exists else { return nil }
        var applied: [Int: String] = [:]
        for try await (version, name) in try await connection.query(
            "SELECT version, name FROM changegate_migrations", logger: logger
        ).decode((Int, String).self) {
            applied[version] = name
        }
        return Schema(applied: applied)
    }

    /// Applies the migrations this database has not had, in one transaction under an advisory lock.
    private static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS changegate_migrations (
                  version integer PRIMARY KEY,
                  name text NOT NULL,
                  applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query(
                "SELECT version FROM changegate_migrations", logger: logger
            ).decode(Int.self) {
                applied.insert(version)
            }
            for migration in Self.migrations where !applied.contains(migration.version) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO changegate_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
            }
        }
    }

    // MARK: - Appending

    @discardableResult
    public func append(_ records: [AuditRecord]) async throws(AuditError) -> [AuditEntry] {
        try await append(records, waitLimit: nil, commitIf: { true })
    }

    /// Appends in one transaction: the chain's row locked, the records numbered and chained after
    /// its head, inserted, the head moved, and `commitIf` asked right before COMMIT (false rolls
    /// everything back and throws ``AuditError/Kind/deadline``).
    @discardableResult
    public func append(_ records: [AuditRecord], waitLimit: Duration?, commitIf: () -> Bool) async throws(AuditError)
        -> [AuditEntry]
    {
        guard access == .readWrite else {
            throw AuditError(.write, "the audit trail \(location) was opened read-only; it cannot be appended to")
        }
        guard !records.isEmpty else { return [] }
        let limit = waitLimit ?? self.waitLimit
        let chain = self.chain
        let location = self.location
        // The group in `run` awaits its child before returning, so `commitIf` does not outlive
        // this call; it is only ever called from the one task that runs the transaction.
        return try await withoutActuallyEscaping(commitIf) { commitIf async throws(AuditError) -> [AuditEntry] in
            let commitIf = UncheckedBox(commitIf)
            return try await run("cannot write to the audit trail", limit: limit, failure: .write) { client, logger in
                try await client.withTransaction(logger: logger) { connection -> [AuditEntry] in
                    try await Self.settle(connection, lockTimeout: limit, logger: logger)
                    let head = try await Self.lockHead(chain: chain, connection: connection, logger: logger)
                    let count = head?.sequence ?? 0
                    var previous = head?.hash ?? AuditEntry.genesis
                    // Each body holds its sequence and each hash the one before, so they are made
                    // here, under the lock: local work, with no wait but the inserts' own.
                    var entries: [AuditEntry] = []
                    var sequence = count
                    for var record in records {
                        sequence += 1
                        record.sequence = sequence
                        let entry = try AuditEntry(chaining: record, after: previous)
                        entries.append(entry)
                        previous = entry.hash
                    }
                    try await Self.insert(entries, chain: chain, into: connection, logger: logger)
                    try await connection.query(
                        "UPDATE changegate_chains SET records = \(sequence), head_hash = \(previous) WHERE chain = \(chain)",
                        logger: logger)
                    try await Self.notifyFollowers(chain: chain, connection: connection, logger: logger)
                    guard commitIf.value() else {
                        throw AuditError(
                            .deadline,
                            "the append to the audit trail \(location) was rolled back because its deadline passed "
                                + "before it could commit: nothing of it was recorded")
                    }
                    return entries
                }
            }
        }
    }

    /// Settings for one write transaction (`set_config(…, true)`: for this transaction only; SET
    /// takes no parameters). `lock_timeout` bounds the wait for the chain's row. `synchronous_commit`
    /// is on whatever the server's default: with it off, COMMIT returns before the WAL is written,
    /// and a crash loses appends that were reported recorded (the fault tests saw it happen).
    private static func settle(_ connection: PostgresConnection, lockTimeout: Duration, logger: Logger) async throws {
        try await connection.query(
            """
            SELECT set_config('lock_timeout', \(String(SQLiteAuditStore.milliseconds(lockTimeout)) + "ms"), true),
              set_config('synchronous_commit', 'on', true)
            """, logger: logger)
    }

    /// Locks the chain's row (creating it for a new chain) for the rest of the transaction and
    /// returns the head it names, after checking it against the chain's last record: a row moved
    /// back by hand, or a record inserted behind it, is a trail to repair, not to append to.
    private static func lockHead(chain: String, connection: PostgresConnection, logger: Logger) async throws
        -> AuditHead?
    {
        try await connection.query(
            """
            INSERT INTO changegate_chains (chain, records, head_hash) VALUES (\(chain), 0, \(AuditEntry.genesis))
            ON CONFLICT (chain) DO NOTHING
            """, logger: logger)
        var count = 0
        var previous = AuditEntry.genesis
        for try await (records, hash) in try await connection.query(
            "SELECT records, head_hash FROM changegate_chains WHERE chain = \(chain) FOR UPDATE",
            logger: logger
        ).decode((Int, String).self) {
            count = records
            previous = hash
        }
        var last: (Int, String)?
        for try await row in try await connection.query(
            """
            SELECT sequence, hash FROM changegate_records WHERE chain = \(chain)
            ORDER BY sequence DESC LIMIT 1
            """, logger: logger
        ).decode((Int, String).self) {
            last = row
        }
        if (last?.0 ?? 0) != count || (last?.1 ?? AuditEntry.genesis) != previous {
            throw AuditError(
                .corrupt,
                "the chain \(chain) says its head is record \(count), but its last record is "
                    + "\(last.map { "\($0.0)" } ?? "none"): the trail was edited; run `changegate audit verify`")
        }
        return count == 0 ? nil : AuditHead(sequence: count, hash: previous)
    }

    /// Appends entries copied from another trail as they are (``AuditStore/append(copies:)``): in
    /// one transaction on the chain's locked row, each checked by ``AuditCopyCheck``.
    @discardableResult
    public func append(copies entries: [AuditEntry]) async throws(AuditError) -> AuditHead? {
        guard access == .readWrite else {
            throw AuditError(.write, "the audit trail \(location) was opened read-only; it cannot be appended to")
        }
        let chain = self.chain
        let limit = waitLimit
        return try await run("cannot copy into the audit trail", failure: .write) { client, logger in
            try await client.withTransaction(logger: logger) { connection -> AuditHead? in
                try await Self.settle(connection, lockTimeout: limit, logger: logger)
                var head = try await Self.lockHead(chain: chain, connection: connection, logger: logger)
                var check = AuditCopyCheck(after: head)
                var checked: [AuditEntry] = []
                for entry in entries {
                    let copy = try check.next(entry)
                    checked.append(copy)
                    head = AuditHead(sequence: copy.record.sequence, hash: copy.hash)
                }
                try await Self.insert(checked, chain: chain, into: connection, logger: logger)
                if let head, !entries.isEmpty {
                    try await connection.query(
                        """
                        UPDATE changegate_chains SET records = \(head.sequence), head_hash = \(head.hash)
                        WHERE chain = \(chain)
                        """, logger: logger)
                    try await Self.notifyFollowers(chain: chain, connection: connection, logger: logger)
                }
                return head
            }
        }
    }

    // MARK: - Following

    /// The channel appends notify, with the chain's name as the payload: one for the database, so
    /// that a chain's name (any text) need not be an identifier.
    static let followChannel = "changegate_appends"

    /// Queues the wake-up of the chain's followers: PostgreSQL sends it when the transaction
    /// commits, and never when it rolls back, so a follower is not woken for a record that is not
    /// there.
    private static func notifyFollowers(chain: String, connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(followChannel), \(chain))", logger: logger)
    }

    /// Waits for an append to this chain after `sequence`, woken by the append's NOTIFY (LISTEN on a
    /// connection of its own). A wake-up only: after LISTEN it reads the chain's head, so an append
    /// that committed before the listening began is not missed, and the caller reads the records.
    public func waitForRecords(after sequence: Int, upTo limit: Duration) async throws(AuditError) -> Bool {
        let configuration = directConfiguration
        let chain = self.chain
        return try await run("cannot follow the audit trail", limit: limit + waitLimit) { _, logger -> Bool in
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            do {
                let woken = try await connection.listen(on: Self.followChannel) { notifications -> Bool in
                    var count = 0
                    for try await records in try await connection.query(
                        "SELECT records FROM changegate_chains WHERE chain = \(chain)", logger: logger
                    ).decode(Int.self) {
                        count = records
                    }
                    if count > sequence { return true }
                    return try await withThrowingTaskGroup(of: Bool.self) { group -> Bool in
                        group.addTask {
                            for try await notification in notifications where notification.payload == chain {
                                return true
                            }
                            return false  // the connection ended: the caller looks again
                        }
                        group.addTask {
                            try await Task.sleep(for: limit)
                            return false
                        }
                        defer { group.cancelAll() }
                        return try await group.next() ?? false
                    }
                }
                try await connection.close()
                return woken
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    /// A value handed to a child task that provably ends before the value's owner returns.
    private struct UncheckedBox<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    /// Inserts entries and their changed settings, many rows to a statement (a round trip per
    /// few thousand rows, not per row: a migration of a million records is bound by the server, not
    /// the network), within PostgreSQL's 65,535 parameters a statement.
    private static func insert(
        _ entries: [AuditEntry], chain: String, into connection: PostgresConnection, logger: Logger
    ) async throws {
        var rows = MultiRowInsert(
            "INSERT INTO changegate_records (chain, sequence, time, source, repository, ref, head, actor, decision, "
                + "risk, body, previous_hash, hash) VALUES", columns: 13)
        var changes = MultiRowInsert(
            "INSERT INTO changegate_record_changes (chain, sequence, file, key, tags) VALUES", columns: 5)
        for entry in entries {
            let record = entry.record
            let full = rows.add { values in
                values.append(chain)
                values.append(record.sequence)
                values.append(record.time)
                values.append(record.source.rawValue)
                values.append(column(record.repository))
                values.append(record.ref.map(column))
                values.append(record.head.map(column))
                values.append(record.actor.map(column))
                values.append(column(record.decision))
                values.append(record.risk)
                values.append(entry.body)
                values.append(entry.previousHash)
                values.append(entry.hash)
            }
            if let full { try await connection.query(full, logger: logger) }
            for change in record.changes {
                let full = changes.add { values in
                    values.append(chain)
                    values.append(record.sequence)
                    values.append(column(change.file))
                    values.append(column(change.key))
                    values.append("," + change.tags.map(column).joined(separator: ",") + ",")
                }
                if let full { try await connection.query(full, logger: logger) }
            }
        }
        if let last = rows.finish() { try await connection.query(last, logger: logger) }
        if let last = changes.finish() { try await connection.query(last, logger: logger) }
    }

    /// One `INSERT … VALUES (…), (…)` statement being filled, handed out when it holds as many
    /// rows as its parameters allow.
    private struct MultiRowInsert {
        let prefix: String
        let columns: Int
        let capacity: Int
        var query: PostgresQuery
        var count = 0

        init(_ prefix: String, columns: Int) {
            self.prefix = prefix
            self.columns = columns
            capacity = 65_535 / columns
            query = PostgresQuery(unsafeSQL: prefix)
        }

        /// Adds a row; returns the statement to run when it is full.
        mutating func add(_ row: (inout PostgresBindings) -> Void) -> PostgresQuery? {
            let base = count * columns
            query.sql +=
                (count == 0 ? " (" : ", (") + (1...columns).map { "$\(base + $0)" }.joined(separator: ", ") + ")"
            row(&query.binds)
            count += 1
            return count == capacity ? finish() : nil
        }

        /// The statement so far (nil when empty), and a new one begun.
        mutating func finish() -> PostgresQuery? {
            guard count > 0 else { return nil }
            defer {
                query = PostgresQuery(unsafeSQL: prefix)
                count = 0
            }
            return query
        }
    }

    /// A text for a column: PostgreSQL's `text` holds no NUL, which a YAML key or a commit's text may.
    /// The columns only narrow a query (the body, JSON-escaped, is the record), so NUL becomes
    /// U+FFFD there and no query narrows on a column that could hold one.
    static func column(_ text: String) -> String {
        text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }

    // MARK: - Reading

    public func entry(sequence: Int) async throws(AuditError) -> AuditEntry? {
        let chain = self.chain
        return try await read("cannot read the audit trail") { database, logger, progress in
            var found: AuditEntry?
            for try await (sequence, body, previous, hash) in try await database.rows(
                """
                SELECT sequence, body, previous_hash, hash FROM changegate_records
                WHERE chain = \(chain) AND sequence = \(sequence)
                """, logger: logger
            ).decode((Int, String, String, String).self) {
                found = try Self.entry(sequence: sequence, body: body, previousHash: previous, hash: hash)
            }
            return found
        }
    }

    public func entries(from sequence: Int, limit: Int) async throws(AuditError) -> [AuditEntry] {
        guard limit > 0 else { return [] }
        let chain = self.chain
        return try await read("cannot read the audit trail") { database, logger, progress in
            var found: [AuditEntry] = []
            for try await (sequence, body, previous, hash) in try await database.rows(
                """
                SELECT sequence, body, previous_hash, hash FROM changegate_records
                WHERE chain = \(chain) AND sequence >= \(sequence) ORDER BY sequence LIMIT \(limit)
                """, logger: logger
            ).decode((Int, String, String, String).self) {
                progress.beat()
                found.append(try Self.entry(sequence: sequence, body: body, previousHash: previous, hash: hash))
            }
            return found
        }
    }

    public func head() async throws(AuditError) -> AuditHead? {
        let chain = self.chain
        return try await read("cannot read the audit trail") { database, logger, progress in
            var head: AuditHead?
            for try await (sequence, hash) in try await database.rows(
                """
                SELECT sequence, hash FROM changegate_records WHERE chain = \(chain)
                ORDER BY sequence DESC LIMIT 1
                """, logger: logger
            ).decode((Int, String).self) {
                head = AuditHead(sequence: sequence, hash: hash)
            }
            return head
        }
    }

    /// Walks the chain from its first record, streamed (memory stays flat), and checks that the
    /// chain's head row names the last record.
    public func verify() async throws(AuditError) -> AuditVerification { try await verify(progress: { _ in }) }

    /// ``verify()``, telling `progress` the records walked every few thousand and at the end.
    ///
    /// - Parameter progress: Called with the records checked so far.
    /// - Returns: As ``verify()``.
    /// - Throws: As ``verify()``.
    public func verify(progress: @escaping @Sendable (Int) -> Void) async throws(AuditError)
        -> AuditVerification
    {
        let chain = self.chain
        let report = progress
        return try await read("cannot verify the audit trail") { database, logger, progress in
            var verifier = AuditChainVerifier()
            var problem: AuditVerification.Problem?
            for try await (sequence, body, previous, hash) in try await database.rows(
                """
                SELECT sequence, body, previous_hash, hash FROM changegate_records WHERE chain = \(chain)
                ORDER BY sequence
                """, logger: logger
            ).decode((Int, String, String, String).self) {
                progress.beat()
                problem = verifier.next(sequence: sequence, body: body, previousHash: previous, hash: hash)
                if problem != nil { break }
                if verifier.records % auditProgressStep == 0 { report(verifier.records) }
            }
            report(verifier.records)
            var verification = AuditVerification(records: verifier.records, head: verifier.head, problem: problem)
            if problem == nil {
                for try await (records, hash) in try await database.rows(
                    "SELECT records, head_hash FROM changegate_chains WHERE chain = \(chain)", logger: logger
                ).decode((Int, String).self) {
                    let last = verifier.head
                    if records != (last?.sequence ?? 0) || hash != (last?.hash ?? AuditEntry.genesis) {
                        verification.damage.append(
                            "the chain's head row says record \(records) (\(hash.prefix(12))…), but the last record is "
                                + "\(last.map { "\($0.sequence) (\($0.hash.prefix(12))…)" } ?? "none")")
                    }
                }
            }
            return verification
        }
    }

    /// As ``SQLiteAuditStore/approvals(of:)``: counted only when the chain verifies from the first
    /// of them to the end.
    public func approvals(of commit: String) async throws(AuditError) -> [AuditRecord] {
        let chain = self.chain
        return try await read("cannot read the audit trail") { database, logger, progress in
            var sequences: [Int] = []
            for try await sequence in try await database.rows(
                """
                SELECT sequence FROM changegate_records
                WHERE chain = \(chain) AND head = \(commit) AND source = \(AuditRecord.Source.approval.rawValue)
                ORDER BY sequence
                """, logger: logger
            ).decode(Int.self) {
                sequences.append(sequence)
            }
            guard let first = sequences.first else { return [] }
            var previous = AuditEntry.genesis
            if first > 1 {
                var before: String?
                for try await hash in try await database.rows(
                    "SELECT hash FROM changegate_records WHERE chain = \(chain) AND sequence = \(first - 1)",
                    logger: logger
                ).decode(String.self) {
                    before = hash
                }
                guard let before else { throw AuditLinkWalk.notVerifying(first - 1, "it is missing") }
                previous = before
            }
            var walk = AuditLinkWalk(from: first, after: previous)
            var approvals: [Int: AuditRecord] = [:]
            let wanted = Set(sequences)
            for try await (sequence, body, previousHash, hash) in try await database.rows(
                """
                SELECT sequence, body, previous_hash, hash FROM changegate_records
                WHERE chain = \(chain) AND sequence >= \(first) ORDER BY sequence
                """, logger: logger
            ).decode((Int, String, String, String).self) {
                progress.beat()
                if let broken = walk.next(sequence: sequence, body: body, previousHash: previousHash, hash: hash) {
                    throw broken
                }
                if wanted.contains(sequence) {
                    let record = try AuditEntry.decode(body: body)
                    guard record.sequence == sequence else {
                        throw AuditLinkWalk.notVerifying(sequence, "it holds another record's content")
                    }
                    approvals[sequence] = record
                }
            }
            return sequences.compactMap { approvals[$0] }
        }
    }

    static func entry(sequence: Int, body: String, previousHash: String, hash: String) throws(AuditError)
        -> AuditEntry
    {
        let record: AuditRecord
        do {
            record = try AuditEntry.decode(body: body)
        } catch {
            throw AuditError(.corrupt, "record \(sequence) of the audit trail is damaged: its content is not a record")
        }
        return AuditEntry(record: record, body: body, previousHash: previousHash, hash: hash)
    }

    // MARK: - Errors and time limits

    /// Runs `body` against the server within `limit`, turning every failure into an ``AuditError``
    /// that says what could not be done and why, without the password.
    func run<T: Sendable>(
        _ what: String, limit: Duration? = nil, failure: AuditError.Kind = .read, progress: Heartbeat? = nil,
        _ body: @escaping @Sendable (PostgresClient, Logger) async throws -> T
    ) async throws(AuditError) -> T {
        let limit = limit ?? waitLimit
        let client = self.client
        let logger = self.logger
        let location = self.location
        do {
            // On the store's own threads, so that a blocked cooperative pool delays neither the
            // answer nor the deadline (StoreThreads).
            return try await withTaskExecutorPreference(StoreThreads.shared) {
                try await withThrowingTaskGroup(of: T?.self) { group in
                    group.addTask { try await body(client, logger) }
                    group.addTask {
                        // With `progress`, the limit is on silence: a read that keeps receiving
                        // rows (verify of a million records) runs as long as it needs.
                        var wait = limit
                        while true {
                            try await Task.sleep(for: wait)
                            guard let idle = progress?.idle(), idle < limit else { return nil }
                            wait = limit - idle
                        }
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next(), let value = first else {
                        throw AuditError(
                            failure == .write ? .locked : failure,
                            "\(what) \(location): the server did not answer within \(SQLiteAuditStore.seconds(limit)) s"
                        )
                    }
                    return value
                }
            }
        } catch let error as AuditError {
            throw error
        } catch let error as PostgresTransactionError {
            // The closure's own error (a declined commit, a corrupt chain) stays what it is.
            if let inner = error.closureError as? AuditError { throw inner }
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            let text = (cause as? PSQLError).map(Self.describe) ?? cause.map { "\($0)" } ?? "\(error)"
            throw AuditError(failure, "\(what) \(location): \(text)")
        } catch let error as PSQLError {
            throw AuditError(failure, "\(what) \(location): \(Self.describe(error))")
        } catch {
            throw AuditError(failure, "\(what) \(location): \(error)")
        }
    }

    /// ``run(_:limit:failure:_:)`` for a read: on the reader's own connection while it is open,
    /// else through the pool.
    /// The body beats `progress` as rows come: the time limit is then on the server's silence,
    /// not on the whole read.
    func read<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (any PostgresQuerying, Logger, Heartbeat) async throws -> T
    ) async throws(AuditError) -> T {
        let connection = direct.withLock { $0.flatMap { $0.isClosed ? nil : $0 } }
        let progress = Heartbeat()
        return try await run(what, progress: progress) { client, logger in
            try await body(connection ?? client, logger, progress)
        }
    }

    /// The server's error inside `error`, also when a transaction wraps it.
    static func serverError(_ error: any Error) -> PSQLError? {
        if let error = error as? PSQLError { return error }
        guard let error = error as? PostgresTransactionError else { return nil }
        let causes: [(any Error)?] = [error.closureError, error.beginError, error.commitError, error.rollbackError]
        return causes.lazy.compactMap { $0 as? PSQLError }.first
    }

    /// The server's own message when there is one (PSQLError's description hides it).
    static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + code
        }
        // A connection that could not be made says why (no such socket, refused, timed out).
        if error.code == .connectionError, let underlying = error.underlying {
            return "cannot connect to the server: \(underlying)"
        }
        return "\(error.code)"
    }
}
