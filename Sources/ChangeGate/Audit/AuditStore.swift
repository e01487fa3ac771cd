/// Where decisions are kept, seen from async code (a server): append-only, hash-chained, queryable.
///
/// These are the methods a store that is asynchronous by nature implements natively: PostgreSQL
/// through PostgresNIO, which has no blocking calls, conforms to this protocol alone. A store whose
/// work is synchronous (SQLite, memory) conforms to ``AuditStore``, which refines this one and
/// provides these methods by running its synchronous ones. That direction, not the reverse: a
/// synchronous face made from an async store would block a thread on an event loop's work (and can
/// deadlock on the cooperative pool), while an async face made from a synchronous store costs only
/// the call, and SQLite's calls are short and bounded by their wait limit.
public protocol AsyncAuditStore: Sendable {
    /// Appends the records in order, in one transaction, giving each the next sequence number and
    /// chaining it (``AuditStore/append(_:)``).
    ///
    /// - Parameter records: The records to append; their sequence numbers are the store's to give.
    /// - Returns: The records as stored, with their sequence numbers and hashes.
    /// - Throws: ``AuditError`` (``AuditError/Kind/write``, ``AuditError/Kind/locked``, …) when
    ///   nothing was appended.
    @discardableResult
    func append(_ records: [AuditRecord]) async throws(AuditError) -> [AuditEntry]

    /// Appends, waiting at most `waitLimit`, and commits only if `commitIf` says so at the last
    /// moment (``AuditStore/append(_:waitLimit:commitIf:)``).
    ///
    /// - Parameters:
    ///   - records: The records to append.
    ///   - waitLimit: The longest wait for other writers; nil for the store's own limit.
    ///   - commitIf: Called inside the write transaction right before it commits; false rolls it
    ///     back.
    /// - Returns: The records as stored.
    /// - Throws: ``AuditError``: ``AuditError/Kind/deadline`` when `commitIf` said no,
    ///   ``AuditError/Kind/locked`` when the wait ran out; nothing is recorded either way.
    @discardableResult
    func append(_ records: [AuditRecord], waitLimit: Duration?, commitIf: () -> Bool) async throws(AuditError)
        -> [AuditEntry]

    /// The records that ``AuditQuery/matches(_:)``, newest first (``AuditStore/entries(matching:)``).
    ///
    /// - Parameter query: What to select, and at most how many.
    /// - Returns: The entries, newest first.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    func entries(matching query: AuditQuery) async throws(AuditError) -> [AuditEntry]

    /// Every record of `repository` whose head is one of `heads`, newest first
    /// (``AuditStore/entries(heads:repository:)``).
    ///
    /// - Parameters:
    ///   - heads: Full hex commit ids.
    ///   - repository: The repository, as records name it.
    /// - Returns: The entries, newest first.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    func entries(heads: [String], repository: String) async throws(AuditError) -> [AuditEntry]

    /// How the store answers `query` (``AuditStore/queryPlan(for:)``).
    ///
    /// - Parameter query: The query `entries(matching:)` would answer.
    /// - Returns: The database's plan, as it words it; nil for a store without one.
    /// - Throws: ``AuditError`` when the query is invalid or the trail cannot be read.
    func queryPlan(for query: AuditQuery) async throws(AuditError) -> String?

    /// One record by its sequence number (``AuditStore/entry(sequence:)``).
    ///
    /// - Parameter sequence: The record's sequence number, from 1.
    /// - Returns: The entry; nil when the trail has no such record.
    /// - Throws: ``AuditError`` when the trail cannot be read or the record is damaged.
    func entry(sequence: Int) async throws(AuditError) -> AuditEntry?

    /// The latest record's sequence number and hash (``AuditStore/head()``).
    ///
    /// - Returns: The head; nil when the trail is empty.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    func head() async throws(AuditError) -> AuditHead?

    /// Walks the whole chain and reports the first problem (``AuditStore/verify()``).
    ///
    /// - Returns: What was checked and what was found; a broken chain is a finding, not a throw.
    /// - Throws: ``AuditError`` when the trail cannot be read at all.
    func verify() async throws(AuditError) -> AuditVerification

    /// ``verify()``, telling `progress` now and then how many records verify so far
    /// (``AuditStore/verify(progress:)``).
    ///
    /// - Parameter progress: Called with the records checked so far.
    /// - Returns: As ``verify()``.
    /// - Throws: As ``verify()``.
    func verify(progress: @escaping @Sendable (Int) -> Void) async throws(AuditError) -> AuditVerification

    /// The approvals recorded for a commit, counted only on a chain that verifies
    /// (``AuditStore/approvals(of:)``).
    ///
    /// - Parameter commit: The commit's full hex id.
    /// - Returns: The approval records, oldest first.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    func approvals(of commit: String) async throws(AuditError) -> [AuditRecord]

    /// The records from sequence number `sequence` on, oldest first, at most `limit`
    /// (``AuditStore/entries(from:limit:)``).
    ///
    /// - Parameters:
    ///   - sequence: The first record's sequence number, from 1.
    ///   - limit: The most records to return.
    /// - Returns: The entries in chain order, as stored.
    /// - Throws: ``AuditError`` when the trail cannot be read or a record is damaged.
    func entries(from sequence: Int, limit: Int) async throws(AuditError) -> [AuditEntry]

    /// Waits until the trail holds a record after `sequence`, at most `limit`
    /// (``AuditStore/waitForRecords(after:upTo:)``; `audit log --follow`, the service).
    ///
    /// - Parameters:
    ///   - sequence: The last record the caller has seen (0: none).
    ///   - limit: The longest to wait.
    /// - Returns: True when there may be records after `sequence` (read them with
    ///   ``entries(from:limit:)``), false when `limit` passed without one.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    func waitForRecords(after sequence: Int, upTo limit: Duration) async throws(AuditError) -> Bool

    /// Appends entries copied from another trail of the same chain, keeping their sequence
    /// numbers, times, bodies and hashes (``AuditStore/append(copies:)``).
    ///
    /// - Parameter entries: The source's entries that follow this trail's head, in order.
    /// - Returns: The head after the copy.
    /// - Throws: ``AuditError``: ``AuditError/Kind/corrupt`` when an entry does not link to the one
    ///   before (nothing is copied), or the store's write errors.
    @discardableResult
    func append(copies entries: [AuditEntry]) async throws(AuditError) -> AuditHead?
}

/// Where decisions are kept: append-only, hash-chained, queryable.
///
/// The gate and the hook write through this protocol and the auditor's commands read through it,
/// so another store can take the place of ``SQLiteAuditStore`` without either changing
/// (``MemoryAuditStore`` for tests; ``AuditStores/open(_:access:waitLimit:)`` opens the one a
/// location names). An implementation must serialize appends across processes: two hooks
/// appending at once must neither fork the chain nor lose a record. What a query selects is
/// ``AuditQuery/matches(_:)``; the chain checks are ``AuditChainVerifier``'s, which every store
/// uses; `AuditStoreContractTests` holds every store to both.
public protocol AuditStore: AsyncAuditStore {
    /// Appends the records in order, in one transaction, giving each the next sequence number and
    /// chaining it; returns them as stored.
    ///
    /// - Parameter records: The records to append; their sequence numbers are the store's to give.
    /// - Returns: The records as stored, with their sequence numbers and hashes.
    /// - Throws: ``AuditError`` when nothing was appended: ``AuditError/Kind/write`` for a failed
    ///   write, ``AuditError/Kind/locked`` when another writer held the trail past the wait limit.
    @discardableResult
    func append(_ records: [AuditRecord]) throws(AuditError) -> [AuditEntry]

    /// Appends like ``append(_:)``, waiting at most `waitLimit` (nil: the store's own limit) for
    /// other writers, and commits only if `commitIf`, called inside the write transaction right
    /// before COMMIT, returns true; otherwise rolls back (nothing recorded) and throws
    /// ``AuditError/Kind/deadline``. The hook ties both to its deadline.
    ///
    /// - Parameters:
    ///   - records: The records to append.
    ///   - waitLimit: The longest wait for other writers; nil for the store's own limit.
    ///   - commitIf: Called inside the write transaction right before it commits; false rolls it
    ///     back.
    /// - Returns: The records as stored.
    /// - Throws: ``AuditError``: ``AuditError/Kind/deadline`` when `commitIf` said no,
    ///   ``AuditError/Kind/locked`` when the wait ran out, ``AuditError/Kind/write`` for a failed
    ///   write; nothing is recorded in any case.
    @discardableResult
    func append(_ records: [AuditRecord], waitLimit: Duration?, commitIf: () -> Bool) throws(AuditError)
        -> [AuditEntry]

    /// The records that ``AuditQuery/matches(_:)``, newest first, at most `query.limit`.
    ///
    /// - Parameter query: What to select, and at most how many.
    /// - Returns: The entries, newest first.
    /// - Throws: ``AuditError`` when the trail cannot be read, or a record it would return is
    ///   damaged.
    func entries(matching query: AuditQuery) throws(AuditError) -> [AuditEntry]

    /// Every record of `repository` whose head is one of `heads`, newest first: what
    /// ``landings(of:)`` asks of a page of decisions at once, where one query per head would cost a
    /// server a round trip each. The default asks ``entries(matching:)`` once per head.
    ///
    /// - Parameters:
    ///   - heads: Full hex commit ids.
    ///   - repository: The repository, as records name it.
    /// - Returns: The entries, newest first.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    func entries(heads: [String], repository: String) throws(AuditError) -> [AuditEntry]

    /// How the store answers `query`: the database's own plan (SQLite's `EXPLAIN QUERY PLAN`,
    /// PostgreSQL's `EXPLAIN`), so that an operator can see which indexes a filter uses
    /// (`changegate audit log --explain`).
    ///
    /// - Parameter query: The query ``entries(matching:)`` would answer.
    /// - Returns: The plan, as the database words it; nil for a store without one (in memory).
    /// - Throws: ``AuditError`` when the query is invalid or the trail cannot be read.
    func queryPlan(for query: AuditQuery) throws(AuditError) -> String?

    /// One record by its sequence number.
    ///
    /// - Parameter sequence: The record's sequence number, from 1.
    /// - Returns: The entry; nil when the trail has no such record.
    /// - Throws: ``AuditError`` when the trail cannot be read or the record is damaged.
    func entry(sequence: Int) throws(AuditError) -> AuditEntry?

    /// The latest record's sequence number and hash; nil when the trail is empty.
    ///
    /// - Returns: The head; nil when the trail is empty.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    func head() throws(AuditError) -> AuditHead?

    /// Walks the whole chain (and the store's own indexes of it) and reports the first problem.
    ///
    /// - Returns: How many records were checked, the head, and the first problem, if any: a broken
    ///   chain is a finding, not a throw.
    /// - Throws: ``AuditError`` when the trail cannot be read at all.
    func verify() throws(AuditError) -> AuditVerification

    /// ``verify()``, telling `progress` now and then how many records verify so far (the web
    /// view's integrity page shows it), and once more at the end of the walk. A store that cannot
    /// tell verifies without calling it.
    ///
    /// - Parameter progress: Called from the verifying thread with the records checked so far.
    /// - Returns: As ``verify()``.
    /// - Throws: As ``verify()``.
    func verify(progress: @escaping @Sendable (Int) -> Void) throws(AuditError) -> AuditVerification

    /// The approvals recorded for a commit (full hex id), oldest first, counted only when the chain
    /// verifies from the first of them to its end.
    ///
    /// - Parameter commit: The commit's full hex id.
    /// - Returns: The approval records, oldest first; empty when none counts.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    func approvals(of commit: String) throws(AuditError) -> [AuditRecord]

    /// The records from sequence number `sequence` on, oldest first, at most `limit`: the order of
    /// the chain, for a copy (`audit migrate`) that reads a trail in batches.
    ///
    /// - Parameters:
    ///   - sequence: The first record's sequence number, from 1.
    ///   - limit: The most records to return.
    /// - Returns: The entries in chain order, as stored.
    /// - Throws: ``AuditError`` when the trail cannot be read or a record is damaged.
    func entries(from sequence: Int, limit: Int) throws(AuditError) -> [AuditEntry]

    /// Waits until the trail holds a record after `sequence`, at most `limit`: a wake-up only,
    /// which replays nothing (the caller reads `sequence + 1` on with ``entries(from:limit:)``).
    /// PostgreSQL is woken by the appends themselves (LISTEN/NOTIFY); the default polls the head.
    ///
    /// - Parameters:
    ///   - sequence: The last record the caller has seen (0: none).
    ///   - limit: The longest to wait.
    /// - Returns: True when there may be records after `sequence`, false when `limit` passed
    ///   without one.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    func waitForRecords(after sequence: Int, upTo limit: Duration) throws(AuditError) -> Bool

    /// Appends entries copied from another trail of the same chain as they are: their sequence
    /// numbers, times, bodies and hashes are the source's, not made again (a migrated record is the
    /// same record, and the trail the same chain, to the same head hash). In one transaction, with
    /// the serialization of ``append(_:)``: the first entry must follow this trail's head, and each
    /// must pass ``AuditCopyCheck`` (its body hashing to its hash, naming the hash before it,
    /// holding its own sequence number); one that does not refuses the whole copy.
    ///
    /// - Parameter entries: The source's entries that follow this trail's head, in order.
    /// - Returns: The head after the copy (this trail's head when `entries` is empty).
    /// - Throws: ``AuditError``: ``AuditError/Kind/corrupt`` naming the first entry that does not
    ///   link (nothing is copied), or the store's write errors as for ``append(_:)``.
    @discardableResult
    func append(copies entries: [AuditEntry]) throws(AuditError) -> AuditHead?
}

extension AsyncAuditStore {
    public func verify(progress: @escaping @Sendable (Int) -> Void) async throws(AuditError) -> AuditVerification {
        try await verify()
    }
}

extension AuditStore {
    public func verify(progress: @escaping @Sendable (Int) -> Void) throws(AuditError) -> AuditVerification {
        try verify()
    }
}

/// How often a long walk over the trail tells its progress: every this many records.
package let auditProgressStep = 4_096

extension AuditStore {
    // The async face of a synchronous store: its own methods, run on the caller's task. Each call
    // goes through `synchronously`, whose closure is not async, so that it picks the synchronous
    // overload rather than calling itself.

    @discardableResult
    public func append(_ records: [AuditRecord]) async throws(AuditError) -> [AuditEntry] {
        try synchronously { () throws(AuditError) in try append(records) }
    }

    @discardableResult
    public func append(_ records: [AuditRecord], waitLimit: Duration?, commitIf: () -> Bool) async throws(AuditError)
        -> [AuditEntry]
    {
        try synchronously { () throws(AuditError) in try append(records, waitLimit: waitLimit, commitIf: commitIf) }
    }

    public func entries(matching query: AuditQuery) async throws(AuditError) -> [AuditEntry] {
        try synchronously { () throws(AuditError) in try entries(matching: query) }
    }

    public func queryPlan(for query: AuditQuery) async throws(AuditError) -> String? {
        try synchronously { () throws(AuditError) in try queryPlan(for: query) }
    }

    public func entries(heads: [String], repository: String) async throws(AuditError) -> [AuditEntry] {
        try synchronously { () throws(AuditError) in try entries(heads: heads, repository: repository) }
    }

    public func entry(sequence: Int) async throws(AuditError) -> AuditEntry? {
        try synchronously { () throws(AuditError) in try entry(sequence: sequence) }
    }

    public func head() async throws(AuditError) -> AuditHead? {
        try synchronously { () throws(AuditError) in try head() }
    }

    public func verify() async throws(AuditError) -> AuditVerification {
        try synchronously { () throws(AuditError) in try verify() }
    }

    public func verify(progress: @escaping @Sendable (Int) -> Void) async throws(AuditError) -> AuditVerification {
        try synchronously { () throws(AuditError) in try verify(progress: progress) }
    }

    public func approvals(of commit: String) async throws(AuditError) -> [AuditRecord] {
        try synchronously { () throws(AuditError) in try approvals(of: commit) }
    }

    public func entries(from sequence: Int, limit: Int) async throws(AuditError) -> [AuditEntry] {
        try synchronously { () throws(AuditError) in try entries(from: sequence, limit: limit) }
    }

    @discardableResult
    public func append(copies entries: [AuditEntry]) async throws(AuditError) -> AuditHead? {
        try synchronously { () throws(AuditError) in try append(copies: entries) }
    }

    private func synchronously<T>(_ body: () throws(AuditError) -> T) throws(AuditError) -> T { try body() }

    public func entries(heads: [String], repository: String) throws(AuditError) -> [AuditEntry] {
        var found: [AuditEntry] = []
        for head in Set(heads) {
            var query = AuditQuery()
            query.repository = repository
            query.head = head
            found += try entries(matching: query)
        }
        return found.sorted { $0.record.sequence > $1.record.sequence }
    }

    /// No plan: a store without a query planner (in memory) filters every record.
    public func queryPlan(for query: AuditQuery) throws(AuditError) -> String? {
        try query.validate()
        return nil
    }
}

/// Whether a store may write. Readers open `.readOnly`: a SQLite trail then takes no lock file, no
/// migration and no journal-mode change, so a read-only mount, a user with read access only or a
/// full disk can still read it.
public enum AuditAccess: Sendable, Hashable {
    /// Appends and reads; a SQLite trail is created when missing.
    case readWrite
    /// Reads only.
    case readOnly
}

/// The end of the trail, to be kept elsewhere as a witness: `SEQ:HASH`.
public struct AuditHead: Sendable, Hashable, CustomStringConvertible {
    /// The latest record's sequence number.
    public var sequence: Int
    /// The latest record's hash, 64 lowercase hex digits.
    public var hash: String

    /// A head.
    ///
    /// - Parameters:
    ///   - sequence: The record's sequence number.
    ///   - hash: The record's hash.
    public init(sequence: Int, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// Parses `SEQ:HASH`.
    ///
    /// - Parameter text: A sequence number above 0, a colon and 64 hex digits, as `audit head`
    ///   prints it; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = Int(parts[0]), sequence > 0, parts[1].count == 64,
            parts[1].allSatisfy(\.isHexDigit)
        else { return nil }
        self.init(sequence: sequence, hash: parts[1].lowercased())
    }

    public var description: String { "\(sequence):\(hash)" }
}

/// What ``AuditStore/verify()`` found.
public struct AuditVerification: Sendable, Hashable {
    /// How many records were checked.
    public var records: Int
    public var head: AuditHead?
    /// The first problem, naming the record; nil when the chain is whole.
    public var problem: Problem?
    /// What the store's own damage checks found (SQLite's integrity check: damaged pages, indexes
    /// that do not match their tables); empty when the store is sound or has no such checks.
    public var damage: [String] = []
    /// The head this machine recorded after its last append (the local witness), when there is one.
    public var localWitness: AuditHead?
    /// Why the trail does not hold the local witness's head: it was deleted, replaced or cut back.
    public var localWitnessProblem: String?

    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The record where the chain stops being whole.
        public var sequence: Int
        public var message: String
        public var description: String { "record \(sequence): \(message)" }
    }

    public var isIntact: Bool { problem == nil && damage.isEmpty && localWitnessProblem == nil }

    /// A verification's outcome, for a store outside this module.
    public init(records: Int, head: AuditHead?, problem: Problem?) {
        self.records = records
        self.head = head
        self.problem = problem
    }

    /// Checks that a witness's head is still in the chain: nothing was cut off the end since.
    ///
    /// - Parameters:
    ///   - witness: The head a witness kept (`audit head` at an earlier time).
    ///   - store: The trail this verification is of.
    /// - Returns: The problem (records cut off the end, or the witnessed record rewritten); nil
    ///   when the trail still holds the witness's head.
    /// - Throws: ``AuditError`` when the record cannot be read.
    public func check(expected witness: AuditHead, in store: any AuditStore) throws(AuditError) -> Problem? {
        guard let entry = try store.entry(sequence: witness.sequence) else {
            return Problem(
                sequence: witness.sequence,
                message: "the witness saw this record, but the trail now ends at \(head?.sequence ?? 0): "
                    + "records were cut off the end")
        }
        guard entry.hash == witness.hash else {
            return Problem(
                sequence: witness.sequence,
                message: "its hash is \(entry.hash), the witness saw \(witness.hash): the trail was rewritten")
        }
        return nil
    }
}

/// Why the audit trail could not be read or written.
public struct AuditError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The store cannot be opened, created or migrated.
        case open
        /// A write failed (the gate then denies: a decision that cannot be kept is no decision).
        case write
        case read
        case encoding
        /// What is stored is not what the store writes.
        case corrupt
        case query
        /// Another process held the trail (its write lock or its lock file) for longer than the wait
        /// limit the caller gave.
        case locked
        /// The caller's `commitIf` said no at the last moment (its deadline passed): the append was
        /// rolled back, nothing of it is recorded.
        case deadline
        /// The file at the trail's path is not the one opened: it was deleted or replaced while in
        /// use. The append was rolled back rather than written into a file nobody will read.
        case replaced
        /// The trail does not hold the head this machine recorded after its last append: it was
        /// deleted, replaced or cut back. Appends are refused until someone decides knowingly.
        case witness
        /// The file's schema is not one this version knows (a newer ChangeGate's, or not a trail).
        case schema
        /// The location names a kind of store this binary does not have (PostgreSQL, until it is
        /// built in): nothing was opened.
        case unsupported
    }

    /// What failed.
    public var kind: Kind
    /// What to say, one line.
    public var message: String

    /// An error.
    ///
    /// - Parameters:
    ///   - kind: What failed.
    ///   - message: What to say.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
