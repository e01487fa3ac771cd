import ChangeGate
import Foundation
import Synchronization

/// The web view's last `verify` of the trail: what the integrity page and the banner show, and the
/// guard that lets one verification run at a time (a verify reads the whole trail; a page of
/// buttons pressed again and again must not read it many times at once).
final class WebVerification: Sendable {
    struct Outcome: Sendable {
        /// When it finished, seconds since the epoch.
        var finished: Int
        var records: Int
        var head: AuditHead?
        /// The first bad record and why, or the store's damage; nil when the chain is whole.
        var failure: String?
        /// The first bad record's number, for a link.
        var badSequence: Int?
    }

    private struct State {
        var running = false
        var last: Outcome?
        /// The running verification's records checked so far, and the trail's records when it began.
        var checked = 0
        var total: Int?
    }

    private let state = Mutex(State())

    /// The last verification's outcome; nil before the first.
    var last: Outcome? { state.withLock { $0.last } }

    /// Whether one is running now.
    var isRunning: Bool { state.withLock { $0.running } }

    /// How far the running verification is: records checked, of how many; nil when none runs.
    var progress: (checked: Int, total: Int?)? {
        state.withLock { $0.running ? ($0.checked, $0.total) : nil }
    }

    /// Tells the page how many records the running verification checked so far.
    ///
    /// - Parameter checked: The records checked.
    func checked(_ checked: Int) { state.withLock { $0.checked = checked } }

    /// Tells the page how many records the trail held when the running verification began.
    ///
    /// - Parameter total: The trail's records.
    func total(_ total: Int?) { state.withLock { $0.total = total } }

    /// Runs `verify` unless one is running (then returns false at once), and keeps its outcome.
    /// `verify` reports its progress through ``total(_:)`` and ``checked(_:)``.
    func run(_ verify: () -> Outcome) -> Bool {
        let started = state.withLock { state -> Bool in
            guard !state.running else { return false }
            state.running = true
            state.checked = 0
            state.total = nil
            return true
        }
        guard started else { return false }
        let outcome = verify()
        state.withLock { state in
            state.running = false
            state.last = outcome
        }
        return true
    }

    /// The outcome of `verification`, finished at `time`.
    static func outcome(_ verification: AuditVerification, time: Int) -> Outcome {
        var failure: String?
        if let problem = verification.problem {
            failure = "Record \(problem.sequence): \(problem.message)"
        } else if let damage = verification.damage.first {
            failure = "The store is damaged: \(damage)"
        } else if let witness = verification.localWitnessProblem {
            failure = witness
        }
        return Outcome(
            finished: time, records: verification.records, head: verification.head, failure: failure,
            badSequence: verification.problem?.sequence)
    }
}
