/// What a trail says of a checkpoint: whether it still holds the history the checkpoint signed.
///
/// It holds when the chain verifies up to the checkpoint's size and the record at that size has the
/// checkpoint's hash. Records after it are the chain's to prove (``AuditStore/verify()``).
public struct CheckpointProof: Sendable, Hashable {
    /// How it came out.
    public enum Outcome: Sendable, Hashable {
        /// The trail holds the checkpoint's history.
        case holds
        /// The trail now ends before the checkpoint's size: records were cut off the end.
        case cutBack(trailSize: Int)
        /// The trail's record at the checkpoint's size has another hash: it was rewritten.
        case rewritten(trailHash: String)
        /// The chain itself is broken at or before the checkpoint's size.
        case broken(AuditVerification.Problem)
    }

    /// The checkpoint proven.
    public var checkpoint: AuditCheckpoint
    /// How it came out.
    public var outcome: Outcome

    /// Judges a checkpoint from what the trail said.
    ///
    /// - Parameters:
    ///   - checkpoint: The checkpoint.
    ///   - verification: The chain's verification (``AuditStore/verify()``).
    ///   - trailHash: The hash of the trail's record at the checkpoint's size; nil when it has none.
    public init(_ checkpoint: AuditCheckpoint, verification: AuditVerification, trailHash: String?) {
        self.checkpoint = checkpoint
        if let problem = verification.problem, problem.sequence <= checkpoint.size {
            outcome = .broken(problem)
        } else if checkpoint.size == 0 {
            outcome = checkpoint.hash == AuditEntry.genesis ? .holds : .rewritten(trailHash: AuditEntry.genesis)
        } else if let trailHash {
            outcome = trailHash == checkpoint.hash ? .holds : .rewritten(trailHash: trailHash)
        } else {
            outcome = .cutBack(trailSize: verification.head?.sequence ?? 0)
        }
    }

    /// True when the trail holds the checkpoint's history.
    public var holds: Bool { outcome == .holds }

    /// What was found, one line, naming what differs.
    public var message: String {
        let size = checkpoint.size
        switch outcome {
        case .holds:
            return "record \(size) has the checkpoint's hash \(checkpoint.hash) and the chain verifies up to it: "
                + "nothing the checkpoint covers was cut off or rewritten since it was signed"
        case .cutBack(let trailSize):
            return "the checkpoint covers \(size) records, but the trail now ends at record \(trailSize): "
                + "records were cut off the end after the checkpoint was signed"
        case .rewritten(let trailHash):
            return "the checkpoint says record \(size) has the hash \(checkpoint.hash), the trail's record \(size) "
                + "has \(trailHash): the trail was rewritten after the checkpoint was signed"
        case .broken(let problem):
            return "the chain is broken inside the checkpoint's \(size) records: \(problem)"
        }
    }
}

extension AuditStore {
    /// Proves checkpoints against this trail with one walk of the chain.
    ///
    /// - Parameter checkpoints: The checkpoints, of this trail's origin.
    /// - Returns: One proof each, in order, and the chain's verification.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    public func prove(_ checkpoints: [AuditCheckpoint]) throws(AuditError) -> (
        proofs: [CheckpointProof], verification: AuditVerification
    ) {
        let verification = try verify()
        var proofs: [CheckpointProof] = []
        for checkpoint in checkpoints {
            let hash = checkpoint.size > 0 ? try entry(sequence: checkpoint.size)?.hash : nil
            proofs.append(CheckpointProof(checkpoint, verification: verification, trailHash: hash))
        }
        return (proofs, verification)
    }

    /// The checkpoint of this trail as it is now, after a walk of the whole chain: a signature
    /// vouches for the history, so a trail that does not verify gets none.
    ///
    /// - Parameters:
    ///   - origin: The origin line.
    ///   - previous: The checkpoint signed before under this origin, if any: the new one must
    ///     extend it (a log never signs two checkpoints that disagree).
    /// - Returns: The checkpoint, unsigned.
    /// - Throws: ``CheckpointError``: ``CheckpointError/Kind/tampered`` when the trail does not
    ///   verify, ``CheckpointError/Kind/fork`` when it does not extend `previous`,
    ///   ``CheckpointError/Kind/trail`` when it cannot be read.
    public func checkpoint(origin: String, extending previous: AuditCheckpoint?) throws(CheckpointError)
        -> AuditCheckpoint
    {
        do {
            let (proofs, verification) = try prove(previous.map { [$0] } ?? [])
            return try CheckpointRules.checkpoint(
                origin: origin, previous: previous, proof: proofs.first, verification: verification)
        } catch let error as AuditError {
            throw CheckpointError(.trail, "cannot read the audit trail: \(error)")
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(.trail, "\(error)")
        }
    }

    /// The checkpoint of this trail as it is now, proven to extend `previous` by the records since
    /// it alone (each present, hashing to its hash and naming the one before): what the hook does
    /// after each push, in time proportional to the records since the last checkpoint, not to the
    /// trail. With no previous checkpoint it walks the whole chain (``checkpoint(origin:extending:)``).
    ///
    /// - Parameters:
    ///   - origin: The origin line.
    ///   - previous: The checkpoint published before.
    /// - Returns: The checkpoint, unsigned.
    /// - Throws: ``CheckpointError``: ``CheckpointError/Kind/fork`` when the trail no longer holds
    ///   `previous`, ``CheckpointError/Kind/tampered`` when a record since does not chain,
    ///   ``CheckpointError/Kind/trail`` when it cannot be read.
    public func checkpoint(origin: String, since previous: AuditCheckpoint?) throws(CheckpointError)
        -> AuditCheckpoint
    {
        guard let previous else { return try checkpoint(origin: origin, extending: nil) }
        do {
            let current = try head()
            guard let current, current.sequence >= previous.size else {
                throw CheckpointError(
                    .fork,
                    CheckpointRules.notExtending(
                        previous, because: .cutBack(trailSize: current?.sequence ?? 0), origin: origin))
            }
            var last = AuditHead(sequence: 0, hash: AuditEntry.genesis)
            if previous.size > 0 {
                let entry = try self.entry(sequence: previous.size)
                guard let entry, entry.hash == previous.hash else {
                    let outcome: CheckpointProof.Outcome =
                        entry.map { .rewritten(trailHash: $0.hash) } ?? .cutBack(trailSize: current.sequence)
                    throw CheckpointError(
                        .fork, CheckpointRules.notExtending(previous, because: outcome, origin: origin))
                }
                last = AuditHead(sequence: previous.size, hash: entry.hash)
            }
            // Each record since: present, holding its own number, naming the one before, hashing to its hash.
            while last.sequence < current.sequence {
                let sequence = last.sequence + 1
                guard let entry = try self.entry(sequence: sequence), entry.record.sequence == sequence,
                    entry.previousHash == last.hash,
                    AuditEntry.hash(body: entry.body, previousHash: last.hash) == entry.hash
                else {
                    throw CheckpointError(
                        .tampered,
                        "record \(sequence) of the audit trail is missing, edited or does not follow record "
                            + "\(sequence - 1), so no checkpoint is signed: run `changegate audit verify`")
                }
                last = AuditHead(sequence: sequence, hash: entry.hash)
            }
            return try AuditCheckpoint(head: last.sequence > 0 ? last : nil, origin: origin)
        } catch let error as AuditError {
            throw CheckpointError(.trail, "cannot read the audit trail: \(error)")
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(.trail, "\(error)")
        }
    }
}

extension AsyncAuditStore {
    /// Proves checkpoints against this trail with one walk of the chain
    /// (``AuditStore/prove(_:)``, for a store that is async by nature).
    ///
    /// - Parameter checkpoints: The checkpoints, of this trail's origin.
    /// - Returns: One proof each, in order, and the chain's verification.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    public func prove(_ checkpoints: [AuditCheckpoint]) async throws(AuditError) -> (
        proofs: [CheckpointProof], verification: AuditVerification
    ) {
        let verification = try await verify()
        var proofs: [CheckpointProof] = []
        for checkpoint in checkpoints {
            let hash = checkpoint.size > 0 ? try await entry(sequence: checkpoint.size)?.hash : nil
            proofs.append(CheckpointProof(checkpoint, verification: verification, trailHash: hash))
        }
        return (proofs, verification)
    }

    /// The checkpoint of this trail as it is now, after a walk of the whole chain
    /// (``AuditStore/checkpoint(origin:extending:)``, for a store that is async by nature).
    ///
    /// - Parameters:
    ///   - origin: The origin line.
    ///   - previous: The checkpoint signed before under this origin, if any; the new one must
    ///     extend it.
    /// - Returns: The checkpoint, unsigned.
    /// - Throws: ``CheckpointError``: ``CheckpointError/Kind/tampered`` when the trail does not
    ///   verify, ``CheckpointError/Kind/fork`` when it does not extend `previous`,
    ///   ``CheckpointError/Kind/trail`` when it cannot be read.
    public func checkpoint(origin: String, extending previous: AuditCheckpoint?) async throws(CheckpointError)
        -> AuditCheckpoint
    {
        let proven: (proofs: [CheckpointProof], verification: AuditVerification)
        do {
            proven = try await prove(previous.map { [$0] } ?? [])
        } catch {
            throw CheckpointError(.trail, "cannot read the audit trail: \(error)")
        }
        return try CheckpointRules.checkpoint(
            origin: origin, previous: previous, proof: proven.proofs.first, verification: proven.verification)
    }
}

/// The rules every store's checkpoints follow, in one place.
enum CheckpointRules {
    /// The checkpoint of a verified trail, refusing a trail that does not verify or does not extend
    /// `previous`.
    static func checkpoint(
        origin: String, previous: AuditCheckpoint?, proof: CheckpointProof?, verification: AuditVerification
    ) throws(CheckpointError) -> AuditCheckpoint {
        var problems: [String] = []
        if let problem = verification.problem { problems.append("\(problem)") }
        problems += verification.damage
        if let witness = verification.localWitnessProblem { problems.append(witness) }
        guard problems.isEmpty else {
            throw CheckpointError(
                .tampered,
                "the audit trail does not verify (\(problems.joined(separator: "; "))), so no checkpoint is signed: "
                    + "a signature would vouch for it; run `changegate audit verify` and restore the trail first")
        }
        if let previous, let proof, !proof.holds {
            throw CheckpointError(.fork, notExtending(previous, because: proof.outcome, origin: origin))
        }
        return try AuditCheckpoint(head: verification.head, origin: origin)
    }

    /// Why a new checkpoint would fork from `previous`.
    static func notExtending(_ previous: AuditCheckpoint, because outcome: CheckpointProof.Outcome, origin: String)
        -> String
    {
        let found = CheckpointProof(previous, outcome: outcome).message
        return "the trail does not extend the checkpoint signed before (\(previous.origin), \(previous.size) records): "
            + "\(found); a checkpoint now would fork from it, so none is signed. Restore the trail from a copy that "
            + "holds it, or, knowingly, keep the old checkpoint as evidence and move it aside"
    }
}

extension CheckpointProof {
    init(_ checkpoint: AuditCheckpoint, outcome: Outcome) {
        self.checkpoint = checkpoint
        self.outcome = outcome
    }
}
