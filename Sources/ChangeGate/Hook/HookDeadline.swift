import Foundation

/// The hook's time budget, for the whole hook: reading its input, opening the trail and waiting on
/// its locks, judging, and writing the records. Past it the push is refused with a clear message
/// instead of the hosting killing the hook mid-way (GitHub Enterprise Server kills at 5 s).
///
/// The deadline is a cancellation, and the library never ends the process: once the time is spent
/// the deadline is cancelled (``isCancelled``), the workflow stops at its next check and refuses,
/// and ``claim()`` says no. A caller that must not wait for that check (the hook process: judging
/// can take longer than the budget) waits in ``waitForCancellation()`` on a thread of its own and
/// ends the process there; nothing is left half done, as a pre-receive that exits 1 moves no ref,
/// git drops the quarantined objects, and an append that had not committed is rolled back with the
/// process.
///
/// The one step the deadline must not cut is the commit of the records: the store asks
/// ``claim()`` just before it commits, which, while time remains, takes the deadline off (it is
/// never cancelled after that, so the commit and the verdict it records are not cut apart), and
/// once it is spent says no (the store then rolls back).
public final class HookDeadline: @unchecked Sendable {
    private enum State {
        case running
        /// ``claim()`` came in time: the deadline no longer applies.
        case claimed
        case cancelled
    }

    // Guarded by `condition`'s lock. The state moves from running once, to claimed or cancelled;
    // the clock decides when it is read, so no timer thread is needed.
    private let condition = NSCondition()
    private var state = State.running
    private let start = Date()
    public let seconds: Double

    /// Starts the clock: the deadline is cancelled `seconds` from now unless ``claim()`` comes first.
    ///
    /// - Parameter seconds: The budget.
    public init(seconds: Double) {
        self.seconds = seconds
    }

    /// Starts the clock and a watchdog thread that calls `expire` with the budget once the deadline
    /// is cancelled (``waitForCancellation()``); `expire` ends the process, as the caller decides
    /// (message, exit code).
    ///
    /// - Parameters:
    ///   - seconds: The budget.
    ///   - expire: Called with the budget once the deadline is cancelled; ends the process.
    public convenience init(seconds: Double, expire: @escaping @Sendable (Double) -> Never) {
        self.init(seconds: seconds)
        Thread.detachNewThread { [self] in
            if waitForCancellation() { expire(seconds) }
        }
    }

    /// True when the budget is spent.
    public var expired: Bool { Date().timeIntervalSince(start) >= seconds }

    /// What is left of the budget, in seconds (0 when spent): the most any wait may take.
    public var remaining: Double { max(0, seconds - Date().timeIntervalSince(start)) }

    /// True once the budget is spent without a ``claim()`` in time: the work must stop and refuse.
    public var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return settle() == .cancelled
    }

    /// Asked right before the records are committed: true (and the deadline taken off, so that the
    /// commit and the verdict it records are not cut apart) while time remains; false once it is
    /// spent, and then the caller must not commit and refuses with the deadline's message.
    ///
    /// - Returns: Whether the caller may commit.
    public func claim() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if settle() == .running {
            state = .claimed
            condition.broadcast()
        }
        return state == .claimed
    }

    /// Blocks the calling thread until the deadline is cancelled or claimed in time.
    ///
    /// - Returns: True when cancelled, false when claimed in time.
    public func waitForCancellation() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while settle() == .running {
            _ = condition.wait(until: start.addingTimeInterval(seconds))
        }
        return state == .cancelled
    }

    /// The state with the clock applied: a deadline still running past its time is cancelled now.
    /// Holding the lock.
    private func settle() -> State {
        if state == .running, expired {
            state = .cancelled
            condition.broadcast()
        }
        return state
    }
}
