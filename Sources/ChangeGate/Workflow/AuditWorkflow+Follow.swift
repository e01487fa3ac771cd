import Foundation

extension AuditWorkflow {
    /// `audit log --follow`: the last `backlog` records `query` selects, oldest first, then each new
    /// one it selects as it is appended, until `emit` returns false.
    ///
    /// New records are read by sequence number (`entries(from:limit:)` after the last one seen), never
    /// from a notification's content: the store's wake-up (``AuditStore/waitForRecords(after:upTo:)``,
    /// LISTEN/NOTIFY on PostgreSQL) only says when to look, so a lost or repeated wake-up neither
    /// loses nor repeats a record.
    ///
    /// - Parameters:
    ///   - store: The trail.
    ///   - query: What to show (its `limit` is ignored: `backlog` bounds the records shown first).
    ///   - backlog: How many of the records already there to show first.
    ///   - wait: The longest one wait for the store lasts before it looks again.
    ///   - batch: The most records read at once.
    ///   - emit: Shows records (oldest first); returns false to stop following.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    public static func follow(
        _ store: any AuditStore, matching query: AuditQuery, backlog: Int, wait: Duration = .seconds(30),
        batch: Int = 500, emit: ([AuditEntry]) -> Bool
    ) throws(AuditError) {
        let seen = try store.head()?.sequence ?? 0
        var first = query
        first.limit = max(0, backlog)
        let shown = backlog > 0 ? try store.entries(matching: first).filter { $0.record.sequence <= seen } : []
        guard emit(shown.sorted { $0.record.sequence < $1.record.sequence }) else { return }
        var last = seen
        var unfiltered = query
        unfiltered.limit = nil
        let matcher = AuditQuery.Matcher(unfiltered)
        while true {
            let entries = try store.entries(from: last + 1, limit: batch)
            guard let newest = entries.last else {
                _ = try store.waitForRecords(after: last, upTo: wait)
                continue
            }
            last = newest.record.sequence
            let selected = entries.filter { matcher.matches($0.record) }
            if !selected.isEmpty, !emit(selected) { return }
        }
    }
}
