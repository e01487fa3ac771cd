import Foundation

/// The hook's time budget, for the whole hook: reading its input, opening the trail and waiting on
/// its locks, judging, and writing the records. Past it the push is refused with a clear message
/// instead of the hosting killing the hook mid-way (GitHub Enterprise Server kills at 5 s).
///
/// Nothing is left half done. The watchdog ends the process at the deadline, wherever it is: a
/// pre-receive that exits 1 moves no ref, git drops the quarantined objects, and an append that had
/// not committed is rolled back with the process. The one step the watchdog must not cut is the
/// commit of the records: the store asks ``claim()`` just before it commits, which disarms the
/// watchdog while time remains and says no once it is spent (the store then rolls back).
public final class HookDeadline: @unchecked Sendable {
    private let lock = NSLock()
    private var disarmed = false
    private let start = Date()
    public let seconds: Double

    /// Starts the watchdog: at the deadline, unless ``claim()`` disarmed it, it calls `expire` with
    /// the budget, holding the lock so that no commit starts after it. `expire` ends the process;
    /// how (message, exit code) is the caller's to decide, not the library's.
    ///
    /// - Parameters:
    ///   - seconds: The budget.
    ///   - expire: Called with the budget at the deadline, unless claimed first; ends the process.
    public init(seconds: Double, expire: @escaping @Sendable (Double) -> Never) {
        self.seconds = seconds
        let thread = Thread { [self] in
            Thread.sleep(forTimeInterval: max(0, seconds))
            lock.lock()
            if disarmed {
                lock.unlock()
                return
            }
            expire(seconds)
        }
        thread.start()
    }

    /// True when the budget is spent.
    public var expired: Bool { Date().timeIntervalSince(start) >= seconds }

    /// What is left of the budget, in seconds (0 when spent): the most any wait may take.
    public var remaining: Double { max(0, seconds - Date().timeIntervalSince(start)) }

    /// Asked right before the records are committed: true (and the watchdog disarmed, so that the
    /// commit and the verdict it records are not cut apart) while time remains; false once it is
    /// spent, and then the caller must not commit and refuses with the deadline's message.
    ///
    /// - Returns: Whether the caller may commit.
    public func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        disarmed = true
        return !expired
    }
}
