/// Where decisions are kept: append-only, hash-chained, queryable.
///
/// The gate and the hook write through this protocol and the auditor's commands read through it,
/// so another store (PostgreSQL) can take the place of ``SQLiteAuditStore`` without either
/// changing. An implementation must serialize appends across processes: two hooks appending at
/// once must neither fork the chain nor lose a record.
public protocol AuditStore: Sendable {
    /// Appends the records in order, in one transaction, giving each the next sequence number and
    /// chaining it; returns them as stored.
    @discardableResult
    func append(_ records: [AuditRecord]) throws(AuditError) -> [AuditEntry]

    /// Appends like ``append(_:)``, waiting at most `waitLimit` (nil: the store's own limit) for
    /// other writers, and commits only if `commitIf`, called inside the write transaction right
    /// before COMMIT, returns true; otherwise rolls back (nothing recorded) and throws
    /// ``AuditError/Kind/deadline``. The hook ties both to its deadline.
    @discardableResult
    func append(_ records: [AuditRecord], waitLimit: Duration?, commitIf: () -> Bool) throws(AuditError)
        -> [AuditEntry]

    /// The records that match, newest first, at most `query.limit`.
    func entries(matching query: AuditQuery) throws(AuditError) -> [AuditEntry]

    /// One record by its sequence number.
    func entry(sequence: Int) throws(AuditError) -> AuditEntry?

    /// The latest record's sequence number and hash; nil when the trail is empty.
    func head() throws(AuditError) -> AuditHead?

    /// Walks the whole chain (and the store's own indexes of it) and reports the first problem.
    func verify() throws(AuditError) -> AuditVerification

    /// The approvals recorded for a commit (full hex id), oldest first.
    func approvals(of commit: String) throws(AuditError) -> [AuditRecord]
}

/// The end of the trail, to be kept elsewhere as a witness: `SEQ:HASH`.
public struct AuditHead: Sendable, Hashable, CustomStringConvertible {
    public var sequence: Int
    public var hash: String

    public init(sequence: Int, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// Parses `SEQ:HASH`.
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
    /// What SQLite's own integrity check found wrong with the file (damaged pages, indexes that do
    /// not match their tables); empty when the file is sound.
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

    /// Checks that a witness's head is still in the chain: nothing was cut off the end since.
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
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
