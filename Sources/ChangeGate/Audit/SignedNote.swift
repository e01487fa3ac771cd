import Foundation

/// Why a checkpoint, a note or a key could not be made, read or trusted: what, where, and what to do.
public struct CheckpointError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable {
        /// The text is not a signed note, a checkpoint or a key in the C2SP formats.
        case format
        /// A key file cannot be used: unreadable, of the wrong kind, or readable by others.
        case key
        /// No signature of a trusted key verifies, or one of a trusted key fails.
        case signature
        /// The trail does not hold the checkpoint's history: cut back or rewritten.
        case notContained
        /// The checkpoint does not extend the one signed or co-signed before it: a fork.
        case fork
        /// A file could not be read or written.
        case file
        /// The trail does not verify (edited, damaged, or not holding its local witness's head): no
        /// checkpoint vouches for it.
        case tampered
        /// The trail could not be read.
        case trail
    }

    /// What went wrong.
    public var kind: Kind
    /// What to say, one line: what, where, and what to do.
    public var message: String

    /// An error.
    ///
    /// - Parameters:
    ///   - kind: What went wrong.
    ///   - message: What to say.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// A C2SP signed note (https://c2sp.org/signed-note): a text of newline-terminated lines, a blank
/// line, and signature lines `— NAME BASE64(KEY-ID ‖ SIGNATURE)`.
///
/// Parsing follows golang.org/x/mod/sumdb/note, so that notes ChangeGate writes open with Go's tools
/// and the reverse: UTF-8 with no control character but newline, the text ending where the last
/// blank line starts, at most 100 signatures, names without spaces or `+`.
public struct SignedNote: Sendable, Hashable {
    /// One signature line.
    public struct Signature: Sendable, Hashable {
        /// The signer's key name.
        public var name: String
        /// The first four bytes of the decoded signature, big-endian: which of the name's keys.
        public var keyID: UInt32
        /// What follows the key ID: the signature itself (for a cosignature, timestamp and signature).
        public var bytes: [UInt8]

        /// A signature.
        ///
        /// - Parameters:
        ///   - name: The signer's key name.
        ///   - keyID: The key's ID.
        ///   - bytes: The signature bytes after the key ID.
        public init(name: String, keyID: UInt32, bytes: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.bytes = bytes
        }

        /// The line as the note holds it, without its newline.
        public var line: String {
            var payload = withUnsafeBytes(of: keyID.bigEndian) { Array($0) }
            payload += bytes
            return "\u{2014} \(name) \(Data(payload).base64EncodedString())"
        }
    }

    /// The signed text, its final newline included.
    public var text: String
    /// The signatures, in the note's order.
    public var signatures: [Signature]

    /// The most signatures a note may carry, as Go's reader allows.
    public static let maxSignatures = 100
    /// The largest note read (1 MiB): a checkpoint is a few hundred bytes.
    public static let maxBytes = 1 << 20

    /// A note.
    ///
    /// - Parameters:
    ///   - text: The text, ending in a newline.
    ///   - signatures: Its signatures.
    public init(text: String, signatures: [Signature] = []) {
        self.text = text
        self.signatures = signatures
    }

    /// The note as a file holds it: text, blank line, signature lines.
    public var serialized: String {
        text + "\n" + signatures.map { $0.line + "\n" }.joined()
    }

    /// Whether `name` may name a key: non-empty, no Unicode space, no `+`.
    ///
    /// - Parameter name: A key name.
    /// - Returns: True when the formats allow it.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("+")
            && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 }
    }

    /// Parses a note.
    ///
    /// - Parameters:
    ///   - serialized: The note's text as read.
    ///   - source: Where it came from, for the error (a path).
    /// - Throws: ``CheckpointError/Kind/format`` naming what is wrong.
    public init(parsing serialized: String, source: String) throws(CheckpointError) {
        func malformed(_ why: String) -> CheckpointError {
            CheckpointError(.format, "\(source) is not a signed note (c2sp.org/signed-note): \(why)")
        }
        guard serialized.utf8.count <= Self.maxBytes else { throw malformed("it is larger than 1 MiB") }
        if let bad = serialized.unicodeScalars.first(where: { $0.value < 0x20 && $0 != "\n" }) {
            throw malformed("it holds the control character U+\(String(format: "%04X", bad.value))")
        }
        // The text ends where the last blank line starts; the signatures follow it.
        guard let split = serialized.range(of: "\n\n", options: .backwards) else {
            throw malformed("there is no blank line before the signatures")
        }
        let text = String(serialized[..<serialized.index(after: split.lowerBound)])
        let block = serialized[split.upperBound...]
        guard !block.isEmpty, block.hasSuffix("\n") else {
            throw malformed("it has no signature lines, or the last one does not end in a newline")
        }
        var signatures: [Signature] = []
        for line in block.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("\u{2014} ") else {
                throw malformed(
                    "the line \"\(line.prefix(40))\" after the blank line is not a signature (— NAME BASE64)")
            }
            let rest = line.dropFirst(2)
            guard let space = rest.firstIndex(of: " ") else { throw malformed("a signature line has no signature") }
            let name = String(rest[..<space])
            guard Self.isValidName(name) else { throw malformed("the signer name \"\(name)\" is not a valid key name") }
            guard let decoded = Base64.decode(rest[rest.index(after: space)...]), decoded.count >= 5 else {
                throw malformed("the signature of \(name) is not base64 of a key ID and a signature")
            }
            let keyID = decoded.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            signatures.append(Signature(name: name, keyID: keyID, bytes: Array(decoded.dropFirst(4))))
        }
        guard signatures.count <= Self.maxSignatures else {
            throw malformed("it has \(signatures.count) signatures, more than \(Self.maxSignatures)")
        }
        self.init(text: text, signatures: signatures)
    }
}

/// Standard base64 (RFC 4648, section 4), canonical only: what decodes must encode back to the same
/// text, so that one signature has one spelling.
enum Base64 {
    static func decode(_ text: Substring) -> [UInt8]? {
        guard let data = Data(base64Encoded: String(text)), data.base64EncodedString() == text else { return nil }
        return Array(data)
    }

    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
