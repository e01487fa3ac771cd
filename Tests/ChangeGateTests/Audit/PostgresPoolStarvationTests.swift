import ChangeGate
import ChangeGatePostgres
import Foundation
import TestSupport
import Testing

/// The PostgreSQL store's work and time limits do not depend on Swift's cooperative pool: with every
/// pool thread blocked (as synchronous callers of `BlockingAuditStore` and busy test suites block
/// them on 2 cores), a call still gets the server's answer, instead of "the server did not answer"
/// from a server that had answered long before.
@Suite("Audit stores: PostgreSQL with the cooperative pool blocked")
struct PostgresPoolStarvationTests {
    /// Counts the blockers that hold a pool thread. A class shared across threads; `@unchecked
    /// Sendable`: `count` is touched only while `lock` is held.
    final class Started: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func increment() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }

    @Test("every pool thread blocked for longer than the call's limit: the call still answers at once")
    func blockedPool() async throws {
        let server = try PostgresTestServer.shared.get()
        let url = server.url(chain: "starved-\(UUID().uuidString.prefix(8).lowercased())")
        // A 2 s wait limit: the bridge gives up after 2 + 2 s (grace); the pool stays blocked 7 s.
        let store = try await OffPool.run {
            try BlockingAuditStore.openPostgres(url, environment: [:], waitLimit: .seconds(2))
        }
        defer { store.close() }
        let width = ProcessInfo.processInfo.activeProcessorCount
        let started = Started()
        let blockers = (0..<width).map { _ in
            Task.detached {
                started.increment()
                usleep(7_000_000)  // blocks the thread, as a synchronous wait does
            }
        }
        let outcome = try await OffPool.run { () -> (Result<AuditHead?, AuditError>, Duration, Bool) in
            // Only once every pool thread is held does the measured call start.
            let clock = ContinuousClock()
            let until = clock.now + .seconds(20)
            while started.value < width && clock.now < until { Thread.sleep(forTimeInterval: 0.01) }
            let allHeld = started.value == width
            let begun = clock.now
            let result = Result { () throws(AuditError) -> AuditHead? in
                try store.append([AuditQueryTests.record(1)])
                return try store.head()
            }
            return (result, clock.now - begun, allHeld)
        }
        for blocker in blockers { await blocker.value }
        let (result, elapsed, allHeld) = outcome
        #expect(allHeld, "the blockers did not all start: the pool was not blocked")
        switch result {
        case .success(let head):
            #expect(head?.sequence == 1)
            #expect(elapsed < .seconds(4), "took \(elapsed) with the pool blocked")
        case .failure(let error):
            Issue.record("with the pool blocked, the call failed: \(error.message)")
        }
    }
}
