import ChangeGate
import Foundation
import Testing

/// `changegate audit keygen|checkpoint|witness` and `audit verify --checkpoint`, as real processes
/// over real SQLite trails filled by writer processes.
@Suite("changegate audit checkpoint, verify --checkpoint, witness (processes)")
struct AuditCheckpointCommandTests {
    /// A folder with a trail of `records` records and a trail key pair `log.key`/`log.pub`.
    struct Setup {
        var folder: URL
        var trail: String { folder.appendingPathComponent("audit.sqlite").path }
        func file(_ name: String) -> String { folder.appendingPathComponent(name).path }

        init(records: Int) throws {
            folder = try Paths.temporaryDirectory("ckpt-cli")
            if records > 0 { try AuditChainTests.fill(trail, records: records, batch: records) }
            let keygen = try changegate([
                "audit", "keygen", "--name", "git.example.com/changegate/shop", "--out", file("log"),
            ])
            #expect(keygen.status == 0, "\(keygen.stderr)")
        }

        func checkpoint(_ extra: [String] = []) throws -> Shell.Result {
            try changegate(["audit", "checkpoint", "--audit", trail, "--key", file("log.key")] + extra)
        }

        func verify(_ checkpoint: String, keys: [String] = ["log.pub"]) throws -> Shell.Result {
            try changegate(
                ["audit", "verify", "--audit", trail, "--checkpoint", checkpoint]
                    + keys.flatMap { ["--key", file($0)] })
        }

        /// Replaces the trail with another of `records` records (seed `seed`), its local witness gone:
        /// the trail rewritten and re-hashed as a whole, as whoever holds the file can.
        func replaceTrail(records: Int, seed: Int) throws {
            let other = file("other.sqlite")
            try AuditChainTests.fill(other, records: records, batch: records, seed: seed)
            for suffix in ["", "-wal", "-shm", ".head"] {
                try? FileManager.default.removeItem(atPath: trail + suffix)
                // The filler leaves its records in the write-ahead log, as a writer that exits does.
                if suffix != ".head" {
                    try? FileManager.default.moveItem(atPath: other + suffix, toPath: trail + suffix)
                }
            }
            try? FileManager.default.removeItem(atPath: other + ".head")
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    @Test("keygen writes PREFIX.key mode 0600 and PREFIX.pub in the note encodings, and never overwrites them")
    func keygen() throws {
        let s = try Setup(records: 0)
        defer { s.remove() }
        let attributes = try FileManager.default.attributesOfItem(atPath: s.file("log.key"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let keyText = try String(contentsOfFile: s.file("log.key"), encoding: .utf8)
        let pubText = try String(contentsOfFile: s.file("log.pub"), encoding: .utf8)
        #expect(keyText.hasPrefix("PRIVATE+KEY+git.example.com/changegate/shop+"))
        let signer = try NoteSignerKey(parsing: keyText, source: "key")
        #expect(try NoteVerifierKey(parsing: pubText, source: "pub") == signer.verifierKey)
        #expect(pubText == signer.verifierKey.encoded + "\n")
        let again = try changegate(["audit", "keygen", "--name", "x", "--out", s.file("log")])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists; keygen never overwrites a key"))
        #expect(try String(contentsOfFile: s.file("log.key"), encoding: .utf8) == keyText)
        let badName = try changegate(["audit", "keygen", "--name", "a b", "--out", s.file("bad")])
        #expect(badName.status == 2)
        #expect(!FileManager.default.fileExists(atPath: s.file("bad.key")))
    }

    @Test("a checkpoint verifies; after more records it still does; a tampered body and a wrong key do not")
    func checkpointAndVerify() throws {
        let s = try Setup(records: 20)
        defer { s.remove() }
        let made = try s.checkpoint(["--output", s.file("c.txt")])
        #expect(made.status == 0, "\(made.stderr)")
        let text = try String(contentsOfFile: s.file("c.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "git.example.com/changegate/shop")
        #expect(lines[1] == "20")
        #expect(lines[3] == "")
        #expect(lines[4].hasPrefix("— git.example.com/changegate/shop "))
        // Standard output gives the same checkpoint (Ed25519 here is deterministic: byte for byte).
        let printed = try s.checkpoint()
        #expect(printed.status == 0)
        #expect(printed.stdout.hasPrefix(lines[0...2].joined(separator: "\n") + "\n\n"))

        let ok = try s.verify(s.file("c.txt"))
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("signed by git.example.com/changegate/shop (key "))
        #expect(
            ok.stdout.contains(
                "checkpoint git.example.com/changegate/shop at record 20: record 20 has the checkpoint's hash"))

        try AuditChainTests.fill(s.trail, records: 5, seed: 2)
        let extended = try s.verify(s.file("c.txt"))
        #expect(extended.status == 0, "\(extended.stdout)")
        #expect(extended.stdout.contains("records 21 to 25 came after the checkpoint"))

        let tampered = s.file("tampered.txt")
        try text.replacingOccurrences(of: "\n20\n", with: "\n21\n").write(
            toFile: tampered, atomically: true, encoding: .utf8)
        let bad = try s.verify(tampered)
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("NOT VERIFIED: the signature of git.example.com/changegate/shop"))
        #expect(bad.stdout.contains("was changed after it was signed"))

        _ = try changegate(["audit", "keygen", "--name", "git.example.com/changegate/shop", "--out", s.file("other")])
        let wrong = try s.verify(s.file("c.txt"), keys: ["other.pub"])
        #expect(wrong.status == 1)
        #expect(wrong.stdout.contains("is not signed by git.example.com/changegate/shop"))
        // Both keys asked for: the one that did not sign fails it.
        #expect(try s.verify(s.file("c.txt"), keys: ["log.pub", "other.pub"]).status == 1)
    }

    @Test("a trail cut back below the checkpoint, or rewritten after it, fails verify naming what differs")
    func cutBackAndRewritten() throws {
        let s = try Setup(records: 20)
        defer { s.remove() }
        #expect(try s.checkpoint(["--output", s.file("c.txt")]).status == 0)

        try AuditChainTests.sqlite(
            s.trail, "DELETE FROM record_changes WHERE sequence > 17; DELETE FROM records WHERE sequence > 17")
        try FileManager.default.removeItem(atPath: s.trail + ".head")
        #expect(try AuditChainTests.verify(s.trail).status == 0, "what is left is a whole chain")
        let cut = try s.verify(s.file("c.txt"))
        #expect(cut.status == 1)
        #expect(
            cut.stdout.contains(
                "TAMPERED: the checkpoint covers 20 records, but the trail now ends at record 17: records were cut off")
        )

        try s.replaceTrail(records: 24, seed: 42)
        #expect(try AuditChainTests.verify(s.trail).status == 0, "a rewritten trail is a whole chain")
        let rewritten = try s.verify(s.file("c.txt"))
        #expect(rewritten.status == 1)
        #expect(rewritten.stdout.contains("TAMPERED: the checkpoint says record 20 has the hash "))
        #expect(rewritten.stdout.contains("the trail was rewritten after the checkpoint was signed"))

        // Nor is a new checkpoint signed over the one at --output: it would fork from it.
        let before = try String(contentsOfFile: s.file("c.txt"), encoding: .utf8)
        let refused = try s.checkpoint(["--output", s.file("c.txt")])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("does not extend the checkpoint signed before"))
        #expect(try String(contentsOfFile: s.file("c.txt"), encoding: .utf8) == before)
    }

    @Test("a witness co-signs, verify checks both signatures; after a fork the witness refuses and keeps its state")
    func witness() throws {
        let s = try Setup(records: 10)
        defer { s.remove() }
        #expect(
            try changegate(["audit", "keygen", "--name", "witness.example.com/w1", "--out", s.file("w")]).status == 0)
        #expect(try s.checkpoint(["--output", s.file("c.txt")]).status == 0)
        func witness(_ checkpoint: String) throws -> Shell.Result {
            try changegate([
                "audit", "witness", "--trail", s.trail, "--key", s.file("w.key"), "--log-key", s.file("log.pub"),
                "--checkpoint", checkpoint,
            ])
        }
        let first = try witness(s.file("c.txt"))
        #expect(first.status == 0, "\(first.stderr)")
        #expect(
            first.stdout.contains("co-signed git.example.com/changegate/shop at record 10 as witness.example.com/w1"))
        #expect(FileManager.default.fileExists(atPath: s.file("w.state")))
        let both = try s.verify(s.file("c.txt"), keys: ["log.pub", "w.pub"])
        #expect(both.status == 0, "\(both.stdout)")
        #expect(both.stdout.contains("cosigned by witness.example.com/w1 (key "))
        // The cosignature line is C2SP's: 4-byte key ID, 8-byte time, 64-byte signature.
        let text = try String(contentsOfFile: s.file("c.txt"), encoding: .utf8)
        let line = try #require(text.split(separator: "\n").last { $0.hasPrefix("— witness.example.com/w1 ") })
        #expect(Data(base64Encoded: String(line.split(separator: " ")[2]))?.count == 4 + 8 + 64)

        try AuditChainTests.fill(s.trail, records: 3, seed: 3)
        #expect(try s.checkpoint(["--output", s.file("c.txt")]).status == 0)
        #expect(try witness(s.file("c.txt")).status == 0)

        // The keeper replaces the trail with another history, longer, and signs a checkpoint of it.
        let state = try String(contentsOfFile: s.file("w.state"), encoding: .utf8)
        try s.replaceTrail(records: 16, seed: 77)
        let forked = try s.checkpoint(["--output", s.file("fork.txt")])
        #expect(forked.status == 0, "\(forked.stderr)")
        let forkText = try String(contentsOfFile: s.file("fork.txt"), encoding: .utf8)
        let refused = try witness(s.file("fork.txt"))
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "FORK: the checkpoint's history does not contain the one this witness co-signed last"))
        #expect(try String(contentsOfFile: s.file("w.state"), encoding: .utf8) == state)
        #expect(try String(contentsOfFile: s.file("fork.txt"), encoding: .utf8) == forkText, "no cosignature added")
    }

    /// Reads a co-signed checkpoint and both verifier keys as c2sp.org/signed-note, tlog-checkpoint
    /// and tlog-cosignature say, with Python's hashlib and cryptography only: no ChangeGate code.
    static let independentReader = #"""
        import base64, hashlib, sys
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        note, log_pub, witness_pub = (open(p, "rb").read() for p in sys.argv[1:4])
        def vkey(text):
            name, key_id, material = text.decode().strip().split("+", 2)
            raw = base64.b64decode(material, validate=True)
            assert raw[0] == 1 and len(raw) == 33, "type 0x01, 32-byte key"
            assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_id, "key ID"
            return name, raw[1:]
        log_name, log_key = vkey(log_pub)
        witness_name, witness_key = vkey(witness_pub)
        split = note.rindex(b"\n\n")
        text, lines = note[:split + 1], note[split + 2:].decode().splitlines()
        checked = set()
        for line in lines:
            assert line.startswith("\u2014 "), line
            name, b64 = line[2:].split(" ")
            sig = base64.b64decode(b64, validate=True)
            if name == log_name:
                assert sig[:4] == hashlib.sha256(name.encode() + b"\n\x01" + log_key).digest()[:4]
                Ed25519PublicKey.from_public_bytes(log_key).verify(sig[4:], text)
                checked.add("log")
            elif name == witness_name:
                assert sig[:4] == hashlib.sha256(name.encode() + b"\n\x04" + witness_key).digest()[:4]
                assert len(sig) == 4 + 8 + 64
                time = int.from_bytes(sig[4:12], "big")
                message = b"cosignature/v1\ntime %d\n" % time + text
                Ed25519PublicKey.from_public_bytes(witness_key).verify(sig[12:], message)
                checked.add("witness")
        assert checked == {"log", "witness"}, checked
        origin, size, root = text.decode().splitlines()
        assert str(int(size)) == size
        print(size + ":" + base64.b64decode(root, validate=True).hex())
        """#

    @Test(
        "an independent reader (Python's hashlib and cryptography) verifies the keys, the signature and the cosignature"
    )
    func independentReader() throws {
        let s = try Setup(records: 9)
        defer { s.remove() }
        #expect(
            try changegate(["audit", "keygen", "--name", "witness.example.com/w1", "--out", s.file("w")]).status == 0)
        #expect(try s.checkpoint(["--output", s.file("c.txt")]).status == 0)
        let witnessed = try changegate([
            "audit", "witness", "--trail", s.trail, "--key", s.file("w.key"), "--log-key", s.file("log.pub"),
            "--checkpoint", s.file("c.txt"),
        ])
        #expect(witnessed.status == 0, "\(witnessed.stderr)")
        let python = try Shell.run([
            "python3", "-c", Self.independentReader, s.file("c.txt"), s.file("log.pub"), s.file("w.pub"),
        ])
        #expect(python.status == 0, "\(python.stderr)")
        let head = try changegate(["audit", "head", "--audit", s.trail]).stdout
        #expect(python.stdout == head, "the checkpoint's size and hash are the trail's head")
    }

    @Test("--key without --checkpoint, and --checkpoint with --expect, are usage errors")
    func usage() throws {
        let s = try Setup(records: 3)
        defer { s.remove() }
        let lone = try changegate(["audit", "verify", "--audit", s.trail, "--key", s.file("log.pub")])
        #expect(lone.status == 2)
        #expect(try s.checkpoint(["--output", s.file("c.txt")]).status == 0)
        let head = try changegate(["audit", "head", "--audit", s.trail]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let both = try changegate([
            "audit", "verify", "--audit", s.trail, "--checkpoint", s.file("c.txt"), "--key", s.file("log.pub"),
            "--expect", head,
        ])
        #expect(both.status == 2)
        #expect(both.stderr.contains("not both"))
    }
}

private func changegate(_ arguments: [String]) throws -> Shell.Result {
    try Shell.run([Paths.changegate.path] + arguments)
}
