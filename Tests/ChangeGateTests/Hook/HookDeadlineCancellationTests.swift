import ChangeGate
import Foundation
import Testing

/// The hook's deadline is a cancellation the caller acts on (issue 18, item 5): in process, the
/// workflow refuses once it is cancelled and the process goes on; a claim in time takes it off.
@Suite("Hook deadline as a cancellation")
struct HookDeadlineCancellationTests {
    @Test("past the deadline the workflow refuses with the deadline's message, and the process goes on")
    func workflowRefuses() throws {
        let deadline = HookDeadline(seconds: 0.2)
        #expect(!deadline.isCancelled)
        let request = HookRequest(configuration: HookConfiguration(deadline: 0.2), environment: [:])
        let outcome = HookWorkflow.preReceive(request, deadline: deadline) {
            // Reading the updates takes longer than the whole budget.
            Thread.sleep(forTimeInterval: 0.4)
            return [RefUpdate(old: nil, new: ObjectID(hex: String(repeating: "1", count: 40)), ref: "refs/heads/main")]
        }
        #expect(outcome.exit == .refused)
        #expect(outcome.exitCode == 1)
        #expect(outcome.message.isEmpty)
        #expect(outcome.error == HookWorkflow.deadlineMessage(0.2))
        #expect(deadline.isCancelled)
        #expect(!deadline.claim())  // no commit may start after the cancellation
        #expect(deadline.waitForCancellation())  // returns at once
    }

    @Test("a watcher wakes at the deadline; a claim in time wakes it with no cancellation")
    func watcher() async throws {
        // The waits block their thread: on Dispatch's, not the cooperative pool's (two threads on two
        // cores; a blocked pool kept this test from waking for longer than the 30 s deadline in CI).
        func waitOffPool(_ deadline: HookDeadline) async -> Bool {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: deadline.waitForCancellation()) }
            }
        }
        let start = Date()
        let late = HookDeadline(seconds: 0.3)
        let cancelled = await waitOffPool(late)
        #expect(cancelled)
        #expect(Date().timeIntervalSince(start) >= 0.29)

        let claimed = HookDeadline(seconds: 30)
        let waiting = Task { await waitOffPool(claimed) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(claimed.claim())
        #expect(await waiting.value == false)
        #expect(!claimed.isCancelled)
        #expect(claimed.claim())  // claimed stays claimed
    }
}
