import ChangeGate
import Foundation
import Testing

/// A force push is judged from the ref's old tip to the new one, not from their merge base
/// (docs/hook.md): what the ref holds afterwards is what lands, so the settings a rewrite drops are
/// judged as changed back. `check` takes the merge base (a pull request's view); the hook must not.
@Suite("changegate hook: a force push is judged from the old tip")
struct HookForcePushTests {
    static let policy = """
        policy "force pushes"
        files "db/**/*.yaml"
        watch "failover.**" weight 20 tag failover
        deny "automatic failover stays off" when any change (key == "failover.mode" and new == "automatic")
        """

    @Test("dropping a landed change by a force push is judged as reverting it")
    func droppedChangeIsJudged() throws {
        var s = try HookPushTests.makeSetup(policy: Self.policy)
        defer { s.remove() }
        // main: automatic → manual, accepted.
        let manual = try HookPushTests.changeMode(&s.work, to: "manual")
        #expect(try s.push(["HEAD:refs/heads/main"]).status == 0)
        #expect(s.serverRef("refs/heads/main") == manual)

        // A rewrite from before it that touches only the README: its own change is harmless, but
        // the ref goes back to automatic failover.
        try s.work.git(["reset", "-q", "--hard", "HEAD~1"])
        try s.work.write("README.md", "config, rewritten\n")
        try s.work.commit("docs", author: "Frank <frank@example.com>")
        let forced = try s.push(["+HEAD:refs/heads/main"])
        #expect(forced.status != 0)
        #expect(forced.stderr.contains("automatic failover stays off"), "\(forced.stderr)")
        #expect(
            forced.stderr.contains("push rewrites history (not a fast-forward): 1 commit of refs/heads/main dropped"))
        #expect(s.serverRef("refs/heads/main") == manual)
    }
}
