import ChangeGate
import Foundation
import Testing

/// Who first pushed a commit must be known before a review of it counts (red-team finding on issue
/// 15): post-receive records arrivals, and when it recorded nothing (a busy trail, a push too large
/// to record in time) the first pusher of a commit was unknown, so they could approve it themselves.
@Suite("changegate hook: reviews need a known first pusher")
struct HookArrivalTests {
    private func passSimulation(_ server: GitFixture, _ commit: String) throws {
        let evidence = server.url.appendingPathComponent("changegate/evidence/\(commit)")
        try FileManager.default.createDirectory(at: evidence, withIntermediateDirectories: true)
        try Data(
            """
            <testsuite name="ci"><testcase classname="failover" name="failover-simulation"/></testsuite>
            """.utf8
        ).write(to: evidence.appendingPathComponent("junit.xml"))
    }

    @Test("a commit whose arrival post-receive could not record: its first pusher's approval does not count")
    func unrecordedArrival() throws {
        let scratch = try Paths.temporaryDirectory("arrival")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let locker = HookDeadlineTests.TrailLocker(scratch)
        var s = try HookPushTests.makeSetup(install: ["--deadline", "2"], hooks: ["pre-receive": locker.siteHook])
        defer {
            locker.stop()
            s.remove()
        }
        // bob (of dba) brings Frank's incident-like commit to a side branch while the trail is busy:
        // the branch lands, post-receive records nothing.
        let change = try HookPushTests.changeMode(&s.work, to: "manual")
        try locker.arm()
        let brought = try s.push(["HEAD:refs/heads/bob/work"], as: "bob@example.com")
        #expect(brought.status == 0, "\(brought.stderr)")
        #expect(brought.stderr.contains("nothing was recorded"), "\(brought.stderr)")
        locker.disarm()
        locker.stop()
        var arrivals = AuditQuery()
        arrivals.source = .push
        arrivals.head = change
        let trail = try SQLiteAuditStore(path: s.server.url.appendingPathComponent("changegate/audit.sqlite").path)
        #expect(try trail.entries(matching: arrivals).isEmpty)

        // bob approves it: no arrival says he brought it.
        let approval = try s.push(["HEAD:refs/changegate/approvals/bob"], as: "bob@example.com")
        #expect(approval.status == 0, "\(approval.stderr)")
        try passSimulation(s.server, change)
        let landed = try s.push(["HEAD:refs/heads/main"], as: "frank@example.com")
        #expect(landed.status != 0, "the first pusher's approval counted: \(landed.stderr)")
        #expect(landed.stderr.contains("is not recorded, so no review of it counts"), "\(landed.stderr)")
        #expect(s.serverRef("refs/heads/main") != change)
    }

    @Test("a push of more new commits than post-receive records says so, and records that many")
    func arrivalCap() throws {
        let s = try HookPushTests.makeSetup()
        defer { s.remove() }
        // A side branch of 5,001 commits, made fast with fast-import.
        var stream = ""
        for index in 1...(PostReceiveHook.maxArrivals + 1) {
            stream += "commit refs/heads/long\ncommitter Frank <frank@example.com> \(1_700_000_000 + index) +0000\n"
            stream += "data 2\nc\n"
            if index == 1 { stream += "from refs/heads/main\n" }
            stream += "M 644 inline notes.txt\ndata \(String(index).utf8.count + 1)\n\(index)\n\n"
        }
        try s.work.git(["fast-import", "--quiet"], input: Data(stream.utf8))
        let pushed = try s.push(["refs/heads/long:refs/heads/frank/long"])
        #expect(pushed.status == 0, "\(pushed.stderr)")
        #expect(pushed.stderr.contains("more than \(PostReceiveHook.maxArrivals) new commits"), "\(pushed.stderr)")
        var arrivals = AuditQuery()
        arrivals.source = .push
        arrivals.decision = "received"
        let trail = try SQLiteAuditStore(path: s.server.url.appendingPathComponent("changegate/audit.sqlite").path)
        #expect(try trail.entries(matching: arrivals).count == PostReceiveHook.maxArrivals)
    }
}
