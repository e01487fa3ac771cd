import ChangeGate
import Foundation
import PolicyDSL
import Testing

/// Issue 14, attack 9: the policy is a protected setting of its own. A push that edits only the
/// policy needs its owners' approval (a built-in requirement no policy can switch off), a push
/// that leaves a policy that does not compile is refused, and while the branch's policy is broken
/// an override group can still land the fix, judged by the last policy that compiled. Real pushes
/// into a bare repository with the hook installed; each push here went the other way before.
@Suite("Security: the policy guards itself")
struct PolicyOwnershipTests {
    typealias Setup = HookPushTests.Setup

    /// The hook test policy without its requirement: what a pusher would like it to be.
    static let weakened = """
        policy "hook-test"
        files "db/**/*.yaml"
        group dba = ["alice@example.com", "bob@example.com"]
        group oncall = ["dave@example.com"]
        watch "failover.**" weight 20 tag failover
        """

    /// frank brings `commit` to the server on a branch of his, then `user` approves it for main.
    private func approve(_ s: Setup, _ commit: String, as user: String) throws {
        #expect(try s.push(["\(commit):refs/heads/frank-wip"]).status == 0)
        let name = "\(commit.prefix(8))-\(user.prefix { $0 != "@" })"
        let approved = try s.push(["\(commit):refs/changegate/approvals/heads/main/\(name)"], as: user)
        #expect(approved.status == 0, "\(approved.stderr)")
    }

    @Test("a push that only weakens the policy needs an owner's approval; with it, it lands")
    func policyOnlyPushNeedsOwners() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        try s.work.write("policies/hook.policy", Self.weakened)
        let weaken = try s.work.commit("tidy the policy", author: "Frank <frank@example.com>")
        let refused = try s.push(["HEAD:refs/heads/main"])
        #expect(refused.status != 0, "the policy was weakened without review: \(refused.stderr)")
        #expect(refused.stderr.contains("changes to the policy are approved by its owners"))
        #expect(refused.stderr.contains("needs 1 more reviewer from group policy owners"))
        // The next push is still judged by the policy as it was.
        try s.work.write("db/prod/app.yaml", "failover:\n  enabled: true\n  mode: manual\n")
        try s.work.commit("manual", author: "Frank <frank@example.com>")
        let change = try s.push(["HEAD:refs/heads/main"])
        #expect(change.status != 0)
        #expect(change.stderr.contains("needs 1 more reviewer from group dba"))

        // An override group cannot lift it: dave could otherwise delete a hard `deny` in one push
        // and land what it denied, by override, in the next.
        try s.work.git(["reset", "-q", "--hard", weaken])
        let overridden = try s.push(
            ["HEAD:refs/heads/main"], as: "dave@example.com", options: ["changegate.override=INC-7: tidy"])
        #expect(overridden.status != 0, "an override lifted the policy-owners requirement: \(overridden.stderr)")
        try approve(s, weaken, as: "bob@example.com")
        let approved = try s.push(["HEAD:refs/heads/main"])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(s.serverRef("refs/heads/main") == weaken)
    }

    @Test("a push that leaves a policy that does not compile is refused, even approved; the branch stays usable")
    func brokenPolicyPushRefused() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        let before = try #require(s.serverRef("refs/heads/main"))
        try s.work.write("policies/hook.policy", HookPushTests.policy + "\nstray line\n")
        let broken = try s.work.commit("one stray line", author: "Frank <frank@example.com>")
        try approve(s, broken, as: "bob@example.com")
        let refused = try s.push(["HEAD:refs/heads/main"])
        #expect(refused.status != 0, "a broken policy landed: \(refused.stderr)")
        #expect(refused.stderr.contains("the policy this change leaves behind does not compile"))
        #expect(refused.stderr.contains("hook.policy:"))
        #expect(s.serverRef("refs/heads/main") == before)
        // Everyone else can still push.
        try s.work.git(["reset", "-q", "--hard", before])
        try s.work.write("README.md", "still fine\n")
        #expect(try s.work.commit("docs", author: "Frank <frank@example.com>").isEmpty == false)
        #expect(try s.push(["HEAD:refs/heads/main"]).status == 0)
    }

    @Test("a policy broken on the server: nothing lands but an override's fix, judged by the last policy that compiled")
    func brokenPolicyOnServerOverrideLandsFix() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        // An admin writes a broken policy straight into the server's main, past the hook.
        try s.work.write("policies/hook.policy", HookPushTests.policy + "\nstray line\n")
        let broken = try s.work.commit("broken by hand", author: "Alice <alice@example.com>")
        #expect(try s.push(["HEAD:refs/heads/admin"]).status == 0)
        try s.server.git(["update-ref", "refs/heads/main", broken])

        try s.work.write("policies/hook.policy", HookPushTests.policy)
        try s.work.commit("fix the policy", author: "Dave <dave@example.com>")
        let unapproved = try s.push(["HEAD:refs/heads/main"], as: "dave@example.com")
        #expect(unapproved.status != 0)
        #expect(unapproved.stderr.contains("only an override lands a change"))
        // A non-member's override is no override.
        let frank = try s.push(
            ["HEAD:refs/heads/main"], as: "frank@example.com", options: ["changegate.override=INC-9: fix"])
        #expect(frank.status != 0)
        let fixed = try s.push(
            ["HEAD:refs/heads/main"], as: "dave@example.com",
            options: ["changegate.override=INC-9: fix the broken policy"])
        #expect(fixed.status == 0, "the on-call engineer could not land the fix: \(fixed.stderr)")
        #expect(fixed.stderr.contains("OVERRIDE") || fixed.stderr.contains("OVERRIDDEN"))
        #expect(s.serverRef("refs/heads/main") == (try s.work.revParse("HEAD")))
    }

    @Test("`owners GROUP` names who approves a policy change; others' approvals do not count")
    func ownersDeclaration() throws {
        var repo = try GitFixture(label: "owners")
        defer { repo.remove() }
        let policy = """
            policy "owned"
            files "db/**/*.yaml"
            group dba = ["alice@example.com", "bob@example.com"]
            group platform = ["pat@example.com"]
            owners platform
            """
        try repo.write("policies/gate.policy", policy)
        let base = try repo.commit("base")
        try repo.write("policies/gate.policy", policy + "\nwatch \"failover.**\" weight 10\n")
        try repo.commit("watch failover", author: "Frank <frank@example.com>")
        func decide(_ reviewer: String) throws -> GateDecision {
            Gate(repository: try Repository(path: repo.path)).decide(
                GateRequest(
                    base: base, head: "HEAD", now: 1_717_509_300,
                    reviewers: [ReviewerEvidence(identity: reviewer, source: "evidence file")]))
        }
        let byDBA = try decide("bob@example.com")
        #expect(byDBA.verdict == .deny)
        #expect(
            byDBA.evaluation?.verdicts.first { $0.name == "changes to the policy are approved by its owners" }?
                .missing.first?.message.contains("bob@example.com is not in group policy owners") == true)
        #expect(try decide("pat@example.com").verdict == .allow)
        // A server-side policy (outside the repository) is not the repository's to guard.
        let outside = try Paths.temporaryDirectory("owners-outside")
        defer { try? FileManager.default.removeItem(at: outside) }
        try Data(policy.utf8).write(to: outside.appendingPathComponent("gate.policy"))
        let serverSide = Gate(repository: try Repository(path: repo.path)).decide(
            GateRequest(base: base, head: "HEAD", policyPath: outside.path, now: 1_717_509_300))
        #expect(serverSide.verdict == .allow)
    }
}
