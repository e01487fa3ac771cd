import Crypto
import Foundation

/// A record as stored: its canonical encoding and its place in the hash chain.
///
/// `hash` is the SHA-256 of the previous entry's hash, a newline, and `body` (the record's
/// canonical JSON, its sequence number included). Editing a record changes its hash; deleting or
/// reordering records breaks the link from each to the one before; see ``AuditVerification``.
public struct AuditEntry: Sendable, Hashable {
    /// The record, decoded from ``body``.
    public var record: AuditRecord
    /// The canonical JSON the hash covers, exactly as stored.
    public var body: String
    /// The hash of the entry before (``genesis`` for the first), 64 lowercase hex digits.
    public var previousHash: String
    /// This entry's hash, ``hash(body:previousHash:)``.
    public var hash: String

    /// The hash before the first record.
    public static let genesis = String(repeating: "0", count: 64)

    /// Chains `record` (its sequence already set) after the entry whose hash is `previousHash`.
    ///
    /// - Parameters:
    ///   - record: The record, its sequence number set.
    ///   - previousHash: The hash of the entry before it; ``genesis`` for the first.
    /// - Throws: ``AuditError/Kind/encoding`` when the record cannot be encoded.
    public init(chaining record: AuditRecord, after previousHash: String) throws(AuditError) {
        self.record = record
        self.body = try Self.canonicalBody(of: record)
        self.previousHash = previousHash
        self.hash = Self.hash(body: body, previousHash: previousHash)
    }

    /// An entry read back from a store, as it is there (``AuditVerification`` checks it).
    ///
    /// - Parameters:
    ///   - record: The record decoded from `body`.
    ///   - body: The stored body.
    ///   - previousHash: The stored previous hash.
    ///   - hash: The stored hash.
    public init(record: AuditRecord, body: String, previousHash: String, hash: String) {
        self.record = record
        self.body = body
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Sorted keys, no insignificant whitespace, slashes unescaped: the same record always gives
    /// the same bytes.
    ///
    /// - Parameter record: The record.
    /// - Returns: Its canonical JSON.
    /// - Throws: ``AuditError/Kind/encoding`` when it cannot be encoded.
    public static func canonicalBody(of record: AuditRecord) throws(AuditError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(record), as: UTF8.self)
        } catch {
            throw AuditError(.encoding, "cannot encode record \(record.sequence): \(error)")
        }
    }

    /// The SHA-256 of `previousHash`, a newline and `body`, in lowercase hex.
    ///
    /// - Parameters:
    ///   - body: An entry's canonical body.
    ///   - previousHash: The hash of the entry before it.
    /// - Returns: The entry's hash.
    public static func hash(body: String, previousHash: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(previousHash.utf8))
        hasher.update(data: [UInt8(ascii: "\n")])
        hasher.update(data: Array(body.utf8))
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in hasher.finalize() {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Decodes a stored body.
    ///
    /// - Parameter body: A stored body.
    /// - Returns: The record.
    /// - Throws: ``AuditError/Kind/corrupt`` when the body is not a record.
    public static func decode(body: String) throws(AuditError) -> AuditRecord {
        do {
            return try JSONDecoder().decode(AuditRecord.self, from: Data(body.utf8))
        } catch {
            throw AuditError(.corrupt, "a record's body is not a record: \(error)")
        }
    }
}
