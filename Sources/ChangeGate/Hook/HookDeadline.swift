import Foundation

/// The hook's time budget: past it the push is rejected with a clear message instead of the hosting
/// killing the hook mid-way. Nothing is left half done: a rejected pre-receive moves no ref and git
/// drops the quarantined objects; the journal is written under ``finish(_:)``, which the watchdog
/// waits for.
public final class HookDeadline: @unchecked Sendable {
    private let lock = NSLock()
    private var finished = false
    private let start = Date()
    public let seconds: Double

    /// Starts the watchdog: at the deadline, unless ``finish(_:)`` ran, it calls `expire` with the
    /// budget, holding the lock so that the journal is never written after it. `expire` ends the
    /// process; how (message, exit code) is the caller's to decide, not the library's.
    public init(seconds: Double, expire: @escaping @Sendable (Double) -> Never) {
        self.seconds = seconds
        let thread = Thread { [self] in
            Thread.sleep(forTimeInterval: max(0, seconds))
            lock.lock()
            if finished {
                lock.unlock()
                return
            }
            expire(seconds)
        }
        thread.start()
    }

    /// True when the budget is spent.
    public var expired: Bool { Date().timeIntervalSince(start) >= seconds }

    /// Runs the last step (writing the journal) unless the deadline has passed; the watchdog no longer
    /// fires after this. Returns nil when too late: the caller then rejects with the deadline message.
    public func finish<T>(_ body: () throws -> T) rethrows -> T? {
        lock.lock()
        defer { lock.unlock() }
        finished = true
        guard !expired else { return nil }
        return try body()
    }
}
