extension AuditStore {
    /// The commits that stood as `ref`'s tip since `since` (seconds since the Unix epoch), each with
    /// the earliest time it landed: the tips `reverts` may restore (``KnownGoodTips/accepted(_:)``).
    ///
    /// A tip counts only when both hold: post-receive recorded that the ref landed on it (a
    /// `landed` record — pre-receive's own verdict is written before a chained hook, the update hook
    /// or a lost ref lock can still refuse the push), and the hook allowed it on its merits (`allow`
    /// or `warn`, not lifted by an override: a value an emergency forced in is never known good).
    /// `repository` nil: any repository's records; a check that reads a shared trail names its own.
    ///
    /// - Parameters:
    ///   - ref: The ref (`refs/heads/main`).
    ///   - repository: The repository, as the hook's records name it; nil for any.
    ///   - since: The earliest record time read, in seconds since the Unix epoch.
    /// - Returns: Each accepted tip with the earliest time it landed.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    public func acceptedTips(ref: String, repository: String?, since: Int) throws(AuditError) -> [ObjectID: Int] {
        var landedQuery = AuditQuery()
        landedQuery.source = .push
        landedQuery.repository = repository
        landedQuery.since = since
        let landed = try entries(matching: landedQuery).filter {
            $0.record.decision == AuditRecord.landedDecision && $0.record.ref == ref
        }
        guard !landed.isEmpty else { return [:] }
        var decisionQuery = AuditQuery()
        decisionQuery.source = .hook
        decisionQuery.repository = repository
        decisionQuery.since = since
        let decisions = try entries(matching: decisionQuery).filter { $0.record.ref == ref }
        // The very decision that landed must have allowed it: not an earlier one refused after ChangeGate.
        let landings = Self.pairLandings((landed + decisions).sorted { $0.record.sequence < $1.record.sequence })
        var tips: [ObjectID: Int] = [:]
        for entry in decisions {
            let record = entry.record
            guard let landing = landings[record.sequence], !record.overridden,
                record.decision == "allow" || record.decision == "warn",
                let head = record.head.flatMap(ObjectID.init(hex:))
            else { continue }
            tips[head] = min(tips[head] ?? landing.time, landing.time)
        }
        return tips
    }

    /// The repositories whose hook decisions about `ref` the trail holds since `since`: a check
    /// reading a shared trail must say which is its own.
    ///
    /// - Parameters:
    ///   - ref: The ref.
    ///   - since: The earliest record time read, in seconds since the Unix epoch.
    /// - Returns: The repositories, as the records name them.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    public func hookRepositories(ref: String, since: Int) throws(AuditError) -> Set<String> {
        var query = AuditQuery()
        query.source = .hook
        query.since = since
        var names = Set<String>()
        for entry in try entries(matching: query) where entry.record.ref == ref {
            names.insert(entry.record.repository)
        }
        return names
    }
}
