import ChangeGate
import Foundation
import Testing

/// The hook's deadline covers the whole hook, waits on the audit trail included (issue 15, item 2):
/// before, recording ran outside it, so a trail write-locked by another process held a push 30 s
/// (GitHub Enterprise Server kills a hook at 5 s) and then accepted it.
@Suite("changegate hook deadline (the whole hook, lock waits included)")
struct HookDeadlineTests {
    /// Another process holding the trail: started, and given time to take its lock, before the push.
    final class Holder {
        let process = Process()

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            // The holder prints a line once it holds the lock.
            _ = out.fileHandleForReading.availableData
        }

        /// SIGKILL: the test runner's threads may block SIGTERM, and a child inherits that mask.
        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        deinit { stop() }
    }

    private func trailPath(_ s: HookPushTests.Setup) -> String {
        s.server.url.appendingPathComponent("changegate/audit.sqlite").path
    }

    /// A push the hook records (a decision on main) but that needs no review: it changes no watched setting.
    @discardableResult
    private func docsChange(_ s: inout HookPushTests.Setup) throws -> String {
        try s.work.write("README.md", "docs \(UUID())\n")
        return try s.work.commit("docs", author: "Frank <frank@example.com>")
    }

    /// A push of a docs change (recorded, needing no review) with `--deadline 2`, while another
    /// process runs the Python `script` on `held(trail path)`; the trail's head before and after.
    private func pushWhileHeld(_ script: String, held: (String) -> String) throws
        -> (result: Shell.Result, before: AuditHead?, after: AuditHead?)
    {
        var s = try HookPushTests.makeSetup(install: ["--deadline", "2"])
        defer { s.remove() }
        try docsChange(&s)
        #expect(try s.push(["HEAD:refs/heads/main"]).status == 0)  // the trail exists and works
        let before = try SQLiteAuditStore(path: trailPath(s)).head()
        try docsChange(&s)
        let holder = try Holder(["python3", "-c", script, held(trailPath(s))])
        let result = try s.push(["HEAD:refs/heads/main"])
        holder.stop()
        return (result, before, try SQLiteAuditStore(path: trailPath(s)).head())
    }

    @Test("a trail write-locked by another process: the push is refused at the deadline, nothing recorded")
    func writeLockedTrail() throws {
        let (result, before, after) = try pushWhileHeld(
            """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            c.execute('BEGIN IMMEDIATE')
            print('locked', flush=True)
            time.sleep(20)
            """, held: { $0 })
        #expect(result.status != 0, "\(result.stderr)")
        // Whichever ends first, the watchdog or the store's wait (bounded by what the deadline leaves), says so.
        #expect(
            result.stderr.contains("2.0 s deadline") || result.stderr.contains("locked by another process"),
            "\(result.stderr)")
        #expect(result.stderr.contains("no ref moved"))
        #expect(after == before)
    }

    /// Held before too (opening ran under the watchdog); kept so that it stays so.
    @Test("the trail's lock file held by another process: the push is refused at the deadline")
    func lockFileHeld() throws {
        let (result, before, after) = try pushWhileHeld(
            """
            import fcntl, sys, time
            f = open(sys.argv[1], 'a')
            fcntl.flock(f, fcntl.LOCK_EX)
            print('locked', flush=True)
            time.sleep(20)
            """, held: { $0 + ".lock" })
        #expect(result.status != 0, "\(result.stderr)")
        // The store's wait is bounded by what the deadline leaves: whichever ends first says so.
        #expect(
            result.stderr.contains("deadline") || result.stderr.contains("locked by another process"),
            "\(result.stderr)")
        #expect(result.stderr.contains("no ref moved"), "\(result.stderr)")
        #expect(after == before)
    }

    @Test("post-receive facing a write-locked trail gives up at the deadline and says nothing was recorded")
    func postReceiveLockedTrail() throws {
        let scratch = try Paths.temporaryDirectory("post-receive-lock")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let locker = TrailLocker(scratch)
        var s = try HookPushTests.makeSetup(install: ["--deadline", "2"], hooks: ["pre-receive": locker.siteHook])
        defer {
            locker.stop()
            s.remove()
        }
        try docsChange(&s)
        #expect(try s.push(["HEAD:refs/heads/main"]).status == 0)  // the trail exists and works
        try locker.arm()
        let change = try docsChange(&s)
        let result = try s.push(["HEAD:refs/heads/main"])
        // The refs moved (post-receive cannot refuse), and the pusher is told the landing was not recorded.
        #expect(result.status == 0, "\(result.stderr)")
        #expect(s.serverRef("refs/heads/main") == change)
        #expect(
            result.stderr.contains("recording took longer than the 2.0 s deadline")
                || result.stderr.contains("locked by another process"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was recorded"), "\(result.stderr)")
        locker.stop()
        var query = AuditQuery()
        query.source = .push
        query.head = change
        #expect(try SQLiteAuditStore(path: trailPath(s)).entries(matching: query).isEmpty)
    }

    @Test("past the deadline at the commit point, the hook's records are rolled back and the push refused")
    func commitPointPastDeadline() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        let base = try #require(s.serverRef("refs/heads/main"))
        let change = try docsChange(&s)
        try s.work.git(["push", "-q", "origin", "HEAD:refs/heads/frank/side"])
        let store = try SQLiteAuditStore(path: trailPath(s))
        let before = try store.head()
        let hook = PreReceiveHook(
            repository: try Repository(path: s.server.path), configuration: HookConfiguration(),
            journal: AuditHookJournal(store: store, repository: try Repository(path: s.server.path).displayPath),
            actor: "frank@example.com", pushOptions: [], now: Int(Date().timeIntervalSince1970),
            evidenceDirectory: s.server.url.appendingPathComponent("changegate/evidence").path)
        let update = RefUpdate(old: ObjectID(hex: base), new: ObjectID(hex: change), ref: "refs/heads/main")
        let late = hook.record(hook.judge([update]), commit: HookCommit(waitLimit: { .seconds(1) }, claim: { false }))
        #expect(late.pastDeadline && !late.accepted)
        #expect(try store.head() == before)
        let inTime = hook.record(hook.judge([update]), commit: HookCommit(waitLimit: { .seconds(1) }, claim: { true }))
        #expect(inTime.accepted && !inTime.pastDeadline)
        #expect(try store.head()?.sequence == (before?.sequence ?? 0) + 1)
    }

    /// A site pre-receive, chained after ChangeGate's: once armed, it accepts but leaves the trail
    /// write-locked (as another push's long append would) for the post-receive that follows.
    struct TrailLocker {
        let ready: String
        let armed: String
        let holderPID: String

        init(_ scratch: URL) {
            ready = scratch.appendingPathComponent("locked").path
            armed = scratch.appendingPathComponent("armed").path
            holderPID = scratch.appendingPathComponent("holder.pid").path
        }

        var siteHook: String {
            """
            #!/bin/sh
            cat >/dev/null
            [ -e '\(armed)' ] || exit 0
            rm -f '\(ready)'
            python3 -c '
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            c.execute("BEGIN IMMEDIATE")
            open(sys.argv[2], "w").close()
            time.sleep(8)
            ' "$GIT_DIR/changegate/audit.sqlite" '\(ready)' </dev/null >/dev/null 2>&1 &
            echo $! >'\(holderPID)'
            i=0
            while [ ! -e '\(ready)' ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
            exit 0

            """
        }

        func arm() throws { try Data().write(to: URL(fileURLWithPath: armed)) }

        func disarm() { try? FileManager.default.removeItem(atPath: armed) }

        /// Ends the lock holder (SIGKILL: see ``Holder/stop()``).
        func stop() {
            if let pid = try? String(contentsOfFile: holderPID, encoding: .utf8),
                let number = Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                kill(number, SIGKILL)
            }
            try? FileManager.default.removeItem(atPath: holderPID)
        }
    }
}
