/// `changegate audit migrate`: copies a trail into another store (SQLite to PostgreSQL, back, or
/// SQLite to SQLite) as the same chain, resumably.
///
/// Both trails are verified first. What the destination already holds must be the source's
/// prefix: both chains verify, so the two hold the same first N records exactly when their records
/// N have the same hash (each hash covers the body and the hash before it), and a binary search on
/// that finds the first record that differs. The rest is copied in sequence order, in batches, each
/// batch in one transaction through ``AuditStore/append(copies:)``, which keeps the source's
/// sequence numbers, times, bodies and hashes and refuses an entry that does not link. Run again
/// after an interruption, it copies what is missing; run on a finished copy, it copies nothing.
public struct AuditMigration: Sendable {
    /// What the copy came to.
    public struct Outcome: Sendable, Hashable {
        /// The records the destination already held (the source's prefix).
        public var alreadyThere: Int
        /// The records this run copied.
        public var copied: Int
        /// The head both trails end at after the copy.
        public var head: AuditHead?
        /// The report, one line each, for standard output.
        public var lines: [String]
    }

    /// The trail read from.
    public var source: any AuditStore
    /// The trail written to.
    public var destination: any AuditStore
    /// The source's location as it may be shown.
    public var sourceName: String
    /// The destination's location as it may be shown.
    public var destinationName: String
    /// How many records each transaction copies.
    public var batch: Int

    /// A migration between two open trails.
    ///
    /// - Parameters:
    ///   - source: The trail read from (opened read-only is enough).
    ///   - destination: The trail written to, opened for writing.
    ///   - sourceName: The source's location as it may be shown.
    ///   - destinationName: The destination's location as it may be shown.
    ///   - batch: How many records each transaction copies (at least 1).
    public init(
        source: any AuditStore, destination: any AuditStore, sourceName: String, destinationName: String,
        batch: Int = 500
    ) {
        self.source = source
        self.destination = destination
        self.sourceName = sourceName
        self.destinationName = destinationName
        self.batch = max(1, batch)
    }

    /// Verifies both trails, checks that the destination holds a prefix of the source, copies the
    /// rest, and verifies both again, their heads equal.
    ///
    /// - Parameter progress: Called after each batch with the records copied so far.
    /// - Returns: What was there, what was copied, and the common head.
    /// - Throws: ``WorkflowError``: a trail that does not verify, a destination that is not the
    ///   source's prefix (naming the first record that differs), a copy refused, or a store's error.
    public func run(progress: (Int) -> Void = { _ in }) throws(WorkflowError) -> Outcome {
        do {
            let sourceHead = try verified(source, sourceName, "source")
            let destinationHead = try verified(destination, destinationName, "destination")
            let have = destinationHead?.sequence ?? 0
            if let destinationHead {
                if let differing = try firstDifference(upTo: destinationHead) {
                    throw WorkflowError(
                        "the destination \(destinationName) is not a copy of the start of \(sourceName): record "
                            + "\(differing) differs (or is missing from the source), so nothing was copied; migrate "
                            + "into an empty trail, or find out where the destination's records came from")
                }
            }
            let end = sourceHead?.sequence ?? 0
            var next = have + 1
            var copied = 0
            while next <= end {
                let entries = try source.entries(from: next, limit: min(batch, end - next + 1))
                guard let last = entries.last else {
                    throw WorkflowError("the source \(sourceName) ends at record \(next - 1), not \(end), while read")
                }
                try destination.append(copies: entries)
                copied += entries.count
                next = last.record.sequence + 1
                progress(copied)
            }
            // Both verified again: the destination's whole chain, to the source's head hash.
            let finalSource = try verified(source, sourceName, "source")
            let finalDestination = try verified(destination, destinationName, "destination")
            guard finalDestination == finalSource else {
                throw WorkflowError(
                    "after the copy the source \(sourceName) ends at \(finalSource.map { "\($0)" } ?? "nothing") and "
                        + "the destination at \(finalDestination.map { "\($0)" } ?? "nothing"): records were "
                        + "appended to one of them during the copy; run `changegate audit migrate` again")
            }
            var lines = [
                "copied \(copied) record\(copied == 1 ? "" : "s") from \(sourceName) to \(destinationName) "
                    + "(\(have) already there)"
            ]
            if let head = finalDestination {
                lines.append(
                    "ok: both trails verify and end at the same head \(head) (source and destination)")
            } else {
                lines.append("ok: both trails are empty")
            }
            return Outcome(alreadyThere: have, copied: copied, head: finalDestination, lines: lines)
        } catch let error as WorkflowError {
            throw error
        } catch {
            throw WorkflowError("\(error)")
        }
    }

    /// The trail's head after a verification that must find it whole.
    private func verified(_ store: any AuditStore, _ name: String, _ role: String) throws -> AuditHead? {
        let verification = try store.verify()
        if let problem = verification.problem {
            throw WorkflowError(
                "the \(role) \(name) does not verify (\(problem)), so nothing was copied; run "
                    + "`changegate audit verify` on it and restore it from a copy checked against a witness")
        }
        if let damage = verification.damage.first ?? verification.localWitnessProblem {
            throw WorkflowError("the \(role) \(name) is damaged (\(damage)), so nothing was copied")
        }
        return verification.head
    }

    /// The first record up to `head` at which the source and the destination differ; nil when the
    /// destination is the source's prefix. Both chains verify, so "same hash at N" holds for every
    /// N up to some point and for none after it: a binary search finds that point.
    private func firstDifference(upTo head: AuditHead) throws -> Int? {
        func same(_ sequence: Int) throws -> Bool {
            guard let theirs = try source.entry(sequence: sequence) else { return false }
            if sequence == head.sequence { return theirs.hash == head.hash }
            return theirs.hash == (try destination.entry(sequence: sequence))?.hash
        }
        if try same(head.sequence) { return nil }
        var low = 1  // the first that may differ
        var high = head.sequence  // differs
        while low < high {
            let middle = (low + high) / 2
            if try same(middle) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
