extension AuditStore {
    /// Which of the hook decisions among `entries` landed: for each hook record that let its ref
    /// through, the sequence number of the `landed` record (post-receive) that says git then moved
    /// the ref as judged. A decision with no such record did not land: a chained hook, the update
    /// hook, a lost ref lock or a kill refused the push after ChangeGate let it through.
    ///
    /// - Parameter entries: Records read from this trail.
    /// - Returns: For each hook decision among them that landed, its sequence number and the
    ///   `landed` record's.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    public func landings(of entries: [AuditEntry]) throws(AuditError) -> [Int: Int] {
        let decisions = entries.filter { Self.awaitsLanding($0.record) }
        guard !decisions.isEmpty else { return [:] }
        var landings: [Int: Int] = [:]
        var seen = Set<String>()
        // The heads of each repository in one query: one round trip for a page, not one a record.
        var heads: [String: [String]] = [:]
        for decision in decisions {
            let record = decision.record
            if let head = record.head {
                heads[record.repository, default: []].append(head)
                continue
            }
            // A deletion names no head: its ref does (ref names hold no glob characters).
            guard let ref = record.ref, seen.insert("ref \(record.repository)\u{0}\(ref)").inserted else { continue }
            var query = AuditQuery()
            query.repository = record.repository
            query.ref = ref
            let related = try self.entries(matching: query).filter { $0.record.head == nil }
            for (sequence, landed) in Self.pairLandings(related.reversed()) { landings[sequence] = landed.sequence }
        }
        for (repository, ids) in heads {
            let related = try self.entries(heads: Array(Set(ids)), repository: repository)
            for (sequence, landed) in Self.pairLandings(related.reversed()) { landings[sequence] = landed.sequence }
        }
        return landings
    }

    /// A hook decision that let a ref through, whose landing a `landed` record would say.
    static func awaitsLanding(_ record: AuditRecord) -> Bool {
        record.source == .hook && record.accepted && record.ref != nil
    }

    /// Pairs each `landed` record with the latest accepting hook decision before it on the same
    /// repository, ref and head (a deletion: no head), so that a push refused after ChangeGate and
    /// pushed again later is not taken for having landed the first time. `chronological`: oldest first.
    static func pairLandings(_ chronological: some Sequence<AuditEntry>) -> [Int: AuditRecord] {
        var waiting: [String: Int] = [:]
        var pairs: [Int: AuditRecord] = [:]
        for entry in chronological {
            let record = entry.record
            let key = record.repository + "\u{0}" + (record.ref ?? "") + "\u{0}" + (record.head ?? "")
            if awaitsLanding(record) {
                waiting[key] = record.sequence
            } else if record.source == .push, record.decision == AuditRecord.landedDecision,
                let sequence = waiting.removeValue(forKey: key)
            {
                pairs[sequence] = record
            }
        }
        return pairs
    }
}
