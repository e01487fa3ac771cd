/// The chain check every store shares: sequence numbers from 1 without gaps, each body hashing to
/// its recorded hash, holding its own sequence number, and naming the hash of the record before.
///
/// A store feeds its records in sequence order, as stored (values it cannot read as a number or as
/// text are nil), and adds the checks only it can make — SQLite compares the columns it copies out
/// of each body — through `alsoChecking`.
public struct AuditChainVerifier: Sendable {
    /// How many records verified so far.
    public private(set) var records = 0
    /// The last record that verified.
    public private(set) var head: AuditHead?
    private var expected = 1
    private var previousHash = AuditEntry.genesis

    /// A verifier at the start of a chain: the next record must be number 1, after
    /// ``AuditEntry/genesis``.
    public init() {}

    /// Checks the next record with the chain's checks alone.
    ///
    /// - Parameters:
    ///   - sequence: The stored sequence number; nil when it is not a number.
    ///   - body: The stored body; nil when it is not text.
    ///   - previousHash: The stored previous hash; nil when it is not text.
    ///   - hash: The stored hash; nil when it is not text.
    /// - Returns: The first problem (stop there); nil when the record is chained.
    public mutating func next(sequence: Int?, body: String?, previousHash: String?, hash: String?)
        -> AuditVerification.Problem?
    {
        next(sequence: sequence, body: body, previousHash: previousHash, hash: hash, alsoChecking: { _, _ in nil })
    }

    /// Checks the next record; returns the first problem (stop there), nil when it is chained.
    /// `alsoChecking` runs on a record the chain accepts, before it counts as verified.
    ///
    /// - Parameters:
    ///   - sequence: The stored sequence number; nil when it is not a number.
    ///   - body: The stored body; nil when it is not text.
    ///   - storedPrevious: The stored previous hash; nil when it is not text.
    ///   - hash: The stored hash; nil when it is not text.
    ///   - storeChecks: The store's own checks of a record the chain accepts, given its sequence
    ///     number and decoded record; returns a problem, or nil.
    /// - Returns: The first problem (stop there); nil when the record is chained.
    /// - Throws: What `storeChecks` throws.
    public mutating func next(
        sequence: Int?, body: String?, previousHash storedPrevious: String?, hash: String?,
        alsoChecking storeChecks: (_ sequence: Int, _ record: AuditRecord) throws -> AuditVerification.Problem?
    ) rethrows -> AuditVerification.Problem? {
        func problem(_ sequence: Int, _ message: String) -> AuditVerification.Problem {
            AuditVerification.Problem(sequence: sequence, message: message)
        }
        guard let sequence else { return problem(expected, "its sequence number is not a number") }
        if sequence != expected {
            return problem(
                expected,
                sequence > expected
                    ? "missing: the trail jumps from record \(expected - 1) to \(sequence) (deleted)"
                    : "sequence numbers out of order at \(sequence)")
        }
        guard let body, let storedPrevious, let hash else {
            return problem(sequence, "its body or hashes are not text")
        }
        guard AuditEntry.hash(body: body, previousHash: storedPrevious) == hash else {
            return problem(sequence, "its content was edited: the hash of what is stored is not its recorded hash")
        }
        guard let record = try? AuditEntry.decode(body: body) else {
            return problem(sequence, "its content is not a record")
        }
        guard record.sequence == sequence else {
            return problem(sequence, "it holds record \(record.sequence)'s content: records were reordered")
        }
        guard storedPrevious == previousHash else {
            return problem(
                sequence,
                "it does not follow record \(sequence - 1) (the previous hash differs): records were deleted, "
                    + "inserted or reordered before it")
        }
        if let found = try storeChecks(sequence, record) { return found }
        previousHash = hash
        records = sequence
        head = AuditHead(sequence: sequence, hash: hash)
        expected += 1
        return nil
    }
}

/// The lighter walk behind ``AuditStore/approvals(of:)``: from one record to the end, each present,
/// hashing to its hash and naming the one before's (O(records since), not O(trail)).
package struct AuditLinkWalk: Sendable {
    private var expected: Int
    private var previous: String

    /// Starts at `start`, whose predecessor's hash is `previous` (the genesis hash at 1).
    package init(from start: Int, after previous: String) {
        self.expected = start
        self.previous = previous
    }

    /// What is wrong at the next record, named by its sequence number; nil when it is linked.
    package mutating func next(sequence: Int, body: String, previousHash: String, hash: String) -> AuditError? {
        guard sequence == expected else { return Self.notVerifying(expected, "it is missing") }
        guard previousHash == previous, AuditEntry.hash(body: body, previousHash: previous) == hash else {
            return Self.notVerifying(sequence, "its content or its link to the record before was changed")
        }
        previous = hash
        expected += 1
        return nil
    }

    /// Approvals are trusted evidence: a trail that does not verify through them counts none.
    package static func notVerifying(_ sequence: Int, _ what: String) -> AuditError {
        AuditError(
            .corrupt,
            "the audit trail does not verify at record \(sequence) (\(what)), so its approvals are not counted; "
                + "run `changegate audit verify` and restore the trail from a copy checked against a witness")
    }
}

/// The check every store makes of entries copied from another trail (``AuditStore/append(copies:)``)
/// before it keeps them as they are: the next sequence number after the trail's head, the body
/// hashing to the entry's hash, the previous hash naming the head's, the body holding its own
/// sequence number, and the entry's record being its body's. A record altered in transit (its body,
/// its hash, its link, or the decoded record beside an untouched body) fails here, so a copy is the
/// source's chain or nothing.
public struct AuditCopyCheck: Sendable {
    private var expected: Int
    private var previous: String

    /// Starts after `head`, the destination's last record (nil: an empty trail).
    ///
    /// - Parameter head: The destination's head.
    public init(after head: AuditHead?) {
        expected = (head?.sequence ?? 0) + 1
        previous = head?.hash ?? AuditEntry.genesis
    }

    /// Checks the next entry of the copy.
    ///
    /// - Parameter entry: The entry as read from the source.
    /// - Returns: The entry with its record decoded from its body (what the store's columns are
    ///   made from).
    /// - Throws: ``AuditError/Kind/corrupt`` naming the entry and what is wrong with it.
    public mutating func next(_ entry: AuditEntry) throws(AuditError) -> AuditEntry {
        let sequence = entry.record.sequence
        func refused(_ why: String) -> AuditError {
            AuditError(
                .corrupt,
                "the copy of record \(sequence) is refused: \(why); nothing of this batch was copied (check the "
                    + "source with `changegate audit verify`)")
        }
        guard sequence == expected else {
            throw refused("the destination's next record is \(expected), so the copy would leave a gap or overlap")
        }
        guard entry.previousHash == previous else {
            throw refused("it does not name the hash of record \(sequence - 1) as the one before it")
        }
        guard AuditEntry.hash(body: entry.body, previousHash: entry.previousHash) == entry.hash else {
            throw refused("its body does not hash to its hash (it was altered)")
        }
        let record: AuditRecord
        do {
            record = try AuditEntry.decode(body: entry.body)
        } catch {
            throw refused("its body is not a record")
        }
        guard record.sequence == sequence, record == entry.record else {
            throw refused("its record is not the one its body holds")
        }
        expected += 1
        previous = entry.hash
        return AuditEntry(record: record, body: entry.body, previousHash: entry.previousHash, hash: entry.hash)
    }
}
