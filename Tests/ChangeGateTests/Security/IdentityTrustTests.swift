import ChangeGate
import Foundation
import Testing

/// Issue 14's identity attacks, replayed with real `git push`es into a bare repository with
/// `changegate hook install`ed: logins that never matched e-mails (8) and trailers trusted by a
/// committer e-mail anyone writes (6). docs/security.md names each test.
@Suite("Security: identities and signed trailers")
struct IdentityTrustTests {
    typealias Setup = HookPushTests.Setup

    /// Pushes as a GitLab-authenticated login, the way GitLab's hooks name the pusher.
    private func push(_ s: Setup, _ refs: [String], gitlabUser: String) throws -> Shell.Result {
        var environment = GitFixture.baseEnvironment
        environment["GL_USERNAME"] = gitlabUser
        return try Shell.run(
            ["git", "-C", s.work.path, "push", "--porcelain", "origin"] + refs, environment: environment)
    }

    private func changeMode(_ work: inout GitFixture, to mode: String, author: String) throws -> String {
        try HookPushTests.changeMode(&work, to: mode, author: author)
    }

    private func writeEvidence(_ s: Setup, _ commit: String, reviewers: [String]) throws {
        let directory = s.server.url.appendingPathComponent("changegate/evidence")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let list = reviewers.map { "{\"identity\": \"\($0)\", \"source\": \"forge review\"}" }.joined(separator: ", ")
        try Data("{\"reviewers\": [\(list)]}".utf8).write(to: directory.appendingPathComponent("\(commit).json"))
    }

    // MARK: - 8. Logins never matched e-mails

    static let loginPolicy = """
        policy "logins"
        files "db/**/*.yaml"
        group dba = ["alice", "frank", "carol@example.com"]
        group oncall = ["dave"]
        watch "failover.**" weight 20 tag failover
        require "failover reviewed" when any change (tags has "failover") {
          reviewers >= 1 from dba
        } override by oncall
        """

    @Test("a login and its e-mails are one person: self-approval, the pusher and group membership alike")
    func loginsMatchEmails() throws {
        // The attack: frank commits under GitHub's noreply form of his login, approves as the login
        // GitLab authenticates, and erin (who can push main) lands it.
        var s = try HookPushTests.makeSetup(policy: Self.loginPolicy)
        defer { s.remove() }
        let noreply = try changeMode(&s.work, to: "manual", author: "Frank <12345+frank@users.noreply.github.com>")
        #expect(try push(s, ["HEAD:refs/heads/frank/failover"], gitlabUser: "erin").status == 0)
        let approval = try push(s, ["HEAD:refs/changegate/approvals/frank"], gitlabUser: "frank")
        #expect(approval.status != 0)
        #expect(approval.stderr.contains("frank wrote or committed"))
        // The forge's review, handed over by CI, names the login: it does not count either.
        try writeEvidence(s, noreply, reviewers: ["frank"])
        let relayed = try push(s, ["HEAD:refs/heads/main"], gitlabUser: "erin")
        #expect(relayed.status != 0)
        #expect(relayed.stderr.contains("needs 1 more reviewer from group dba"))
        #expect(relayed.stderr.contains("frank is an author or committer of the change and does not count"))
        #expect(s.serverRef("refs/heads/main") != noreply)

        // With an identity map, the same holds for any e-mail the policy gives the login.
        var m = try HookPushTests.makeSetup(
            policy: Self.loginPolicy + """

                identity "frank" = ["frank@example.com", "f.smith@example.com"]
                identity "carol" = ["carol@example.com"]
                """)
        defer { m.remove() }
        let change = try changeMode(&m.work, to: "manual", author: "Frank Smith <f.smith@example.com>")
        #expect(try push(m, ["HEAD:refs/heads/frank/failover"], gitlabUser: "erin").status == 0)
        _ = try push(m, ["HEAD:refs/changegate/approvals/frank"], gitlabUser: "frank")
        let own = try push(m, ["HEAD:refs/heads/main"], gitlabUser: "erin")
        #expect(own.status != 0)
        #expect(own.stderr.contains("frank is an author or committer of the change and does not count"))
        #expect(m.serverRef("refs/heads/main") != change)

        // The pusher exclusion sees through the map: erin's commit, reviewed by frank under an e-mail,
        // pushed by frank's login.
        try m.work.git(["reset", "-q", "--hard", "HEAD~1"])
        let erins = try changeMode(&m.work, to: "manual", author: "Erin <erin@example.com>")
        try writeEvidence(m, erins, reviewers: ["frank@example.com"])
        let pusherReviews = try push(m, ["HEAD:refs/heads/main"], gitlabUser: "frank")
        #expect(pusherReviews.status != 0)
        #expect(pusherReviews.stderr.contains("frank@example.com pushed this ref and cannot review it"))
        #expect(m.serverRef("refs/heads/main") != erins)

        // Group membership both ways: carol, listed by e-mail, approves as her login; it counts.
        try FileManager.default.removeItem(
            at: m.server.url.appendingPathComponent("changegate/evidence/\(erins).json"))
        #expect(try push(m, ["HEAD:refs/heads/erin/failover"], gitlabUser: "erin").status == 0)
        let carol = try push(m, ["HEAD:refs/changegate/approvals/carol"], gitlabUser: "carol")
        #expect(carol.status == 0, "\(carol.stderr)")
        let landed = try push(m, ["HEAD:refs/heads/main"], gitlabUser: "erin")
        #expect(landed.status == 0, "\(landed.stderr)")
        #expect(m.serverRef("refs/heads/main") == erins)
    }

    // MARK: - 6. Trailers trusted by a committer e-mail

    static let trailerPolicy = """
        policy "trailers"
        files "db/**/*.yaml"
        group dba = ["alice@example.com", "bob@example.com"]
        group merge_bot = ["bot@example.com"]
        watch "failover.**" weight 20 tag failover
        require "failover reviewed and simulated" when any change (tags has "failover") {
          reviewers >= 1 from dba
          tests "failover-simulation" passed
        }
        """

    /// An SSH key pair made with ssh-keygen: the private key's path and the public key's line.
    private func sshKey(_ name: String, in directory: URL) throws -> (key: String, publicKey: String) {
        let path = directory.appendingPathComponent(name).path
        try Shell.check(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path])
        let publicKey = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        return (path, publicKey.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A commit of `mode` committed as the merge bot, with the bot's review and test trailers,
    /// signed with `key` when given.
    private func botCommit(_ work: GitFixture, mode: String, signingKey key: String?) throws -> String {
        try work.write("db/prod/app.yaml", "failover:\n  enabled: true\n  mode: \(mode)\n")
        try work.git(["add", "-A"])
        let message = "failover \(mode)\n\nReviewed-by: Alice <alice@example.com>\nTested: failover-simulation\n"
        let signing = key.map { ["-c", "gpg.format=ssh", "-c", "user.signingkey=\($0)"] } ?? []
        try work.git(
            signing + ["commit", "-q", "--author", "Frank <frank@example.com>", "-F", "-"] + (key == nil ? [] : ["-S"]),
            environment: ["GIT_COMMITTER_NAME": "Merge Bot", "GIT_COMMITTER_EMAIL": "bot@example.com"],
            input: Data(message.utf8))
        return try work.revParse("HEAD")
    }

    @Test("trailers count only in commits signed with a key the policy names, by a member of the group")
    func forgedBotTrailers() throws {
        // The attack: frank writes the bot's committer e-mail and its trailers into his own commit.
        let s = try HookPushTests.makeSetup(policy: Self.trailerPolicy + "\ntrust trailers committed by merge_bot\n")
        defer { s.remove() }
        let forged = try botCommit(s.work, mode: "manual", signingKey: nil)
        let attack = try s.push(["HEAD:refs/heads/main"])
        #expect(attack.status != 0)
        #expect(attack.stderr.contains("needs 1 more reviewer from group dba"))
        #expect(attack.stderr.contains("no result for tests matching \"failover-simulation\""))
        #expect(attack.stderr.contains("signed with"))
        #expect(s.serverRef("refs/heads/main") != forged)

        // With the bot's keys named, only the bot's signed commits carry evidence.
        let keys = try Paths.temporaryDirectory("keys")
        defer { try? FileManager.default.removeItem(at: keys) }
        let bot = try sshKey("bot", in: keys)
        let frank = try sshKey("frank", in: keys)
        let t = try HookPushTests.makeSetup(
            policy: Self.trailerPolicy
                + "\ntrust trailers committed by merge_bot signed with \"bots.allowed_signers\"\n",
            files: ["policies/bots.allowed_signers": "bot@example.com namespaces=\"git\" \(bot.publicKey)\n"])
        defer { t.remove() }
        let unsigned = try botCommit(t.work, mode: "manual", signingKey: nil)
        let notSigned = try t.push(["HEAD:refs/heads/main"])
        #expect(notSigned.status != 0)
        #expect(notSigned.stderr.contains("Reviewed-by: trailer in \(unsigned.prefix(7)), which is not signed"))
        #expect(t.serverRef("refs/heads/main") != unsigned)

        let wrongKey = try botCommit(t.work, mode: "manual-2", signingKey: frank.key)
        let frankSigned = try t.push(["HEAD:refs/heads/main"])
        #expect(frankSigned.status != 0)
        #expect(frankSigned.stderr.contains("Reviewed-by: trailer in \(wrongKey.prefix(7)), whose signature"))
        #expect(t.serverRef("refs/heads/main") != wrongKey)

        let signed = try botCommit(t.work, mode: "manual-3", signingKey: bot.key)
        let botSigned = try t.push(["HEAD:refs/heads/main"])
        #expect(botSigned.status == 0, "\(botSigned.stderr)")
        #expect(t.serverRef("refs/heads/main") == signed)
    }
}
