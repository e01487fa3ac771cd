import Foundation

/// An audit store in memory, for tests and for a server's tests: the semantics of
/// ``SQLiteAuditStore`` (sequence numbers, hash chaining, `commitIf` rolling back, approvals counted
/// only on a verifying chain, queries by ``AuditQuery/matches(_:)`` newest first) without a file.
///
/// Shaped after Hummingbird's `MemoryPersistDriver`: a class that keeps its state behind a lock, so
/// that it is `Sendable` and its synchronous face works from any thread (an actor would make every
/// call async). It keeps what SQLite keeps, each record's body and hashes, and decodes the record
/// from the body, so that a test that edits a body (`tamper(_:)`) sees what a reader of an edited
/// file would. Everything is lost with the process: it is never what a location names
/// (``AuditStores/open(_:access:waitLimit:)``), since a decision recorded there would not be kept.
public final class MemoryAuditStore: AuditStore, @unchecked Sendable {
    /// A record as kept: what a store holds, before it is read back.
    package struct Stored: Sendable, Hashable {
        package var sequence: Int
        package var body: String
        package var previousHash: String
        package var hash: String
        /// `body` decoded; nil when it is not a record (after ``MemoryAuditStore/tamper(_:)``).
        package fileprivate(set) var record: AuditRecord?
    }

    /// The longest an append waits for another append, when its caller gives no limit.
    public let waitLimit: Duration
    // @unchecked Sendable: `stored` is read and written only while `lock` is held.
    private let lock = NSLock()
    private var stored: [Stored] = []

    /// An empty trail.
    ///
    /// - Parameter waitLimit: The longest an append waits for another, when its caller gives no
    ///   limit.
    public init(waitLimit: Duration = SQLiteAuditStore.defaultWaitLimit) {
        self.waitLimit = waitLimit
    }

    /// Test-only: edits what is kept, as an attacker with write access to a trail's file could
    /// (change a body or a hash, delete, insert, reorder). Bodies are decoded again afterwards.
    package func tamper(_ edit: (inout [Stored]) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        edit(&stored)
        for index in stored.indices { stored[index].record = try? AuditEntry.decode(body: stored[index].body) }
    }

    private func locked<T>(waitLimit: Duration? = nil, _ body: () throws(AuditError) -> T) throws(AuditError) -> T {
        let limit = waitLimit ?? self.waitLimit
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        guard lock.lock(before: Date(timeIntervalSinceNow: seconds)) else {
            throw AuditError(
                .locked,
                "the in-memory audit trail is held by another append; waited \(SQLiteAuditStore.seconds(limit)) s")
        }
        defer { lock.unlock() }
        return try body()
    }

    // MARK: - Appending

    @discardableResult
    public func append(_ records: [AuditRecord]) throws(AuditError) -> [AuditEntry] {
        try append(records, waitLimit: nil, commitIf: { true })
    }

    @discardableResult
    public func append(_ records: [AuditRecord], waitLimit: Duration? = nil, commitIf: () -> Bool)
        throws(AuditError) -> [AuditEntry]
    {
        guard !records.isEmpty else { return [] }
        return try locked(waitLimit: waitLimit) { () throws(AuditError) in
            let last = stored.max { $0.sequence < $1.sequence }
            var sequence = last?.sequence ?? 0
            var previous = last?.hash ?? AuditEntry.genesis
            var entries: [AuditEntry] = []
            for var record in records {
                sequence += 1
                record.sequence = sequence
                let entry = try AuditEntry(chaining: record, after: previous)
                entries.append(entry)
                previous = entry.hash
            }
            // Nothing is kept before the caller says yes: a no leaves the trail as it was.
            guard commitIf() else {
                throw AuditError(
                    .deadline,
                    "the append to the in-memory audit trail was rolled back because its deadline passed before it "
                        + "could commit: nothing of it was recorded")
            }
            stored += entries.map {
                Stored(
                    sequence: $0.record.sequence, body: $0.body, previousHash: $0.previousHash, hash: $0.hash,
                    record: $0.record)
            }
            return entries
        }
    }

    @discardableResult
    public func append(copies entries: [AuditEntry]) throws(AuditError) -> AuditHead? {
        try locked { () throws(AuditError) in
            let last = stored.max { $0.sequence < $1.sequence }
            var head = last.map { AuditHead(sequence: $0.sequence, hash: $0.hash) }
            var check = AuditCopyCheck(after: head)
            // All checked before any is kept: a refused copy leaves the trail as it was.
            let checked = try entries.map { entry throws(AuditError) in try check.next(entry) }
            stored += checked.map {
                Stored(
                    sequence: $0.record.sequence, body: $0.body, previousHash: $0.previousHash, hash: $0.hash,
                    record: $0.record)
            }
            if let last = checked.last { head = AuditHead(sequence: last.record.sequence, hash: last.hash) }
            return head
        }
    }

    // MARK: - Reading

    public func entries(matching query: AuditQuery) throws(AuditError) -> [AuditEntry] {
        try query.validate()
        let limit = query.limit ?? Int.max
        let matcher = AuditQuery.Matcher(query)
        return try locked { () throws(AuditError) in
            var found: [AuditEntry] = []
            for kept in stored.sorted(by: { $0.sequence > $1.sequence }) where found.count < limit {
                let entry = try Self.entry(kept)
                if matcher.matches(entry.record) { found.append(entry) }
            }
            return found
        }
    }

    public func entry(sequence: Int) throws(AuditError) -> AuditEntry? {
        try locked { () throws(AuditError) in
            try stored.first { $0.sequence == sequence }.map { kept throws(AuditError) in try Self.entry(kept) }
        }
    }

    public func entries(from sequence: Int, limit: Int) throws(AuditError) -> [AuditEntry] {
        try locked { () throws(AuditError) in
            try stored.filter { $0.sequence >= sequence }.sorted { $0.sequence < $1.sequence }.prefix(max(0, limit))
                .map { kept throws(AuditError) in try Self.entry(kept) }
        }
    }

    public func head() throws(AuditError) -> AuditHead? {
        try locked { stored.max { $0.sequence < $1.sequence }.map { AuditHead(sequence: $0.sequence, hash: $0.hash) } }
    }

    public func verify() throws(AuditError) -> AuditVerification {
        try locked {
            var verifier = AuditChainVerifier()
            var problem: AuditVerification.Problem?
            for kept in stored.sorted(by: { $0.sequence < $1.sequence }) {
                problem = verifier.next(
                    sequence: kept.sequence, body: kept.body, previousHash: kept.previousHash, hash: kept.hash)
                if problem != nil { break }
            }
            return AuditVerification(records: verifier.records, head: verifier.head, problem: problem)
        }
    }

    /// As ``SQLiteAuditStore/approvals(of:)``: counted only when the chain verifies from the first
    /// of them to the end.
    public func approvals(of commit: String) throws(AuditError) -> [AuditRecord] {
        try locked { () throws(AuditError) in
            let chain = stored.sorted { $0.sequence < $1.sequence }
            let approvals = chain.filter { $0.record?.source == .approval && $0.record?.head == commit }
            guard let first = approvals.first?.sequence else { return [] }
            var previous = AuditEntry.genesis
            if first > 1 {
                guard let before = chain.first(where: { $0.sequence == first - 1 }) else {
                    throw AuditLinkWalk.notVerifying(first - 1, "it is missing")
                }
                previous = before.hash
            }
            var walk = AuditLinkWalk(from: first, after: previous)
            for kept in chain where kept.sequence >= first {
                if let broken = walk.next(
                    sequence: kept.sequence, body: kept.body, previousHash: kept.previousHash, hash: kept.hash)
                {
                    throw broken
                }
            }
            return try approvals.map { kept throws(AuditError) in
                let record = try Self.entry(kept).record
                guard record.sequence == kept.sequence else {
                    throw AuditLinkWalk.notVerifying(kept.sequence, "it holds another record's content")
                }
                return record
            }
        }
    }

    private static func entry(_ kept: Stored) throws(AuditError) -> AuditEntry {
        guard let record = kept.record else {
            throw AuditError(
                .corrupt,
                "record \(kept.sequence) of the in-memory audit trail is damaged: its content is not a record")
        }
        return AuditEntry(record: record, body: kept.body, previousHash: kept.previousHash, hash: kept.hash)
    }
}
