import Foundation

/// How often a store with no wake-up of its own looks at its head while a follower waits: SQLite's
/// head is one indexed read, so five times a second costs nothing and shows a record within 0.2 s.
let followPollInterval: Duration = .milliseconds(200)

extension AsyncAuditStore {
    /// Polls ``head()`` until it is past `sequence` or `limit` has passed.
    public func waitForRecords(after sequence: Int, upTo limit: Duration) async throws(AuditError) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            if (try await head()?.sequence ?? 0) > sequence { return true }
            guard clock.now < deadline else { return false }
            do {
                try await Task.sleep(for: min(followPollInterval, deadline - clock.now))
            } catch {
                return false  // cancelled: the follower is stopping
            }
        }
    }
}

extension AuditStore {
    /// Polls ``head()`` until it is past `sequence` or `limit` has passed.
    public func waitForRecords(after sequence: Int, upTo limit: Duration) throws(AuditError) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            if (try head()?.sequence ?? 0) > sequence { return true }
            guard clock.now < deadline else { return false }
            let pause = min(followPollInterval, deadline - clock.now)
            Thread.sleep(
                forTimeInterval: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18)
        }
    }
}
