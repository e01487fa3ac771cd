import Foundation
import ServiceLifecycle

/// The webhook jobs: a bounded queue drained by a bounded number of workers. A delivery that
/// finds it full is refused (503), so that the forge retries it: none is accepted and then
/// dropped. A service of its own in the service group, after the HTTP server: on SIGTERM the
/// server stops taking deliveries first, then the queue finishes every job it accepted.
final class JudgeQueue: Service, Sendable {
    typealias Job = @Sendable () async -> Void

    private let stream: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation
    private let depth: Depth
    /// Jobs accepted and not finished (waiting or being judged) at most.
    let capacity: Int
    let workers: Int
    private let metrics: ServerMetrics

    init(queue: Int, workers: Int, metrics: ServerMetrics) {
        (stream, continuation) = AsyncStream<Job>.makeStream()
        self.workers = max(1, workers)
        self.capacity = max(1, queue) + self.workers
        self.depth = Depth()
        self.metrics = metrics
    }

    /// Takes `job` when there is room; false when the queue is full or shutting down.
    func submit(_ job: @escaping Job) -> Bool {
        guard let depth = depth.change(by: 1, limit: capacity) else { return false }
        metrics.setQueueDepth(depth)
        if case .terminated = continuation.yield(job) {
            metrics.setQueueDepth(self.depth.change(by: -1, limit: .max) ?? 0)
            return false
        }
        return true
    }

    /// Jobs accepted and not finished.
    var count: Int { depth.change(by: 0, limit: .max) ?? 0 }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await job in stream {
                    if running >= workers {
                        await group.next()
                        running -= 1
                    }
                    group.addTask { [depth, metrics] in
                        await job()
                        metrics.setQueueDepth(depth.change(by: -1, limit: .max) ?? 0)
                    }
                    running += 1
                }
                // The stream ended (shutdown): the jobs already taken finish before run returns.
                await group.waitForAll()
            }
        } onGracefulShutdown: { [continuation] in
            // No new jobs; the ones waiting are still delivered to the loop above.
            continuation.finish()
        }
    }

    /// The count behind a lock: deliveries submit from many tasks.
    private final class Depth: @unchecked Sendable {
        // Guarded by `lock`; @unchecked because NSLock is the guard the compiler cannot see.
        private let lock = NSLock()
        private var value = 0

        /// Adds `delta` unless the result would pass `limit`; the new count, or nil when refused.
        func change(by delta: Int, limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard value + delta <= limit else { return nil }
            value += delta
            return value
        }
    }
}
