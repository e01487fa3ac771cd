import ChangeGate
import Foundation
import Testing

/// The hook as a git server runs it: the real `git push` over file:// into a bare repository with
/// the hook installed by `changegate hook install`, the pusher named by CHANGEGATE_USER.
@Suite("changegate hook (real pushes)")
struct HookPushTests {
    static let policy = """
        policy "hook-test"
        files "db/**/*.yaml"
        group dba = ["alice@example.com", "bob@example.com"]
        group oncall = ["dave@example.com"]
        watch "failover.**" weight 20 tag failover
        deny "failover stays on" when any change (key == "failover.enabled" and new == false)
        require "failover reviewed and simulated" when any change (tags has "failover") {
          reviewers >= 1 from dba
          tests "failover-simulation" passed
        } override by oncall
        """

    /// The hook's decisions in the trail (not approvals, nor who first pushed what).
    static var decisions: AuditQuery {
        var query = AuditQuery()
        query.source = .hook
        return query
    }

    /// A server with the hook, and a clone whose main holds the policy and a config file.
    struct Setup {
        var server: GitFixture
        var work: GitFixture

        func push(_ arguments: [String], as user: String? = "frank@example.com", options: [String] = [])
            throws -> Shell.Result
        {
            var environment = GitFixture.baseEnvironment
            if let user { environment["CHANGEGATE_USER"] = user }
            let pushOptions = options.flatMap { ["-o", $0] }
            return try Shell.run(
                ["git", "-C", work.path, "push", "--porcelain"] + pushOptions + ["origin"] + arguments,
                environment: environment)
        }

        func serverRef(_ ref: String) -> String? {
            try? server.git(["rev-parse", "--verify", "-q", ref]).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func remove() {
            server.remove()
            work.remove()
        }
    }

    private func setup(install: [String] = []) throws -> Setup {
        try Self.makeSetup(install: install)
    }

    /// Shared with ``HookTrustTests``.
    static func makeSetup(
        install: [String] = [], hooks: [String: String] = [:], policy: String = policy, files: [String: String] = [:]
    ) throws -> Setup {
        let server = try GitFixture(bare: true, label: "server")
        // Hooks the site had before ChangeGate, which install must chain.
        for (name, script) in hooks {
            let file = server.url.appendingPathComponent("hooks/\(name)")
            try Data(script.utf8).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        }
        var work = try GitFixture(label: "work")
        try work.write("policies/hook.policy", policy)
        for (path, content) in files { try work.write(path, content) }
        try work.write("db/prod/app.yaml", "failover:\n  enabled: true\n  mode: automatic\n")
        try work.write("README.md", "config\n")
        try work.commit("base", author: "Alice <alice@example.com>")
        try work.git(["remote", "add", "origin", server.url.absoluteString])
        try work.git(["push", "-q", "origin", "HEAD:refs/heads/main"])
        try Shell.check([Paths.changegate.path, "hook", "install", "--repo", server.path] + install)
        return Setup(server: server, work: work)
    }

    private func changeMode(_ work: inout GitFixture, to mode: String, enabled: Bool = true) throws -> String {
        try Self.changeMode(&work, to: mode, enabled: enabled)
    }

    static func changeMode(
        _ work: inout GitFixture, to mode: String, enabled: Bool = true, author: String = "Frank <frank@example.com>"
    ) throws -> String {
        try work.write("db/prod/app.yaml", "failover:\n  enabled: \(enabled)\n  mode: \(mode)\n")
        return try work.commit("failover \(mode)", author: author)
    }

    @Test(
        "unwatched changes pass; the incident-like change is refused naming reviewer and test; approval plus evidence lets it through"
    )
    func approvals() throws {
        var s = try setup()
        defer { s.remove() }
        try s.work.write("README.md", "config, documented\n")
        let docs = try s.work.commit("docs", author: "Frank <frank@example.com>")
        #expect(try s.push(["HEAD:refs/heads/main"]).status == 0)
        #expect(s.serverRef("refs/heads/main") == docs)

        let change = try changeMode(&s.work, to: "manual")
        let refused = try s.push(["HEAD:refs/heads/main"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("remote: changegate: refs/heads/main"))
        #expect(refused.stderr.contains("DENIED"))
        #expect(refused.stderr.contains("needs 1 more reviewer from group dba (have: none)"))
        #expect(refused.stderr.contains("no result for tests matching \"failover-simulation\""))
        #expect(refused.stderr.contains("refs/changegate/approvals/"))
        #expect(s.serverRef("refs/heads/main") == docs)

        // The author cannot approve; a non-member's approval is recorded but does not count.
        let own = try s.push(["HEAD:refs/changegate/approvals/frank"])
        #expect(own.status != 0)
        #expect(own.stderr.contains("frank@example.com wrote or committed"))
        // The author puts the commit on the server (docs/hook.md): reviewers who first pushed it do not count.
        #expect(try s.push(["HEAD:refs/heads/frank/failover"]).status == 0)
        #expect(try s.push(["HEAD:refs/changegate/approvals/erin"], as: "erin@example.com").status == 0)
        let nonMember = try s.push(["HEAD:refs/heads/main"])
        #expect(nonMember.status != 0)
        #expect(nonMember.stderr.contains("erin@example.com is not in group dba"))

        // An approval is append-only.
        #expect(try s.push(["+HEAD~1:refs/changegate/approvals/erin"], as: "erin@example.com").status != 0)

        #expect(try s.push(["HEAD:refs/changegate/approvals/bob"], as: "bob@example.com").status == 0)
        let onlyReview = try s.push(["HEAD:refs/heads/main"])
        #expect(onlyReview.status != 0)
        #expect(onlyReview.stderr.contains("no result for tests matching \"failover-simulation\""))
        #expect(!onlyReview.stderr.contains("needs 1 more reviewer"))

        let evidence = s.server.url.appendingPathComponent("changegate/evidence/\(change)")
        try FileManager.default.createDirectory(at: evidence, withIntermediateDirectories: true)
        try Data(
            """
            <testsuite name="ci"><testcase classname="failover" name="failover-simulation"/></testsuite>
            """.utf8
        ).write(to: evidence.appendingPathComponent("junit.xml"))
        let accepted = try s.push(["HEAD:refs/heads/main"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(s.serverRef("refs/heads/main") == change)
        // The approval is a record of its own in the server's audit trail, and the chain is whole.
        let trail = try SQLiteAuditStore(path: s.server.url.appendingPathComponent("changegate/audit.sqlite").path)
        let approvals = try trail.approvals(of: change)
        // erin's (not a DBA: recorded, not counted) and bob's; frank's self-approval was refused.
        #expect(approvals.compactMap(\.actor) == ["erin@example.com", "bob@example.com"])
        #expect(approvals.first?.source == .approval)
        let accepting = try #require(try trail.entries(matching: Self.decisions).first?.record)
        #expect(accepting.source == .hook && accepting.accepted && accepting.head == change)
        #expect(accepting.evidence.contains { $0.subject == "bob@example.com" && $0.counted })
        #expect(try trail.verify().isIntact)
    }

    @Test("a push moving three refs where one is denied moves none")
    func atomic() throws {
        var s = try setup(install: ["--protect", "refs/heads/main", "--protect", "refs/heads/release/*"])
        defer { s.remove() }
        try s.work.write("README.md", "v2\n")
        let docs = try s.work.commit("docs", author: "Frank <frank@example.com>")
        try s.work.git(["branch", "release/1", docs])
        try s.work.git(["branch", "feature", docs])
        _ = try changeMode(&s.work, to: "manual")
        let result = try s.push([
            "feature:refs/heads/feature", "release/1:refs/heads/release/1", "HEAD:refs/heads/main",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("the whole push was refused; no ref moved"))
        #expect(s.serverRef("refs/heads/feature") == nil)
        #expect(s.serverRef("refs/heads/release/1") == nil)
        #expect(s.serverRef("refs/heads/main") != docs)
    }

    @Test("creation is judged against the default branch, deletion needs an override, a force push is scored")
    func createDeleteForce() throws {
        var s = try setup(install: ["--protect", "refs/heads/main", "--protect", "refs/heads/prod*"])
        defer { s.remove() }
        // A new protected branch at main's tip changes nothing: allowed.
        #expect(try s.push(["HEAD:refs/heads/prod-eu"]).status == 0)
        // A new protected branch with a failover change is judged against main: refused.
        try s.work.git(["checkout", "-q", "-b", "prod-us"])
        _ = try changeMode(&s.work, to: "manual")
        let created = try s.push(["HEAD:refs/heads/prod-us"])
        #expect(created.status != 0)
        #expect(created.stderr.contains("needs 1 more reviewer"))

        // Deleting a protected ref: refused; by on call with a reason: allowed, loudly.
        let deleted = try s.push([":refs/heads/prod-eu"])
        #expect(deleted.status != 0)
        #expect(deleted.stderr.contains("deleting a protected ref needs an override by a member of group oncall"))
        var environment = GitFixture.baseEnvironment
        environment["CHANGEGATE_USER"] = "dave@example.com"
        let overridden = try Shell.run(
            [
                "git", "-C", s.work.path, "push", "-o", "changegate.override=INC-9: retire prod-eu", "origin",
                ":refs/heads/prod-eu",
            ],
            environment: environment)
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(overridden.stderr.contains("!!! OVERRIDE: deletion allowed for dave@example.com"))
        #expect(s.serverRef("refs/heads/prod-eu") == nil)

        // A force push that only drops a README commit: allowed, with the force-push risk said.
        try s.work.git(["checkout", "-q", "main"])
        try s.work.write("README.md", "v2\n")
        try s.work.commit("docs", author: "Frank <frank@example.com>")
        #expect(try s.push(["HEAD:refs/heads/main"]).status == 0)
        try s.work.git(["reset", "-q", "--hard", "HEAD~1"])
        try s.work.write("README.md", "v3\n")
        try s.work.commit("docs again", author: "Frank <frank@example.com>")
        let forced = try s.push(["+HEAD:refs/heads/main"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(
            forced.stderr.contains(
                "force push: +50 risk, push rewrites history (not a fast-forward): 1 commit of refs/heads/main dropped")
        )
    }

    @Test("a push that edits the policy to allow itself is still judged by the old policy")
    func policyFromTip() throws {
        var s = try setup()
        defer { s.remove() }
        try s.work.write("policies/hook.policy", "policy \"anything goes\"\nfiles \"db/**/*.yaml\"\n")
        _ = try changeMode(&s.work, to: "manual")
        let result = try s.push(["HEAD:refs/heads/main"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("by policy \"hook-test\""))
    }

    @Test(
        "break-glass: an on-call member's override passes and is recorded; a non-member's, or one against a deny, is refused"
    )
    func breakGlass() throws {
        var s = try setup()
        defer { s.remove() }
        _ = try changeMode(&s.work, to: "manual")
        func push(_ user: String, _ reason: String) throws -> Shell.Result {
            var environment = GitFixture.baseEnvironment
            environment["CHANGEGATE_USER"] = user
            return try Shell.run(
                [
                    "git", "-C", s.work.path, "push", "-o", "changegate.override=\(reason)", "origin",
                    "HEAD:refs/heads/main",
                ],
                environment: environment)
        }
        let refused = try push("frank@example.com", "INC-1: trust me")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("or a member of group oncall overrides with a reason"))
        #expect(refused.stderr.contains("override asked for by frank@example.com (\"INC-1: trust me\"): not honoured"))
        let accepted = try push("dave@example.com", "INC-2: restore checkout")
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stderr.contains("!!! OVERRIDE require \"failover reviewed and simulated\""))
        let trail = try SQLiteAuditStore(path: s.server.url.appendingPathComponent("changegate/audit.sqlite").path)
        let overridden = try #require(try trail.entries(matching: Self.decisions).first?.record)
        #expect(
            overridden.override == AuditRecord.Override(actor: "dave@example.com", reason: "INC-2: restore checkout"))
        #expect(overridden.overridden && overridden.accepted && overridden.actor == "dave@example.com")
        // The refusal of frank's override before it is in the trail too, refused.
        var refusedQuery = AuditQuery()
        refusedQuery.actor = "frank@example.com"
        #expect(
            try trail.entries(matching: refusedQuery).contains { !$0.record.accepted && $0.record.decision == "deny" })

        _ = try changeMode(&s.work, to: "manual", enabled: false)
        let deny = try push("dave@example.com", "INC-3: switch it off")
        #expect(deny.status != 0)
        #expect(deny.stderr.contains("no override can lift a deny rule"))
    }

    @Test(
        "fail closed: an unparsable file, a corrupt policy, an unwritable audit trail and no pusher each refuse with a message"
    )
    func failClosed() throws {
        var s = try setup()
        defer { s.remove() }
        try s.work.write("db/prod/app.yaml", "failover:\n  enabled: [true\n")
        try s.work.commit("broken", author: "Frank <frank@example.com>")
        let unparsable = try s.push(["HEAD:refs/heads/main"])
        #expect(unparsable.status != 0)
        #expect(unparsable.stderr.contains("REFUSED, the change cannot be judged"))
        #expect(unparsable.stderr.contains("db/prod/app.yaml:"))

        let noUser = try s.push(["HEAD:refs/heads/main"], as: nil)
        #expect(noUser.status != 0)
        #expect(noUser.stderr.contains("no authenticated pusher"))

        // A corrupt policy on the server's main (written there by an admin, bypassing the hook).
        try s.work.git(["reset", "-q", "--hard", "HEAD~1"])
        try s.work.write("policies/hook.policy", "policy \"broken\"\nwatch \"a\" weight\n")
        let corrupt = try s.work.commit("corrupt policy", author: "Alice <alice@example.com>")
        #expect(try s.push(["HEAD:refs/heads/admin"]).status == 0)  // unprotected: passes untouched
        try s.server.git(["update-ref", "refs/heads/main", corrupt])
        try s.work.write("README.md", "anything\n")
        try s.work.commit("docs", author: "Frank <frank@example.com>")
        let policyError = try s.push(["HEAD:refs/heads/main"])
        #expect(policyError.status != 0)
        // Judged by the last policy that compiled: only an override lands anything until it is fixed.
        #expect(policyError.stderr.contains("does not compile"), "\(policyError.stderr)")
        #expect(policyError.stderr.contains("policies/hook.policy:2:"))
        #expect(policyError.stderr.contains("only an override lands a change"))

        // The journal cannot be written (a file where its folder should be): an internal error.
        try s.server.git(["update-ref", "refs/heads/main", try s.work.revParse("HEAD~2")])
        try s.work.git(["reset", "-q", "--hard", "HEAD~2"])
        try s.work.write("README.md", "more\n")
        try s.work.commit("docs", author: "Frank <frank@example.com>")
        let journal = s.server.url.appendingPathComponent("changegate")
        try? FileManager.default.removeItem(at: journal)
        try Data("not a folder".utf8).write(to: journal)
        let unrecorded = try s.push(["HEAD:refs/heads/main"])
        #expect(unrecorded.status != 0)
        #expect(unrecorded.stderr.contains("REFUSED: cannot create"))
        #expect(unrecorded.stderr.contains("for the audit trail"))
    }

    @Test("the deadline rejects cleanly: a clear message and no ref moved")
    func deadline() throws {
        var s = try setup(install: ["--deadline", "0.001"])
        defer { s.remove() }
        let before = s.serverRef("refs/heads/main")
        _ = try changeMode(&s.work, to: "manual")
        let result = try s.push(["HEAD:refs/heads/main"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("took longer than its 0.001 s deadline"))
        #expect(s.serverRef("refs/heads/main") == before)
    }

    @Test("install keeps an existing hook by chaining to it; uninstall restores it")
    func installChain() throws {
        let server = try GitFixture(bare: true, label: "chain")
        defer { server.remove() }
        let existing = server.url.appendingPathComponent("hooks/pre-receive")
        try Data("#!/bin/sh\necho previous hook ran >&2\nexit 0\n".utf8).write(to: existing)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: existing.path)
        let installed = try Shell.check([Paths.changegate.path, "hook", "install", "--repo", server.path])
        #expect(installed.contains("kept the existing pre-receive hook"))
        #expect(try server.git(["config", "receive.advertisePushOptions"]).contains("true"))
        let output = try Shell.run(
            ["sh", existing.path], environment: ["GIT_DIR": server.path],
            input: Data(
                "0000000000000000000000000000000000000000 0000000000000000000000000000000000000000 refs/heads/x\n".utf8)
        )
        #expect(output.stderr.contains("previous hook ran"))
        _ = try Shell.check([Paths.changegate.path, "hook", "uninstall", "--repo", server.path])
        #expect(try String(contentsOf: existing, encoding: .utf8).contains("previous hook ran"))
        #expect(FileManager.default.fileExists(atPath: existing.path + ".changegate-chained") == false)
        #expect((try? server.git(["config", "receive.advertisePushOptions"])) == nil)
    }
}
