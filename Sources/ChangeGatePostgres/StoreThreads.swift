import Foundation

/// The threads the PostgreSQL store's asynchronous work runs on, instead of Swift's cooperative pool.
///
/// The pool has one thread per core, and whatever blocks those threads (a synchronous caller waiting
/// on ``BlockingAuditStore``, a busy process around the store) would also hold the store's own work
/// and its time limits: an answer that had arrived could not be read, and the limit would report a
/// server that did not answer. With a task-executor preference for this thread, the store's
/// operations, its connection pool's run loop and its deadlines go on whatever the pool does.
/// PostgresNIO's event loops do the network I/O; a few threads, so that one store's long decode or
/// `verify` does not hold another's append past its deadline.
///
/// A class: it owns the threads, which live as long as the process.
final class StoreThreads: TaskExecutor, @unchecked Sendable {
    /// One per process: every store shares it.
    static let shared = StoreThreads()

    // `jobs` is read and written only while `condition` is locked; hence `@unchecked Sendable`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// How many threads serve the jobs.
    static let width = 4

    private init() {
        for index in 0..<Self.width {
            let thread = Thread { [unowned self] in self.serve() }
            thread.name = "changegate.postgres.\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Takes one job at a time (a FIFO; the list stays short), so that idle threads share the work.
    private func serve() {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: executor)
        }
    }
}
