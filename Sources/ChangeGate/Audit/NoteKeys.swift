import Crypto
import Foundation

/// A public key in the signed-note verifier-key encoding: `NAME+KEYID+BASE64(TYPE ‖ PUBLIC-KEY)`,
/// as golang.org/x/mod/sumdb/note and the C2SP witnesses write it.
///
/// Type `0x01` is an Ed25519 note signer (a trail's checkpoint key); type `0x04` an Ed25519
/// cosigner (a witness, https://c2sp.org/tlog-cosignature). A type-`0x01` key also accepts the
/// cosignatures of the same key pair, as transparency-dev's verifiers do, so that a witness can
/// hand out the `.pub` that `audit keygen` wrote.
public struct NoteVerifierKey: Sendable, Hashable, CustomStringConvertible {
    /// The signature types this reads.
    public enum Algorithm: UInt8, Sendable, Hashable {
        /// Ed25519 over the note's text.
        case ed25519 = 0x01
        /// A timestamped Ed25519 cosignature (tlog-cosignature v1).
        case ed25519Cosignature = 0x04
    }

    /// The key's name: a schema-less URL by convention (`git.example.com/changegate/shop`).
    public let name: String
    /// What it verifies.
    public let algorithm: Algorithm
    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]

    /// A verifier key.
    ///
    /// - Parameters:
    ///   - name: The key's name.
    ///   - publicKey: The 32-byte Ed25519 public key.
    ///   - algorithm: What it verifies.
    /// - Throws: ``CheckpointError/Kind/key`` for a name the formats do not allow or a key of
    ///   another length.
    public init(name: String, publicKey: [UInt8], algorithm: Algorithm = .ed25519) throws(CheckpointError) {
        guard SignedNote.isValidName(name) else {
            throw CheckpointError(.key, "\"\(name)\" is not a key name: it must be non-empty, without spaces or '+'")
        }
        guard publicKey.count == 32 else {
            throw CheckpointError(.key, "an Ed25519 public key has 32 bytes, not \(publicKey.count)")
        }
        self.name = name
        self.publicKey = publicKey
        self.algorithm = algorithm
    }

    /// Parses `NAME+KEYID+BASE64`.
    ///
    /// - Parameters:
    ///   - text: The encoded key (surrounding white space is ignored).
    ///   - source: Where it came from, for the error (a path).
    /// - Throws: ``CheckpointError/Kind/key`` naming what is wrong.
    public init(parsing text: String, source: String) throws(CheckpointError) {
        func bad(_ why: String) -> CheckpointError {
            CheckpointError(
                .key, "\(source) is not a verifier key (NAME+KEYID+BASE64, as `changegate audit keygen` writes): \(why)"
            )
        }
        // The key's base64 may hold '+'; the name and key ID cannot.
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw bad("it has not three parts")
        }
        guard parts[0] != "PRIVATE" else {
            throw bad("it is a private key; give the .pub file")
        }
        guard let id = NoteKeyID.parse(parts[1]) else { throw bad("the key ID \"\(parts[1])\" is not 8 hex digits") }
        guard let material = Base64.decode(parts[2]), let type = material.first else {
            throw bad("the key is not base64")
        }
        guard let algorithm = Algorithm(rawValue: type) else {
            throw bad(
                "its signature type 0x\(String(format: "%02x", type)) is not Ed25519 (0x01) or a cosignature (0x04)")
        }
        do throws(CheckpointError) {
            self = try NoteVerifierKey(
                name: String(parts[0]), publicKey: Array(material.dropFirst()), algorithm: algorithm)
        } catch {
            throw bad(error.message)
        }
        guard id == keyID else {
            throw bad("its key ID \(parts[1]) is not the one its name and key give (\(NoteKeyID.hex(keyID)))")
        }
    }

    /// The key ID of this key's own signature type: the first four bytes of
    /// SHA-256(name ‖ 0x0A ‖ type ‖ public key).
    public var keyID: UInt32 { NoteKeyID.of(name: name, type: algorithm.rawValue, publicKey: publicKey) }

    /// `NAME+KEYID+BASE64(TYPE ‖ PUBLIC-KEY)`.
    public var encoded: String {
        "\(name)+\(NoteKeyID.hex(keyID))+\(Base64.encode([algorithm.rawValue] + publicKey))"
    }

    public var description: String { encoded }

    /// The same key pair as a witness's cosigner key (type `0x04`).
    public var asCosigner: NoteVerifierKey {
        // The name and key were checked when this one was made.
        (try? NoteVerifierKey(name: name, publicKey: publicKey, algorithm: .ed25519Cosignature)) ?? self
    }

    /// What this key says of a signature line.
    public enum Check: Sendable, Hashable {
        /// The line is not this key's (another name or key ID): ignored, as the format requires.
        case notThisKey
        /// A plain note signature that verifies.
        case signed
        /// A cosignature that verifies, made at this time (seconds since the epoch).
        case cosigned(timestamp: UInt64)
        /// The line is this key's, and it does not verify: the note must be rejected.
        case invalid
    }

    /// Checks `signature` over `text`.
    ///
    /// - Parameters:
    ///   - signature: A signature line of the note.
    ///   - text: The note's text.
    /// - Returns: Whether the line is this key's, and whether it verifies.
    public func check(_ signature: SignedNote.Signature, over text: String) -> Check {
        guard signature.name == name,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        else { return .notThisKey }
        if algorithm == .ed25519, signature.keyID == keyID {
            return key.isValidSignature(signature.bytes, for: Array(text.utf8)) ? .signed : .invalid
        }
        guard signature.keyID == asCosigner.keyID else { return .notThisKey }
        guard signature.bytes.count == 8 + 64 else { return .invalid }
        let timestamp = signature.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard timestamp < 1 << 63 else { return .invalid }
        let message = Array(NoteCosignature.message(text: text, timestamp: timestamp).utf8)
        return key.isValidSignature(Array(signature.bytes.dropFirst(8)), for: message)
            ? .cosigned(timestamp: timestamp) : .invalid
    }
}

/// A private key in the signed-note signer-key encoding:
/// `PRIVATE+KEY+NAME+KEYID+BASE64(0x01 ‖ SEED)`.
///
/// It never prints its seed: ``description`` names the key only, and no error quotes a key file.
public struct NoteSignerKey: Sendable, CustomStringConvertible {
    /// The key's name.
    public var name: String { verifierKey.name }
    /// The public half, type `0x01`.
    public let verifierKey: NoteVerifierKey
    /// The 32-byte Ed25519 seed (kept as bytes: swift-crypto's key type is not `Sendable`).
    private let seed: [UInt8]

    /// A new key pair from the system's random source.
    ///
    /// - Parameter name: The key's name (a schema-less URL by convention).
    /// - Throws: ``CheckpointError/Kind/key`` for a name the formats do not allow.
    public init(generatingFor name: String) throws(CheckpointError) {
        let privateKey = Curve25519.Signing.PrivateKey()
        seed = Array(privateKey.rawRepresentation)
        verifierKey = try NoteVerifierKey(name: name, publicKey: Array(privateKey.publicKey.rawRepresentation))
    }

    /// Parses `PRIVATE+KEY+NAME+KEYID+BASE64(0x01 ‖ SEED)`.
    ///
    /// - Parameters:
    ///   - text: The encoded key (surrounding white space is ignored).
    ///   - source: Where it came from, for the error (a path); the error never quotes the key.
    /// - Throws: ``CheckpointError/Kind/key`` naming what is wrong.
    public init(parsing text: String, source: String) throws(CheckpointError) {
        func bad(_ why: String) -> CheckpointError {
            CheckpointError(
                .key,
                "\(source) is not a signer key (PRIVATE+KEY+NAME+KEYID+BASE64, as `changegate audit keygen` writes): \(why)"
            )
        }
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY" else {
            throw bad("it does not start PRIVATE+KEY+ (a .pub file is a verifier key: give the .key)")
        }
        guard let id = NoteKeyID.parse(parts[3]) else { throw bad("its key ID is not 8 hex digits") }
        guard let material = Base64.decode(parts[4]), material.count == 33, material[0] == 0x01,
            let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: material.dropFirst())
        else { throw bad("the key is not base64 of 0x01 and a 32-byte Ed25519 seed") }
        seed = Array(material.dropFirst())
        do throws(CheckpointError) {
            verifierKey = try NoteVerifierKey(
                name: String(parts[2]), publicKey: Array(privateKey.publicKey.rawRepresentation))
        } catch {
            throw bad(error.message)
        }
        guard id == verifierKey.keyID else { throw bad("its key ID does not match its name and key") }
    }

    /// `PRIVATE+KEY+NAME+KEYID+BASE64(0x01 ‖ SEED)`: what the `.key` file holds.
    public var encoded: String {
        "PRIVATE+KEY+\(name)+\(NoteKeyID.hex(verifierKey.keyID))+"
            + Base64.encode([0x01] + seed)
    }

    public var description: String { "signer key \(name)+\(NoteKeyID.hex(verifierKey.keyID))" }

    /// A plain Ed25519 note signature of `text` (type `0x01`).
    ///
    /// - Parameter text: The note's text, ending in a newline.
    /// - Returns: The signature line.
    /// - Throws: ``CheckpointError/Kind/signature`` when the platform cannot sign.
    public func sign(_ text: String) throws(CheckpointError) -> SignedNote.Signature {
        let signature = try ed25519(Array(text.utf8))
        return SignedNote.Signature(name: name, keyID: verifierKey.keyID, bytes: signature)
    }

    /// A tlog-cosignature v1 of `text` (type `0x04`): the timestamp, then Ed25519 over
    /// `cosignature/v1\ntime T\n` and the text.
    ///
    /// - Parameters:
    ///   - text: The checkpoint's text.
    ///   - timestamp: Seconds since the epoch: when the witness saw it.
    /// - Returns: The signature line.
    /// - Throws: ``CheckpointError/Kind/signature`` when the platform cannot sign.
    public func cosign(_ text: String, timestamp: UInt64) throws(CheckpointError) -> SignedNote.Signature {
        let signature = try ed25519(Array(NoteCosignature.message(text: text, timestamp: timestamp).utf8))
        let time = withUnsafeBytes(of: timestamp.bigEndian) { Array($0) }
        return SignedNote.Signature(name: name, keyID: verifierKey.asCosigner.keyID, bytes: time + signature)
    }

    private func ed25519(_ message: [UInt8]) throws(CheckpointError) -> [UInt8] {
        do {
            return Array(try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: message))
        } catch {
            throw CheckpointError(.signature, "cannot sign with \(description): \(error)")
        }
    }
}

/// The key ID both encodings carry.
enum NoteKeyID {
    static func of(name: String, type: UInt8, publicKey: [UInt8]) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, type] + publicKey)
        return hasher.finalize().prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    static func hex(_ id: UInt32) -> String {
        let digits = String(id, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    static func parse(_ text: Substring) -> UInt32? {
        guard text.count == 8, text.allSatisfy(\.isHexDigit) else { return nil }
        return UInt32(text, radix: 16)
    }
}

/// What a tlog-cosignature v1 signs.
enum NoteCosignature {
    static func message(text: String, timestamp: UInt64) -> String {
        "cosignature/v1\ntime \(timestamp)\n" + text
    }
}
