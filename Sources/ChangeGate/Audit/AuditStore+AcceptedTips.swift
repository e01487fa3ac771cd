extension AuditStore {
    /// The commits the hook accepted as `ref`'s new tip since `since` (seconds since the Unix
    /// epoch), each with the earliest time it was accepted: the tips `reverts` may restore
    /// (``KnownGoodTips/accepted(_:)``). `repository` nil: any repository's records, for a check
    /// that reads the server's trail from elsewhere (a tip still counts only where it is on the
    /// base's first-parent chain, and commit ids name content, not a repository).
    public func acceptedTips(ref: String, repository: String?, since: Int) throws(AuditError) -> [ObjectID: Int] {
        var query = AuditQuery()
        query.source = .hook
        query.repository = repository
        query.since = since
        var tips: [ObjectID: Int] = [:]
        for entry in try entries(matching: query) {
            let record = entry.record
            // Only a tip that landed under a verdict that lets it through: a refused push's head,
            // or one decided by error, never stood on the branch.
            guard record.ref == ref, record.accepted, record.decision == "allow" || record.decision == "warn",
                let head = record.head.flatMap(ObjectID.init(hex:))
            else { continue }
            tips[head] = min(tips[head] ?? record.time, record.time)
        }
        return tips
    }
}
