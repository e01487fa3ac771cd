import Foundation

/// What a witness remembers between runs: for each origin, the last checkpoint it co-signed.
///
/// A witness co-signs a checkpoint only when it extends this one, so that the trail's keeper cannot
/// show one history to the witness and another to an auditor (a fork) without the witness refusing.
/// Lose the state and the witness forgets: keep it where the trail's writers cannot edit it.
public struct AuditWitnessState: Sendable, Hashable, Codable {
    /// One origin's last co-signed checkpoint.
    public struct Seen: Sendable, Hashable, Codable {
        /// Its size.
        public var size: Int
        /// Its hash, 64 hex digits.
        public var hash: String
        /// When it was co-signed, seconds since the epoch.
        public var time: UInt64

        /// A co-signed checkpoint.
        ///
        /// - Parameters:
        ///   - size: Its size.
        ///   - hash: Its hash.
        ///   - time: When it was co-signed.
        public init(size: Int, hash: String, time: UInt64) {
            self.size = size
            self.hash = hash
            self.time = time
        }
    }

    /// By origin.
    public var logs: [String: Seen] = [:]

    /// A witness that has co-signed nothing yet.
    public init() {}

    /// Reads the state; a file that is not there is a witness that has co-signed nothing.
    ///
    /// - Parameter path: The state file.
    /// - Returns: The state.
    /// - Throws: ``CheckpointError/Kind/file`` when it is there but cannot be read or parsed.
    public static func read(_ path: String) throws(CheckpointError) -> AuditWitnessState {
        guard CheckpointFiles.exists(path) else { return AuditWitnessState() }
        let text = try CheckpointFiles.read(path, what: "witness state")
        do {
            return try JSONDecoder().decode(AuditWitnessState.self, from: Data(text.utf8))
        } catch {
            throw CheckpointError(
                .file,
                "the witness state \(path) is not one `changegate audit witness` wrote (\(error)); restore it from a "
                    + "copy: without it the witness cannot tell a fork from a first checkpoint")
        }
    }

    /// Replaces the state file in one rename.
    ///
    /// - Parameter path: The state file.
    /// - Throws: ``CheckpointError/Kind/file`` when it cannot be written; the file is then unchanged.
    public func write(_ path: String) throws(CheckpointError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(self)
        } catch {
            throw CheckpointError(.file, "cannot encode the witness state: \(error)")
        }
        try CheckpointFiles.writeAtomically(String(decoding: data, as: UTF8.self) + "\n", to: path)
    }
}

/// A witness: checks a trail's checkpoint against the trail it can read and against the last one it
/// co-signed, and co-signs it with a tlog-cosignature v1 line (https://c2sp.org/tlog-cosignature).
///
/// It refuses a checkpoint not signed by the trail's key, one the trail does not hold (cut back or
/// rewritten), one smaller than the last it co-signed, and one whose history does not contain the
/// last it co-signed (a fork). The caller writes the updated state before it hands out the
/// co-signed checkpoint, so that a witness that crashes in between refuses rather than forgets.
public struct AuditWitness: Sendable {
    /// The witness's own signer key.
    public var key: NoteSignerKey
    /// The trail's verifier key: the checkpoint must carry its signature.
    public var logKey: NoteVerifierKey

    /// A witness.
    ///
    /// - Parameters:
    ///   - key: The witness's signer key.
    ///   - logKey: The trail's verifier key.
    public init(key: NoteSignerKey, logKey: NoteVerifierKey) {
        self.key = key
        self.logKey = logKey
    }

    /// Checks `signed` against `trail` and `state`, co-signs it and records it in `state`.
    ///
    /// - Parameters:
    ///   - signed: The trail's checkpoint.
    ///   - source: Where it came from, for the errors (a path).
    ///   - trail: The trail, as the witness can read it.
    ///   - state: What the witness co-signed before; updated when it co-signs.
    ///   - now: Seconds since the epoch: the cosignature's time.
    /// - Returns: The checkpoint with the witness's cosignature added.
    /// - Throws: ``CheckpointError``: ``CheckpointError/Kind/signature`` (not the trail's
    ///   signature), ``CheckpointError/Kind/notContained`` (the trail does not hold it),
    ///   ``CheckpointError/Kind/fork`` (older than, or not extending, the last co-signed),
    ///   ``CheckpointError/Kind/tampered`` (the trail does not verify), ``CheckpointError/Kind/trail``
    ///   (it cannot be read).
    public func cosign(
        _ signed: SignedCheckpoint, source: String, trail: some AuditStore, state: inout AuditWitnessState, now: UInt64
    ) throws(CheckpointError) -> SignedCheckpoint {
        let previous = try precheck(signed, source: source, state: state)
        let proven: (proofs: [CheckpointProof], verification: AuditVerification)
        do {
            proven = try trail.prove([signed.checkpoint] + (previous.map { [$0] } ?? []))
        } catch {
            throw CheckpointError(.trail, "cannot read the audit trail: \(error)")
        }
        return try finish(signed, proven: proven, previous: previous, state: &state, now: now)
    }

    /// ``cosign(_:source:trail:state:now:)`` over a store that is async by nature.
    ///
    /// - Parameters:
    ///   - signed: The trail's checkpoint.
    ///   - source: Where it came from, for the errors (a path).
    ///   - trail: The trail, as the witness can read it.
    ///   - state: What the witness co-signed before; updated when it co-signs.
    ///   - now: Seconds since the epoch: the cosignature's time.
    /// - Returns: The checkpoint with the witness's cosignature added.
    /// - Throws: ``CheckpointError``, as ``cosign(_:source:trail:state:now:)``.
    public func cosign(
        _ signed: SignedCheckpoint, source: String, trail: some AsyncAuditStore, state: inout AuditWitnessState,
        now: UInt64
    ) async throws(CheckpointError) -> SignedCheckpoint {
        let previous = try precheck(signed, source: source, state: state)
        let proven: (proofs: [CheckpointProof], verification: AuditVerification)
        do {
            proven = try await trail.prove([signed.checkpoint] + (previous.map { [$0] } ?? []))
        } catch {
            throw CheckpointError(.trail, "cannot read the audit trail: \(error)")
        }
        return try finish(signed, proven: proven, previous: previous, state: &state, now: now)
    }

    /// The checks that need no trail: the trail's signature, and size against the last co-signed.
    private func precheck(_ signed: SignedCheckpoint, source: String, state: AuditWitnessState)
        throws(CheckpointError) -> AuditCheckpoint?
    {
        let verified = try signed.verify(keys: [logKey], source: source)
        guard verified.first?.check == .signed else {
            throw CheckpointError(
                .signature, "\(source) carries only a cosignature of \(logKey.name), not the trail's own signature")
        }
        let checkpoint = signed.checkpoint
        guard let seen = state.logs[checkpoint.origin] else { return nil }
        let previous = try AuditCheckpoint(origin: checkpoint.origin, size: seen.size, hash: seen.hash)
        if checkpoint.size < seen.size {
            throw CheckpointError(
                .fork,
                "\(source) covers \(checkpoint.size) records of \(checkpoint.origin), fewer than the \(seen.size) this "
                    + "witness co-signed last: a witness co-signs only the largest history it has seen, so it refuses")
        }
        if checkpoint.size == seen.size, checkpoint.hash != seen.hash {
            throw CheckpointError(
                .fork,
                "FORK: \(source) says record \(seen.size) of \(checkpoint.origin) has the hash \(checkpoint.hash), but "
                    + "this witness co-signed \(seen.hash) for it: the trail's keeper signed two histories, so it refuses"
            )
        }
        return previous
    }

    private func finish(
        _ signed: SignedCheckpoint, proven: (proofs: [CheckpointProof], verification: AuditVerification),
        previous: AuditCheckpoint?, state: inout AuditWitnessState, now: UInt64
    ) throws(CheckpointError) -> SignedCheckpoint {
        let checkpoint = signed.checkpoint
        if let proof = proven.proofs.first, !proof.holds {
            throw CheckpointError(
                .notContained, "the trail this witness reads does not hold the checkpoint: \(proof.message)")
        }
        if let previous, proven.proofs.count > 1, !proven.proofs[1].holds {
            throw CheckpointError(
                .fork,
                "FORK: the checkpoint's history does not contain the one this witness co-signed last "
                    + "(\(previous.size) records, \(previous.hash)): \(proven.proofs[1].message); the trail's keeper "
                    + "rewrote the history it showed before, so this witness refuses")
        }
        let verification = proven.verification
        if let problem = verification.problem {
            throw CheckpointError(.tampered, "the trail does not verify (\(problem)), so this witness co-signs nothing")
        }
        if !verification.damage.isEmpty {
            throw CheckpointError(
                .tampered,
                "the trail is damaged (\(verification.damage.joined(separator: "; "))), so this witness co-signs nothing"
            )
        }
        var out = signed
        try out.cosign(with: key, timestamp: now)
        state.logs[checkpoint.origin] = AuditWitnessState.Seen(size: checkpoint.size, hash: checkpoint.hash, time: now)
        return out
    }
}
