import Foundation

/// A trail's size and head hash under its origin name, in the C2SP checkpoint format
/// (https://c2sp.org/tlog-checkpoint): three lines, `ORIGIN`, `SIZE` (the record count, decimal)
/// and `BASE64(HEAD HASH)` (the 32 bytes of the last record's hash), then any extension lines.
///
/// The trail is a hash chain, not a Merkle tree: the third line is the chain's head (hash(n) of
/// docs/audit.md), not an RFC 6962 root, so a checkpoint is proven against the trail's records, not
/// with inclusion proofs. An empty trail's checkpoint has size 0 and the genesis hash (32 zero
/// bytes).
public struct AuditCheckpoint: Sendable, Hashable {
    /// Who keeps the trail: the first line, a schema-less URL by convention.
    public var origin: String
    /// How many records the trail had.
    public var size: Int
    /// The hash of record `size`, 64 lowercase hex digits (``AuditEntry/genesis`` for size 0).
    public var hash: String
    /// Lines after the third: opaque, signed, not interpreted (C2SP does not recommend them).
    public var extensions: [String]

    /// A checkpoint.
    ///
    /// - Parameters:
    ///   - origin: The origin line.
    ///   - size: The record count.
    ///   - hash: Record `size`'s hash, 64 hex digits.
    ///   - extensions: Extension lines, each non-empty.
    /// - Throws: ``CheckpointError/Kind/format`` for an origin with a space, a `+` or a control
    ///   character, a negative size, a hash that is not 64 hex digits or an empty extension line.
    public init(origin: String, size: Int, hash: String, extensions: [String] = []) throws(CheckpointError) {
        guard SignedNote.isValidName(origin) else {
            throw CheckpointError(
                .format, "the origin \"\(origin)\" is not usable: it must be non-empty, without spaces or '+'")
        }
        guard size >= 0 else { throw CheckpointError(.format, "a checkpoint's size is not negative (\(size))") }
        guard Hex.decode(hash)?.count == 32 else {
            throw CheckpointError(.format, "a checkpoint's hash is 64 hex digits, not \"\(hash.prefix(80))\"")
        }
        guard !extensions.contains(where: { $0.isEmpty || $0.contains("\n") }) else {
            throw CheckpointError(.format, "a checkpoint's extension lines are non-empty single lines")
        }
        self.origin = origin
        self.size = size
        self.hash = hash.lowercased()
        self.extensions = extensions
    }

    /// The checkpoint of a trail whose head is `head` (nil: empty).
    ///
    /// - Parameters:
    ///   - head: The trail's head.
    ///   - origin: The origin line.
    /// - Throws: ``CheckpointError/Kind/format`` for an origin the format does not allow.
    public init(head: AuditHead?, origin: String) throws(CheckpointError) {
        try self.init(origin: origin, size: head?.sequence ?? 0, hash: head?.hash ?? AuditEntry.genesis)
    }

    /// The last record it covers, as `audit head` prints it; nil for an empty trail's.
    public var head: AuditHead? { size > 0 ? AuditHead(sequence: size, hash: hash) : nil }

    /// The note text that is signed: the lines, each ending in a newline.
    public var text: String {
        ([origin, String(size), Base64.encode(Hex.decode(hash) ?? [])] + extensions).map { $0 + "\n" }.joined()
    }

    /// Parses a note's text as a checkpoint.
    ///
    /// - Parameters:
    ///   - text: The note's text.
    ///   - source: Where it came from, for the error (a path).
    /// - Throws: ``CheckpointError/Kind/format`` naming the line that is wrong.
    public init(parsingText text: String, source: String) throws(CheckpointError) {
        func bad(_ why: String) -> CheckpointError {
            CheckpointError(.format, "\(source) is not a checkpoint (c2sp.org/tlog-checkpoint): \(why)")
        }
        guard text.hasSuffix("\n") else { throw bad("its text does not end in a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else { throw bad("it has \(lines.count) lines, not origin, size and hash") }
        guard let size = Int(lines[1]), size >= 0, String(size) == lines[1] else {
            throw bad("its second line \"\(lines[1].prefix(40))\" is not a size (decimal, no leading zeros)")
        }
        guard let hash = Base64.decode(lines[2][...]), hash.count == 32 else {
            throw bad("its third line is not the base64 of a 32-byte hash")
        }
        do throws(CheckpointError) {
            self = try AuditCheckpoint(
                origin: lines[0], size: size, hash: Hex.encode(hash), extensions: Array(lines.dropFirst(3)))
        } catch {
            throw bad(error.message)
        }
    }
}

/// A checkpoint with its signatures: the file `audit checkpoint` writes, `audit witness` co-signs
/// and `audit verify --checkpoint` checks.
public struct SignedCheckpoint: Sendable, Hashable {
    /// What is signed.
    public var checkpoint: AuditCheckpoint
    /// The signatures, the trail's key first, then its witnesses'.
    public var signatures: [SignedNote.Signature]

    /// The checkpoint, signed by `key`.
    ///
    /// - Parameters:
    ///   - checkpoint: What to sign.
    ///   - key: The trail's signer key.
    /// - Throws: ``CheckpointError/Kind/signature`` when the platform cannot sign.
    public init(signing checkpoint: AuditCheckpoint, with key: NoteSignerKey) throws(CheckpointError) {
        self.checkpoint = checkpoint
        signatures = [try key.sign(checkpoint.text)]
    }

    /// Parses a signed checkpoint.
    ///
    /// - Parameters:
    ///   - serialized: The file's text.
    ///   - source: Where it came from, for the error (a path).
    /// - Throws: ``CheckpointError/Kind/format`` naming what is wrong.
    public init(parsing serialized: String, source: String) throws(CheckpointError) {
        let note = try SignedNote(parsing: serialized, source: source)
        checkpoint = try AuditCheckpoint(parsingText: note.text, source: source)
        signatures = note.signatures
    }

    /// The file's text: the checkpoint, a blank line, the signature lines.
    public var serialized: String { SignedNote(text: checkpoint.text, signatures: signatures).serialized }

    /// A signature that verified, and whose key it is.
    public struct Verified: Sendable, Hashable {
        /// The key that verified it.
        public var key: NoteVerifierKey
        /// A plain signature, or a cosignature with its time.
        public var check: NoteVerifierKey.Check
    }

    /// Checks that every key in `keys` signed (or co-signed) the checkpoint.
    ///
    /// Lines of other keys are ignored, as the format requires; a line of one of `keys` that does
    /// not verify rejects the whole checkpoint.
    ///
    /// - Parameters:
    ///   - keys: The keys that must each have signed it: the trail's, and its witnesses'.
    ///   - source: Where the checkpoint came from, for the error (a path).
    /// - Returns: One verified signature per key, in the order of `keys`.
    /// - Throws: ``CheckpointError/Kind/signature`` naming the key that did not sign, or whose
    ///   signature does not verify (the text was changed, or the line was forged).
    public func verify(keys: [NoteVerifierKey], source: String) throws(CheckpointError) -> [Verified] {
        guard !keys.isEmpty else {
            throw CheckpointError(.signature, "no key to check \(source) with: give the trail's .pub with --key")
        }
        let text = checkpoint.text
        var verified: [Verified] = []
        for key in keys {
            var found: NoteVerifierKey.Check?
            for signature in signatures {
                switch key.check(signature, over: text) {
                case .notThisKey: continue
                case .invalid:
                    throw CheckpointError(
                        .signature,
                        "the signature of \(key.name) (key \(NoteKeyID.hex(key.keyID))) in \(source) does not verify: "
                            + "the checkpoint was changed after it was signed, or the signature is forged")
                case let check:
                    if found == nil { found = check }
                }
            }
            guard let found else {
                let names = signatures.map(\.name)
                throw CheckpointError(
                    .signature,
                    "\(source) is not signed by \(key.name) (key \(NoteKeyID.hex(key.keyID))); it is signed by "
                        + (names.isEmpty ? "nobody" : names.joined(separator: ", "))
                        + ": check that --key names the right .pub")
            }
            verified.append(Verified(key: key, check: found))
        }
        return verified
    }

    /// Adds a witness's cosignature, replacing an earlier one of the same key.
    ///
    /// - Parameters:
    ///   - key: The witness's signer key.
    ///   - timestamp: Seconds since the epoch.
    /// - Throws: ``CheckpointError/Kind/signature`` when the platform cannot sign.
    public mutating func cosign(with key: NoteSignerKey, timestamp: UInt64) throws(CheckpointError) {
        let line = try key.cosign(checkpoint.text, timestamp: timestamp)
        signatures.removeAll { $0.name == line.name && $0.keyID == line.keyID }
        signatures.append(line)
    }
}

/// Lowercase hex, both ways.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
