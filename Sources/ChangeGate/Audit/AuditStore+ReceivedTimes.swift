extension AuditStore {
    /// When the server first received each commit, from its own records: the hook's note of who
    /// first pushed a commit (source `push`) and the commits of every accepted hook decision; the
    /// earliest time wins. A committer date is the committer's claim; this is the server's clock.
    /// Records before `since` are not read (nil: all). `repository` nil: any repository's records
    /// (commit ids name content, so a clone's commits match the server's).
    public func receivedTimes(repository: String?, since: Int?) throws(AuditError) -> [ObjectID: Int64] {
        var times: [ObjectID: Int64] = [:]
        func note(_ hex: String?, _ time: Int) {
            guard let id = hex.flatMap(ObjectID.init(hex:)) else { return }
            times[id] = min(times[id] ?? Int64(time), Int64(time))
        }
        for source in [AuditRecord.Source.push, .hook] {
            var query = AuditQuery()
            query.source = source
            query.repository = repository
            query.since = since
            for entry in try entries(matching: query) where entry.record.accepted {
                let record = entry.record
                if source == .push { note(record.head, record.time) }
                for commit in record.commits { note(commit.id, record.time) }
            }
        }
        return times
    }
}
