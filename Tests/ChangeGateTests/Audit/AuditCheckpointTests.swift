import ChangeGate
import ChangeGatePostgres
import Crypto
import Foundation
import TestSupport
import Testing

/// Signed checkpoints (C2SP signed-note and tlog-checkpoint) and witnesses (tlog-cosignature), in
/// the library: the encodings against golang.org/x/mod/sumdb/note's published test vectors, and the
/// proofs over the memory store and real SQLite trails.
@Suite("Audit checkpoints: formats, signatures, proofs, witnesses")
struct AuditCheckpointTests {
    // golang.org/x/mod/sumdb/note's note_test.go (TestNewSigner, TestNewVerifier, TestSign, TestOpen).
    static let peterSigner = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let peterVerifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let enochVerifier = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    static let goText =
        "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let peterSignature =
        "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
    static let enochSignature =
        "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="

    static func records(_ count: Int, seed: UInt64 = 1) -> [AuditRecord] {
        var synthetic = SyntheticAuditTrail(seed: seed)
        return (0..<count).map { _ in synthetic.next(label: "ckpt") }
    }

    static func memory(_ count: Int, seed: UInt64 = 1) throws -> MemoryAuditStore {
        let store = MemoryAuditStore()
        if count > 0 { try store.append(records(count, seed: seed)) }
        return store
    }

    @Test("Go's signer and verifier keys parse, re-encode byte for byte and share the key ID c74f20a3")
    func goKeyVectors() throws {
        let signer = try NoteSignerKey(parsing: Self.peterSigner, source: "vector")
        let verifier = try NoteVerifierKey(parsing: Self.peterVerifier, source: "vector")
        #expect(signer.encoded == Self.peterSigner)
        #expect(verifier.encoded == Self.peterVerifier)
        #expect(signer.verifierKey == verifier)
        #expect(verifier.keyID == 0xc74f_20a3)
        #expect(try NoteVerifierKey(parsing: Self.enochVerifier, source: "vector").keyID == 0xaf0c_fe78)
        // The key ID by hand: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), first four bytes.
        let digest = Array(SHA256.hash(data: Array("PeterNeumann".utf8) + [0x0A, 0x01] + verifier.publicKey))
        #expect(digest.prefix(4) == [0xc7, 0x4f, 0x20, 0xa3])
        // Its cosigner form (type 0x04) has the key ID of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key).
        let cosigner = Array(SHA256.hash(data: Array("PeterNeumann".utf8) + [0x0A, 0x04] + verifier.publicKey))
        #expect(verifier.asCosigner.keyID == cosigner.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        #expect(verifier.asCosigner.encoded.hasPrefix("PeterNeumann+"))
        #expect(verifier.asCosigner.encoded.contains("+BBpc2QcUPDhM"))  // 0x04 ‖ the same key
    }

    @Test(
        "manglings of Go's keys are refused, with a message that never quotes the private key",
        arguments: [
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  // key ID
            "PRIVATE+KEY+PeterNeumanm+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  // name
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  // type 0x02
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",  // short
            "PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  // a space
            "PRIVATE+KEY+PeterNeumann+c74f20a3",
        ])
    func mangledSignerKeys(text: String) {
        #expect {
            _ = try NoteSignerKey(parsing: text, source: "k.key")
        } throws: { error in
            let message = "\(error)"
            return message.contains("k.key is not a signer key") && !message.contains("AYEKFALV")
                && !message.contains("AoEKFALV")
        }
    }

    @Test("a verifier key with a wrong key ID, an unknown type or a short key is refused")
    func mangledVerifierKeys() {
        for text in [
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            Self.peterSigner,
        ] {
            #expect(throws: CheckpointError.self, "\(text)") { _ = try NoteVerifierKey(parsing: text, source: "k.pub") }
        }
    }

    @Test("Go's signed note verifies, and signing its text with its key gives its signature byte for byte")
    func goSignatureVector() throws {
        let note = try SignedNote(
            parsing: Self.goText + "\n— PeterNeumann \(Self.peterSignature)\n— EnochRoot \(Self.enochSignature)\n",
            source: "vector")
        #expect(note.text == Self.goText)
        #expect(note.signatures.map(\.name) == ["PeterNeumann", "EnochRoot"])
        let peter = try NoteVerifierKey(parsing: Self.peterVerifier, source: "vector")
        let enoch = try NoteVerifierKey(parsing: Self.enochVerifier, source: "vector")
        #expect(peter.check(note.signatures[0], over: note.text) == .signed)
        #expect(peter.check(note.signatures[1], over: note.text) == .notThisKey)
        #expect(enoch.check(note.signatures[1], over: note.text) == .signed)
        #expect(peter.check(note.signatures[0], over: note.text + "x\n") == .invalid)
        let signer = try NoteSignerKey(parsing: Self.peterSigner, source: "vector")
        let ours = try signer.sign(Self.goText)
        #expect(peter.check(ours, over: Self.goText) == .signed)
        #if os(Linux)
            // BoringSSL's Ed25519 is RFC 8032's, deterministic; Apple's CryptoKit randomizes signatures.
            #expect(ours.line == "— PeterNeumann \(Self.peterSignature)")
        #endif
    }

    @Test(
        "notes Go's reader refuses are refused",
        arguments: [
            goText,
            goText + "\n",
            goText + "\n— PeterNeumann " + peterSignature,
            "\u{1}" + goText + "\n— PeterNeumann " + peterSignature + "\n",
            goText + "\n— Bad Name " + peterSignature + "\n",
            goText + "\n— PeterNeumann " + peterSignature + "\nUnexpected line.\n",
            goText + "\n" + String(repeating: "— PeterNeumann " + peterSignature + "\n", count: 101),
        ])
    func malformedNotes(text: String) {
        #expect(throws: CheckpointError.self) { _ = try SignedNote(parsing: text, source: "n") }
    }

    @Test("the cosignature layout: key ID, a big-endian timestamp and the signature over cosignature/v1, time, text")
    func cosignatureFormat() throws {
        let signer = try NoteSignerKey(parsing: Self.peterSigner, source: "vector")
        let text = "example.com/log\n5\n" + Data(repeating: 7, count: 32).base64EncodedString() + "\n"
        let line = try signer.cosign(text, timestamp: 1_679_315_147)
        #expect(line.keyID == signer.verifierKey.asCosigner.keyID)
        #expect(line.bytes.count == 8 + 64)
        #expect(Array(line.bytes.prefix(8)) == [0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb])
        // The signature is Ed25519 over exactly these bytes (checked with the raw key, not our verifier).
        let raw = try Curve25519.Signing.PublicKey(rawRepresentation: signer.verifierKey.publicKey)
        let message = Array(("cosignature/v1\ntime 1679315147\n" + text).utf8)
        #expect(raw.isValidSignature(Array(line.bytes.dropFirst(8)), for: message))
        #expect(signer.verifierKey.check(line, over: text) == .cosigned(timestamp: 1_679_315_147))
        #expect(signer.verifierKey.asCosigner.check(line, over: text) == .cosigned(timestamp: 1_679_315_147))
        // A cosigner key does not take a plain signature for a cosignature.
        #expect(signer.verifierKey.asCosigner.check(try signer.sign(text), over: text) == .notThisKey)
        // tlog-cosignature's own example line: key ID 8d66cf3f, time 1679315147 (its key is not published).
        let example = try SignedNote(
            parsing: "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
                + "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n",
            source: "spec")
        #expect(example.signatures[0].keyID == 0x8d66_cf3f)
        #expect(Array(example.signatures[0].bytes.prefix(8)) == [0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb])
    }

    @Test("a checkpoint's text is origin, size and base64 of the head hash; it parses back, and odd lines are refused")
    func checkpointText() throws {
        let store = try Self.memory(3)
        let head = try #require(try store.head())
        let checkpoint = try AuditCheckpoint(head: head, origin: "git.example.com/changegate/shop")
        let hashBytes = try #require(Data(hexString: head.hash))
        #expect(checkpoint.text == "git.example.com/changegate/shop\n3\n\(hashBytes.base64EncodedString())\n")
        #expect(try AuditCheckpoint(parsingText: checkpoint.text, source: "c") == checkpoint)
        let empty = try AuditCheckpoint(head: nil, origin: "o")
        #expect(empty.text == "o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
        for bad in [
            "o\n03\n\(hashBytes.base64EncodedString())\n", "o\n-1\n\(hashBytes.base64EncodedString())\n",
            "o\n3\nAAAA\n", "o\n3\n", "o b\n3\n\(hashBytes.base64EncodedString())\n",
            "o\n3\n\(hashBytes.base64EncodedString())\n\n",
        ] {
            #expect(throws: CheckpointError.self, "\(bad)") { _ = try AuditCheckpoint(parsingText: bad, source: "c") }
        }
    }

    @Test("a good checkpoint verifies; a tampered body, a wrong key and a missing witness do not")
    func signatures() throws {
        let key = try NoteSignerKey(generatingFor: "git.example.com/changegate/shop")
        let other = try NoteSignerKey(generatingFor: "git.example.com/changegate/shop")
        let store = try Self.memory(5)
        let signed = try SignedCheckpoint(
            signing: try store.checkpoint(origin: key.name, extending: nil), with: key)
        let parsed = try SignedCheckpoint(parsing: signed.serialized, source: "c")
        #expect(parsed == signed)
        #expect(try parsed.verify(keys: [key.verifierKey], source: "c").map(\.check) == [.signed])

        // One digit of the size changed: the signature no longer verifies, and says so.
        let tampered = signed.serialized.replacingOccurrences(of: "\n5\n", with: "\n4\n")
        #expect(tampered != signed.serialized)
        #expect {
            _ = try SignedCheckpoint(parsing: tampered, source: "c").verify(keys: [key.verifierKey], source: "c")
        } throws: { error in
            (error as? CheckpointError)?.kind == .signature && "\(error)".contains("does not verify")
        }
        // Another key of the same name: its key ID differs, so the line is not its; nothing it trusts signed.
        #expect {
            _ = try parsed.verify(keys: [other.verifierKey], source: "c")
        } throws: { error in
            (error as? CheckpointError)?.kind == .signature && "\(error)".contains("is not signed by")
        }
        // A forged line with the right name and key ID but another key's signature.
        var forged = signed
        forged.signatures = [
            SignedNote.Signature(
                name: key.name, keyID: key.verifierKey.keyID, bytes: try other.sign(signed.checkpoint.text).bytes)
        ]
        #expect(throws: CheckpointError.self) { _ = try forged.verify(keys: [key.verifierKey], source: "c") }
        // A witness key asked for and absent.
        let witness = try NoteSignerKey(generatingFor: "witness.example.com/w1")
        #expect(throws: CheckpointError.self) {
            _ = try parsed.verify(keys: [key.verifierKey, witness.verifierKey], source: "c")
        }
        var cosigned = parsed
        try cosigned.cosign(with: witness, timestamp: 1_700_000_000)
        let both = try SignedCheckpoint(parsing: cosigned.serialized, source: "c")
            .verify(keys: [key.verifierKey, witness.verifierKey], source: "c")
        #expect(both.map(\.check) == [.signed, .cosigned(timestamp: 1_700_000_000)])
    }

    /// A SQLite trail of `count` synthetic records in `folder`.
    static func sqlite(_ folder: URL, _ name: String, records count: Int, seed: UInt64 = 1) throws -> SQLiteAuditStore {
        let store = try SQLiteAuditStore(path: folder.appendingPathComponent(name).path)
        if count > 0 { try store.append(records(count, seed: seed)) }
        return store
    }

    @Test(
        "on SQLite: a trail extended after the checkpoint holds it; one rewritten or cut back does not, naming what differs"
    )
    func proofsOnSQLite() throws {
        let folder = try Paths.temporaryDirectory("ckpt-proof")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try Self.sqlite(folder, "a.sqlite", records: 10)
        let checkpoint = try store.checkpoint(origin: "o", extending: nil)
        #expect(checkpoint.size == 10)
        try store.append(Self.records(5, seed: 2))
        let extended = try store.prove([checkpoint]).proofs[0]
        #expect(extended.holds, "\(extended.message)")
        #expect(extended.message.contains("record 10 has the checkpoint's hash"))

        // The same number of records, other content: a trail rewritten and re-hashed as a whole.
        let rewritten = try Self.sqlite(folder, "b.sqlite", records: 12, seed: 9)
        let other = try rewritten.prove([checkpoint]).proofs[0]
        #expect(other.outcome == .rewritten(trailHash: try #require(try rewritten.entry(sequence: 10)).hash))
        #expect(other.message.contains("the trail's record 10 has"))
        #expect(other.message.contains("rewritten after the checkpoint was signed"))

        let cut = try Self.sqlite(folder, "c.sqlite", records: 7)
        let short = try cut.prove([checkpoint]).proofs[0]
        #expect(short.outcome == .cutBack(trailSize: 7))
        #expect(short.message.contains("the trail now ends at record 7"))

        // The trail itself verifies after the checkpoint and extends it: a new one is signed.
        #expect(try store.checkpoint(origin: "o", extending: checkpoint).size == 15)
        // A trail that does not extend the last checkpoint gets none.
        #expect {
            _ = try rewritten.checkpoint(origin: "o", extending: checkpoint)
        } throws: { error in
            (error as? CheckpointError)?.kind == .fork && "\(error)".contains("would fork")
        }
        // The light walk the hook uses says the same.
        #expect(try store.checkpoint(origin: "o", since: checkpoint).size == 15)
        #expect(throws: CheckpointError.self) { _ = try rewritten.checkpoint(origin: "o", since: checkpoint) }
        #expect(throws: CheckpointError.self) { _ = try cut.checkpoint(origin: "o", since: checkpoint) }
    }

    @Test("a record edited after the checkpoint's size is caught by the light walk too")
    func lightWalkCatchesEdits() throws {
        let folder = try Paths.temporaryDirectory("ckpt-walk")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("a.sqlite").path
        let store = try SQLiteAuditStore(path: path)
        try store.append(Self.records(4))
        let checkpoint = try store.checkpoint(origin: "o", extending: nil)
        try store.append(Self.records(3, seed: 3))
        let edit = try Shell.run([
            "sqlite3", path, "UPDATE records SET body = replace(body, '\"risk\":', '\"risk\":1') WHERE sequence = 6",
        ])
        #expect(edit.status == 0, "\(edit.stderr)")
        let reopened = try SQLiteAuditStore(path: path, access: .readOnly)
        #expect {
            _ = try reopened.checkpoint(origin: "o", since: checkpoint)
        } throws: { error in
            "\(error)".contains("record 6 of the audit trail is missing, edited")
        }
        // And the full walk refuses to sign a trail that does not verify.
        #expect {
            _ = try reopened.checkpoint(origin: "o", extending: nil)
        } throws: { error in
            (error as? CheckpointError)?.kind == .tampered && "\(error)".contains("record 6")
        }
    }

    @Test(
        "a witness co-signs a checkpoint that extends its last one and refuses a fork, an older one and a wrong log key"
    )
    func witness() throws {
        let log = try NoteSignerKey(generatingFor: "git.example.com/changegate/shop")
        let witnessKey = try NoteSignerKey(generatingFor: "witness.example.com/w1")
        let witness = AuditWitness(key: witnessKey, logKey: log.verifierKey)
        var state = AuditWitnessState()
        let store = try Self.memory(4)
        let first = try SignedCheckpoint(signing: try store.checkpoint(origin: log.name, extending: nil), with: log)
        let cosigned = try witness.cosign(first, source: "c", trail: store, state: &state, now: 100)
        #expect(
            try cosigned.verify(keys: [log.verifierKey, witnessKey.verifierKey], source: "c").map(\.check) == [
                .signed, .cosigned(timestamp: 100),
            ])
        #expect(state.logs[log.name] == AuditWitnessState.Seen(size: 4, hash: first.checkpoint.hash, time: 100))

        try store.append(Self.records(2, seed: 5))
        let second = try SignedCheckpoint(signing: try store.checkpoint(origin: log.name, extending: nil), with: log)
        let again = try witness.cosign(second, source: "c", trail: store, state: &state, now: 200)
        #expect(state.logs[log.name]?.size == 6)
        // The same checkpoint co-signed once more: the witness's line is replaced, not added.
        let twice = try witness.cosign(again, source: "c", trail: store, state: &state, now: 250)
        #expect(twice.signatures.count == 2)
        #expect(twice.signatures.last.map { Array($0.bytes.prefix(8)) } == [0, 0, 0, 0, 0, 0, 0, 250])

        // The keeper forks: a trail with other records from record 3 on, more of them, checkpointed and signed.
        let fork = MemoryAuditStore()
        try fork.append(Array(Self.records(2)) + Self.records(6, seed: 77))
        let forked = try SignedCheckpoint(signing: try fork.checkpoint(origin: log.name, extending: nil), with: log)
        let before = state
        #expect {
            _ = try witness.cosign(forked, source: "c", trail: fork, state: &state, now: 300)
        } throws: { error in
            (error as? CheckpointError)?.kind == .fork && "\(error)".contains("FORK")
                && "\(error)".contains("does not contain the one this witness co-signed last")
        }
        #expect(state == before, "a refusal leaves the state as it was")
        // The same size with another hash is a fork before the trail is even read.
        let sameSize = MemoryAuditStore()
        try sameSize.append(Self.records(6, seed: 78))
        let twin = try SignedCheckpoint(signing: try sameSize.checkpoint(origin: log.name, extending: nil), with: log)
        #expect(throws: CheckpointError.self) {
            _ = try witness.cosign(twin, source: "c", trail: sameSize, state: &state, now: 300)
        }
        // An older checkpoint, even a true one, is not co-signed again.
        #expect {
            _ = try witness.cosign(first, source: "c", trail: store, state: &state, now: 300)
        } throws: { error in
            "\(error)".contains("fewer than the 6 this witness co-signed last")
        }
        // A checkpoint signed by someone else's key under the log's name.
        let impostor = try NoteSignerKey(generatingFor: log.name)
        let fake = try SignedCheckpoint(signing: second.checkpoint, with: impostor)
        #expect {
            _ = try witness.cosign(fake, source: "c", trail: store, state: &state, now: 300)
        } throws: { error in
            (error as? CheckpointError)?.kind == .signature
        }
        // A checkpoint the witness's trail does not hold (ahead of the copy it reads).
        try store.append(Self.records(1, seed: 6))
        let ahead = try SignedCheckpoint(signing: try store.checkpoint(origin: log.name, extending: nil), with: log)
        let stale = MemoryAuditStore()
        for entry in try store.entries(matching: AuditQuery()).reversed().prefix(6) {
            var record = entry.record
            record.sequence = 0
            try stale.append([record])
        }
        #expect {
            _ = try witness.cosign(ahead, source: "c", trail: stale, state: &state, now: 300)
        } throws: { error in
            (error as? CheckpointError)?.kind == .notContained && "\(error)".contains("the trail now ends at record 6")
        }
    }

    @Test("on PostgreSQL through the async face: checkpoint, proof, witness, and the same checkpoint as SQLite's")
    func postgres() async throws {
        let postgres = try await PostgresAuditStoreTests.open()
        defer { postgres.close() }
        let key = try NoteSignerKey(generatingFor: "db.example.com/changegate/main")
        try await postgres.append(Self.records(6))
        let checkpoint = try await postgres.checkpoint(origin: key.name, extending: nil)
        #expect(checkpoint.size == 6)
        let signed = try SignedCheckpoint(signing: checkpoint, with: key)
        try await postgres.append(Self.records(2, seed: 4))
        let proof = try await postgres.prove([checkpoint]).proofs[0]
        #expect(proof.holds, "\(proof.message)")
        #expect(try await postgres.checkpoint(origin: key.name, extending: checkpoint).size == 8)

        var state = AuditWitnessState()
        let witness = AuditWitness(key: try NoteSignerKey(generatingFor: "w.example.com"), logKey: key.verifierKey)
        let cosigned = try await witness.cosign(signed, source: "pg", trail: postgres, state: &state, now: 5)
        #expect(cosigned.signatures.count == 2)

        // The same records in SQLite make the same checkpoint.
        let folder = try Paths.temporaryDirectory("ckpt-pg")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sqlite = try SQLiteAuditStore(path: folder.appendingPathComponent("a.sqlite").path)
        _ = try AuditStoreContractTests.syncAppend(sqlite, Self.records(6))
        #expect(try Self.syncCheckpoint(sqlite, origin: key.name) == checkpoint)

        // A checkpoint of another chain is not held by this one.
        let other = try await PostgresAuditStoreTests.open()
        defer { other.close() }
        try await other.append(Self.records(7, seed: 8))
        let foreign = try await other.prove([checkpoint]).proofs[0]
        #expect(!foreign.holds)
        #expect(foreign.message.contains("rewritten"))
    }

    static func syncCheckpoint(_ store: any AuditStore, origin: String) throws -> AuditCheckpoint {
        try store.checkpoint(origin: origin, extending: nil)
    }

    @Test("the witness's state survives a round trip through its file")
    func witnessState() throws {
        let folder = try Paths.temporaryDirectory("ckpt-state")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("w.state").path
        #expect(try AuditWitnessState.read(path) == AuditWitnessState())
        var state = AuditWitnessState()
        state.logs["a/b"] = AuditWitnessState.Seen(size: 3, hash: String(repeating: "a", count: 64), time: 9)
        try state.write(path)
        #expect(try AuditWitnessState.read(path) == state)
        try Data("{".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { _ = try AuditWitnessState.read(path) }
    }
}

extension Data {
    /// Bytes from hex digits; nil for anything else.
    init?(hexString: String) {
        var bytes: [UInt8] = []
        var index = hexString.startIndex
        while index < hexString.endIndex {
            let next = hexString.index(index, offsetBy: 2, limitedBy: hexString.endIndex) ?? hexString.endIndex
            guard let byte = UInt8(hexString[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
