import Foundation

/// Signed checkpoints of the trail and their witnesses (`changegate audit keygen|checkpoint|witness`,
/// `audit verify --checkpoint`), for every client.
extension AuditWorkflow {
    /// Makes a key pair: `PREFIX.key` (mode 0600) and `PREFIX.pub`.
    ///
    /// - Parameters:
    ///   - name: The key's name, a schema-less URL by convention (`git.example.com/changegate/shop`).
    ///   - prefix: The path both files start with.
    /// - Returns: The lines to print: the two files and the verifier key.
    /// - Throws: ``WorkflowError`` for a name the formats do not allow, or a file that exists or
    ///   cannot be written.
    public static func keygen(name: String, prefix: String) throws(WorkflowError) -> [String] {
        do {
            let key = try NoteSignerKey(generatingFor: name)
            let (keyPath, pubPath) = try CheckpointFiles.writeKeyPair(key, prefix: prefix)
            return [
                "wrote \(keyPath) (the signer key, mode 0600: keep it where only the signer can read it)",
                "wrote \(pubPath) (the verifier key, to give to auditors and witnesses):",
                key.verifierKey.encoded,
            ]
        } catch {
            throw WorkflowError("\(error)")
        }
    }

    /// The default origin line: the signer key's name, as C2SP recommends (the log's key name
    /// matches its origin), so that it stays the same wherever the trail's file moves.
    ///
    /// - Parameters:
    ///   - origin: The origin asked for (`--origin`), if any.
    ///   - key: The signer key.
    /// - Returns: The origin line.
    public static func origin(_ origin: String?, key: NoteSignerKey) -> String { origin ?? key.name }

    /// Signs the trail's current size and head hash, after verifying the whole chain; with
    /// `output`, the checkpoint there (signed by the same key, of the same origin) must be one the
    /// trail still holds, and is replaced in one rename.
    ///
    /// - Parameters:
    ///   - store: The trail.
    ///   - keyPath: The signer key file.
    ///   - origin: The origin line; nil for the key's name.
    ///   - output: The file to write; nil to return the text only.
    /// - Returns: The signed checkpoint's text.
    /// - Throws: ``WorkflowError``: exit 1 when the trail does not verify or does not extend the
    ///   checkpoint at `output` (a fork), exit 2 when a file or the trail cannot be read or written.
    public static func checkpoint(_ store: some AuditStore, keyPath: String, origin: String?, output: String?)
        throws(WorkflowError) -> String
    {
        do throws(CheckpointError) {
            let key = try CheckpointFiles.readSignerKey(keyPath)
            let origin = Self.origin(origin, key: key)
            var previous: AuditCheckpoint?
            if let output, CheckpointFiles.exists(output) {
                let signed = try SignedCheckpoint(
                    parsing: try CheckpointFiles.read(output, what: "checkpoint"), source: output)
                do throws(CheckpointError) {
                    _ = try signed.verify(keys: [key.verifierKey], source: output)
                } catch {
                    throw CheckpointError(
                        .signature, "\(error.message); it is left as it is: choose another --output or move it away")
                }
                guard signed.checkpoint.origin == origin else {
                    throw CheckpointError(
                        .fork,
                        "\(output) holds a checkpoint of origin \(signed.checkpoint.origin), not \(origin): choose "
                            + "another --output")
                }
                previous = signed.checkpoint
            }
            let checkpoint = try store.checkpoint(origin: origin, extending: previous)
            let text = try SignedCheckpoint(signing: checkpoint, with: key).serialized
            if let output { try CheckpointFiles.writeAtomically(text, to: output) }
            return text
        } catch {
            throw WorkflowError(error.message, exit: exit(of: error))
        }
    }

    /// Checks a signed checkpoint: every key in `keyPaths` signed it, and the trail still holds its
    /// history (the chain verifies up to its size and the record there has its hash).
    ///
    /// - Parameters:
    ///   - trail: The trail, opened for reading.
    ///   - checkpointPath: The signed checkpoint.
    ///   - keyPaths: The verifier keys that must each have signed it (the trail's, witnesses').
    /// - Returns: The report's lines and the exit: 1 when a signature is missing or does not verify,
    ///   or when the trail does not hold the checkpoint or does not verify.
    /// - Throws: ``WorkflowError`` when a file cannot be read or is not a checkpoint or key, or the
    ///   trail cannot be read.
    public static func verify(_ trail: OpenedTrail, checkpoint checkpointPath: String, keys keyPaths: [String])
        throws(WorkflowError) -> Verification
    {
        let signed: SignedCheckpoint
        let keys: [NoteVerifierKey]
        do throws(CheckpointError) {
            signed = try SignedCheckpoint(
                parsing: try CheckpointFiles.read(checkpointPath, what: "checkpoint"), source: checkpointPath)
            keys = try keyPaths.map { (path) throws(CheckpointError) in try CheckpointFiles.readVerifierKey(path) }
        } catch {
            throw WorkflowError(error.message)
        }
        let verified: [SignedCheckpoint.Verified]
        do throws(CheckpointError) {
            verified = try signed.verify(keys: keys, source: checkpointPath)
        } catch {
            return Verification(lines: ["NOT VERIFIED: \(error.message)"], exit: .refused)
        }
        var lines = verified.map(signatureLine)
        let checkpoint = signed.checkpoint
        let proofs: [CheckpointProof]
        let verification: AuditVerification
        do {
            (proofs, verification) = try trail.store.prove([checkpoint])
        } catch {
            throw WorkflowError("\(error)")
        }
        let findings = findings(verification, location: trail.location, sqlite: trail.store is SQLiteAuditStore)
        guard let proof = proofs.first, proof.holds else {
            lines.append("TAMPERED: \(proofs.first?.message ?? "")")
            return Verification(lines: lines + findings, exit: .refused)
        }
        guard findings.isEmpty else {
            lines.append("checkpoint \(checkpoint.origin) at record \(checkpoint.size): \(proof.message)")
            return Verification(lines: lines + findings, exit: .refused)
        }
        lines += proven(verification, location: trail.location)
        lines.append("checkpoint \(checkpoint.origin) at record \(checkpoint.size): \(proof.message)")
        if verification.records > checkpoint.size {
            lines.append(
                "records \(checkpoint.size + 1) to \(verification.records) came after the checkpoint: the chain alone "
                    + "proves them; a later checkpoint covers them")
        }
        return Verification(lines: lines, exit: .success)
    }

    /// What a witness run did.
    public struct WitnessOutcome: Sendable, Hashable {
        /// The co-signed checkpoint's text.
        public var text: String
        /// The lines to print.
        public var lines: [String]
    }

    /// Co-signs a trail's checkpoint as a witness (``AuditWitness``): writes the state first, then the
    /// co-signed checkpoint to `output` (nil: back to `checkpointPath`), both in one rename.
    ///
    /// - Parameters:
    ///   - store: The trail, as the witness can read it.
    ///   - keyPath: The witness's signer key.
    ///   - logKeyPath: The trail's verifier key.
    ///   - checkpointPath: The trail's signed checkpoint.
    ///   - statePath: The witness's state (the last checkpoint it co-signed for each origin).
    ///   - output: Where to write the co-signed checkpoint; nil for `checkpointPath`.
    ///   - now: Seconds since the epoch.
    /// - Returns: The co-signed text and the lines to print.
    /// - Throws: ``WorkflowError``: exit 1 when the witness refuses (a fork, a checkpoint the trail
    ///   does not hold, a signature that does not verify), exit 2 when a file cannot be read or written.
    public static func witness(
        _ store: some AuditStore, keyPath: String, logKeyPath: String, checkpoint checkpointPath: String,
        state statePath: String, output: String?, now: UInt64
    ) throws(WorkflowError) -> WitnessOutcome {
        do throws(CheckpointError) {
            let witness = AuditWitness(
                key: try CheckpointFiles.readSignerKey(keyPath), logKey: try CheckpointFiles.readVerifierKey(logKeyPath)
            )
            let signed = try SignedCheckpoint(
                parsing: try CheckpointFiles.read(checkpointPath, what: "checkpoint"), source: checkpointPath)
            var state = try AuditWitnessState.read(statePath)
            let before = state.logs[signed.checkpoint.origin]
            let cosigned = try witness.cosign(signed, source: checkpointPath, trail: store, state: &state, now: now)
            // The state before the cosignature leaves: a witness that stops in between refuses later, never forgets.
            try state.write(statePath)
            let destination = output ?? checkpointPath
            try CheckpointFiles.writeAtomically(cosigned.serialized, to: destination)
            let checkpoint = cosigned.checkpoint
            return WitnessOutcome(
                text: cosigned.serialized,
                lines: [
                    "co-signed \(checkpoint.origin) at record \(checkpoint.size) as \(witness.key.name) (time \(now)): "
                        + "the trail holds it and "
                        + (before.map { "it extends the \($0.size) records this witness co-signed before" }
                            ?? "it is the first of this origin this witness co-signs (\(statePath))")
                        + "; wrote \(destination)"
                ])
        } catch {
            throw WorkflowError(error.message, exit: exit(of: error))
        }
    }

    /// One verified signature, as verify reports it.
    private static func signatureLine(_ verified: SignedCheckpoint.Verified) -> String {
        let key = "\(verified.key.name) (key \(NoteKeyID.hex(verified.key.keyID)))"
        switch verified.check {
        case .cosigned(let timestamp):
            let time = Date(timeIntervalSince1970: TimeInterval(timestamp)).ISO8601Format()
            return "cosigned by \(key) at \(time): the signature verifies"
        default:
            return "signed by \(key): the signature verifies"
        }
    }

    /// Refusals (forks, tampering, signatures) exit 1; what could not be read or written exits 2.
    private static func exit(of error: CheckpointError) -> WorkflowExit {
        switch error.kind {
        case .fork, .notContained, .signature, .tampered: .refused
        case .format, .key, .file, .trail: .error
        }
    }
}
