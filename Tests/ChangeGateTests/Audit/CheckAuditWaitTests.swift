import ChangeGate
import Foundation
import Testing

/// `check` waits on a busy trail for a bounded time (issue 15, item 2): before, it waited on the
/// trail's lock file without any bound.
@Suite("changegate check: bounded waits on the audit trail")
struct CheckAuditWaitTests {
    @Test("the trail's lock file held by another process: check fails after --audit-wait, naming the trail")
    func lockFileHeld() throws {
        var repo = try GitFixture(label: "check-wait")
        defer { repo.remove() }
        try repo.write("policies/gate.policy", "policy \"w\"\nfiles \"db/**\"\n")
        try repo.write("db/app.yaml", "ttl: 30\n")
        let base = try repo.commit("base")
        try repo.write("db/app.yaml", "ttl: 15\n")
        try repo.commit("change")
        let trail = repo.url.appendingPathComponent("trail.sqlite").path
        let check = [Paths.changegate.path, "check", "--base", base, "--head", "HEAD", "--audit", trail]
        // The trail exists and takes a record.
        #expect(try Shell.run(check, in: repo.url, environment: GitFixture.baseEnvironment).status == 0)
        let holder = try HookDeadlineTests.Holder([
            "python3", "-c",
            """
            import fcntl, sys, time
            f = open(sys.argv[1], 'a')
            fcntl.flock(f, fcntl.LOCK_EX)
            print('locked', flush=True)
            time.sleep(30)
            """, trail + ".lock",
        ])
        let result = try Shell.run(
            check + ["--audit-wait", "1"], in: repo.url, environment: GitFixture.baseEnvironment)
        holder.stop()
        // The decision cannot be kept, so it is no decision: refused, saying why.
        #expect(result.status == 2)
        #expect(result.stdout.contains("DENIED (the change could not be judged)"), "\(result.stdout)")
        #expect(result.stdout.contains("the audit trail \(trail) is locked by another process"), "\(result.stdout)")
        #expect(result.stdout.contains("waited 1 s"), "\(result.stdout)")
        #expect(try SQLiteAuditStore(path: trail).head()?.sequence == 1)
    }
}
