import Foundation

/// Runs blocking work (a child process waited for, a poll, `initdb`) on a thread of its own and
/// awaits it, so that an async test does not hold one of the cooperative pool's threads meanwhile:
/// on 2 cores the pool has 2, and other suites' async work (PostgreSQL's connections, their time
/// limits) would wait behind it and time out.
enum OffPool {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
