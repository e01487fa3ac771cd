import ChangeGate
import Foundation
import Synchronization
import Testing

@testable import ChangeGateServer

/// The integrity page's verify shows how far it is: the store tells its walk's progress, the web
/// view keeps it while the verification runs and words it on the page.
@Suite("Web view: a verification's progress")
struct VerifyProgressTests {
    @Test("SQLite's verify tells its progress every few thousand records, rising, and the whole trail at the end")
    func storeProgress() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cg-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        let records = try IncidentTrail.fill(path, filler: 2 * auditProgressStep + 100).count
        let store = try SQLiteAuditStore(path: path, access: .readOnly)
        let seen = Mutex<[Int]>([])
        let verification = try store.verify(progress: { count in seen.withLock { $0.append(count) } })
        #expect(verification.isIntact)
        let counts = seen.withLock { $0 }
        #expect(counts == [auditProgressStep, 2 * auditProgressStep, records], "\(counts)")
    }

    @Test("while a verification runs the page's model has its progress; once it ends, none")
    func runningState() async throws {
        let verification = WebVerification()
        #expect(verification.progress == nil)
        let release = DispatchSemaphore(value: 0)
        let reported = DispatchSemaphore(value: 0)
        let started = Mutex(false)
        DispatchQueue.global().async {
            let ran = verification.run {
                verification.total(10_000)
                verification.checked(4_096)
                reported.signal()
                release.wait()
                return WebVerification.Outcome(finished: 1, records: 10_000, head: nil, failure: nil, badSequence: nil)
            }
            started.withLock { $0 = ran }
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                reported.wait()
                continuation.resume()
            }
        }
        let progress = try #require(verification.progress)
        #expect(progress.checked == 4_096 && progress.total == 10_000)
        // A second press while it runs starts nothing.
        #expect(
            !verification.run {
                Issue.record("a second verification ran"); fatalError()
            })
        release.signal()
        while verification.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        #expect(started.withLock { $0 })
        #expect(verification.progress == nil)
        #expect(verification.last?.records == 10_000)
    }

    @Test("the page words the progress: so far, of the trail with a percentage, then the checks after the walk")
    func wording() {
        #expect(WebView.progressLine(checked: 4096, total: nil) == "4096 records checked so far")
        #expect(WebView.progressLine(checked: 0, total: 0) == "0 records checked so far")
        #expect(
            WebView.progressLine(checked: 409_600, total: 1_000_000) == "409600 of 1000000 records checked (40%)")
        #expect(
            WebView.progressLine(checked: 1_000_000, total: 1_000_000)
                == "all 1000000 records checked; finishing the store's own checks")
    }
}
