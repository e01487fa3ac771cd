import ChangeGate
import Foundation
import Testing

/// What the pusher reads under "how": chosen by the kind of each shortfall, never by its words.
/// Real pushes into a bare repository with the hook installed.
@Suite("the hook's how-to lines follow the shortfall's kind")
struct HookMessageTests {
    /// A group whose name holds "test" and a `changed` line naming a tests folder: both sentences
    /// hold the word "test", and neither is supplied by CI's test results.
    static let policy = """
        policy "how"
        files "db/**/*.yaml"
        group testers = ["alice@example.com"]
        watch "failover.**" weight 20 tag failover
        require "reviewed by a tester" when any change (tags has "failover") {
          reviewers >= 1 from testers
        }
        require "comes with its test plan" when any change (tags has "failover") {
          changed "tests/**"
        }
        """

    /// Frank pushes a watched failover change to main of a server whose policy is `policy`.
    static func pushFailoverChange(policy: String) throws -> Shell.Result {
        let setup = try HookPushTests.makeSetup(policy: policy)
        defer { setup.remove() }
        var work = setup.work
        try work.write("db/prod/app.yaml", "failover:\n  enabled: true\n  mode: manual\n")
        try work.commit("manual failover", author: "Frank <frank@example.com>")
        return try setup.push(["HEAD:refs/heads/main"])
    }

    @Test("a reviewer shortfall and a changed-files shortfall ask for an approval, not for test results")
    func reviewNotTests() throws {
        let refused = try Self.pushFailoverChange(policy: Self.policy)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("needs 1 more reviewer from group testers"), "\(refused.stderr)")
        #expect(refused.stderr.contains("the change must also touch \"tests/**\""), "\(refused.stderr)")
        #expect(refused.stderr.contains("a reviewer (not an author, nor who pushed it) approves"))
        // Before the shortfalls had kinds, "testers" and "tests/**" both read as missing tests.
        #expect(!refused.stderr.contains("CI leaves the test results"), "\(refused.stderr)")
    }

    @Test("a missing test result asks CI for it, and a policy risk line worded like a force push is not one")
    func testsAndForcePushWords() throws {
        let policy = """
            policy "how"
            files "db/**/*.yaml"
            watch "failover.**" weight 20 tag failover
            risk +5 "push rewrites history (not really)" when watched
            require "simulated" when any change (tags has "failover") {
              tests "failover-simulation" passed
            }
            """
        let refused = try Self.pushFailoverChange(policy: policy)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("CI leaves the test results on the server"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("a reviewer (not an author"), "\(refused.stderr)")
        // The policy's own risk line is not the hook's force-push item, whatever its words.
        #expect(!refused.stderr.contains("force push:"), "\(refused.stderr)")
    }
}
