extension AuditStore {
    /// When each commit landed on a protected ref of the server, from its own records: the
    /// earliest `landed` record (post-receive) of a ref whose accepted hook decision lists the
    /// commit. A commit the trail knows only by its arrival (pushed to some other ref first) gets
    /// its arrival time, which is no later than when it landed. A committer date is the committer's
    /// claim; this is the server's clock. Records before `since` are not read (nil: all).
    /// `repository` nil: any repository's records (commit ids name content, so a clone's commits
    /// match the server's).
    ///
    /// - Parameters:
    ///   - repository: The repository, as the hook's records name it; nil for any.
    ///   - since: The earliest record time read, in seconds since the Unix epoch; nil for all.
    /// - Returns: Each commit's time on the server, in seconds since the Unix epoch.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    public func receivedTimes(repository: String?, since: Int?) throws(AuditError) -> [ObjectID: Int64] {
        var landedOn: [String: Int] = [:]
        do {
            var query = AuditQuery()
            query.source = .push
            query.repository = repository
            query.since = since
            for entry in try entries(matching: query) where entry.record.decision == AuditRecord.landedDecision {
                let record = entry.record
                let key = "\(record.repository)\u{0}\(record.ref ?? "")\u{0}\(record.head ?? "")"
                landedOn[key] = min(landedOn[key] ?? record.time, record.time)
            }
        }
        var landed: [ObjectID: Int64] = [:]
        var query = AuditQuery()
        query.source = .hook
        query.repository = repository
        query.since = since
        for entry in try entries(matching: query) where entry.record.accepted {
            let record = entry.record
            let key = "\(record.repository)\u{0}\(record.ref ?? "")\u{0}\(record.head ?? "")"
            guard let time = landedOn[key] else { continue }
            for commit in record.commits {
                guard let id = ObjectID(hex: commit.id) else { continue }
                landed[id] = min(landed[id] ?? Int64(time), Int64(time))
            }
        }
        // Commits that never landed on a judged ref (yet): their arrival, where known.
        var arrival = AuditQuery()
        arrival.source = .push
        arrival.repository = repository
        arrival.since = since
        var arrived: [ObjectID: Int64] = [:]
        for entry in try entries(matching: arrival) where entry.record.decision != AuditRecord.landedDecision {
            guard let id = entry.record.head.flatMap(ObjectID.init(hex:)), landed[id] == nil else { continue }
            arrived[id] = min(arrived[id] ?? Int64(entry.record.time), Int64(entry.record.time))
        }
        return landed.merging(arrived) { first, _ in first }
    }
}
