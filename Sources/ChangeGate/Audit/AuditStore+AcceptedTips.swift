extension AuditStore {
    /// The commits that stood as `ref`'s tip since `since` (seconds since the Unix epoch), each with
    /// the earliest time it landed: the tips `reverts` may restore (``KnownGoodTips/accepted(_:)``).
    ///
    /// A tip counts only when both hold: post-receive recorded that the ref landed on it (a
    /// `landed` record — pre-receive's own verdict is written before a chained hook, the update hook
    /// or a lost ref lock can still refuse the push), and the hook allowed it on its merits (`allow`
    /// or `warn`, not lifted by an override: a value an emergency forced in is never known good).
    /// `repository` nil: any repository's records; a check that reads a shared trail names its own.
    public func acceptedTips(ref: String, repository: String?, since: Int) throws(AuditError) -> [ObjectID: Int] {
        let landed = try landings(ref: ref, repository: repository, since: since)
        guard !landed.isEmpty else { return [:] }
        var query = AuditQuery()
        query.source = .hook
        query.repository = repository
        query.since = since
        var tips: [ObjectID: Int] = [:]
        for entry in try entries(matching: query) {
            let record = entry.record
            guard record.ref == ref, record.accepted, !record.overridden,
                record.decision == "allow" || record.decision == "warn",
                let head = record.head.flatMap(ObjectID.init(hex:)), let time = landed[head]
            else { continue }
            tips[head] = time
        }
        return tips
    }

    /// When `ref` landed on each commit (the earliest `landed` record), since `since`.
    func landings(ref: String?, repository: String?, since: Int?) throws(AuditError) -> [ObjectID: Int] {
        var query = AuditQuery()
        query.source = .push
        query.repository = repository
        query.since = since
        var landed: [ObjectID: Int] = [:]
        for entry in try entries(matching: query) where entry.record.decision == AuditRecord.landedDecision {
            let record = entry.record
            guard ref == nil || record.ref == ref, let head = record.head.flatMap(ObjectID.init(hex:)) else { continue }
            landed[head] = min(landed[head] ?? record.time, record.time)
        }
        return landed
    }

    /// The repositories whose hook decisions about `ref` the trail holds since `since`: a check
    /// reading a shared trail must say which is its own.
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
