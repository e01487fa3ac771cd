import ChangeGate
import Foundation
import Testing

/// Issue 14, attack 1: `reverts` must mean "restores a value the branch held as known good" — at a
/// tip the gate accepted, for the policy's `stable` time, not reverted away, not denied now. Each
/// test replays the attack with real git; each passed the bad change on the code before the defence.
@Suite("Security: revert poisoning")
struct RevertPoisoningTests {
    static let policy = """
        policy "revert-poisoning"
        files "db/**/*.yaml"
        group dba = ["alice@example.com", "bob@example.com"]
        watch "failover.**", "bootstrap.dcs.*" weight 20 tag failover
        risk -25 "restores an earlier value" when watched and reverts
        require "failover reviewed" when any change (tags has "failover" and not reverts) {
          reviewers >= 1 from dba
        }
        """

    private static func push(_ work: GitFixture, _ refspec: String, as user: String = "frank@example.com") throws
        -> Shell.Result
    {
        var environment = GitFixture.baseEnvironment
        environment["CHANGEGATE_USER"] = user
        return try Shell.run(
            ["git", "-C", work.path, "push", "--porcelain", "origin", refspec], environment: environment)
    }

    /// ISO 8601 for `seconds` from now: the hook judges at the wall clock, so these commits must
    /// fall inside its 90-day look-back.
    private static func fromNow(_ seconds: Int) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: TimeInterval(seconds)))
    }

    @Test("a push that sets a value and sets it back does not make the next push of that value a revert")
    func setAndSetBackInOnePush() throws {
        let server = try GitFixture(bare: true, label: "poison-server")
        var work = try GitFixture(label: "poison-work")
        defer {
            server.remove()
            work.remove()
        }
        try work.write("policies/gate.policy", Self.policy)
        try work.write("db/prod/app.yaml", "failover:\n  mode: automatic\n")
        try work.commit("base", author: "Alice <alice@example.com>", date: Self.fromNow(-30 * 86_400))
        try work.git(["remote", "add", "origin", server.url.absoluteString])
        try work.git(["push", "-q", "origin", "HEAD:refs/heads/main"])
        try Shell.check([Paths.changegate.path, "hook", "install", "--repo", server.path])

        // Push 1: two commits, manual then automatic again; the push changes no setting. (The
        // pusher dates the first commit three days back, as anyone can.)
        try work.write("db/prod/app.yaml", "failover:\n  mode: manual\n")
        try work.commit("try manual", author: "Frank <frank@example.com>", date: Self.fromNow(-3 * 86_400))
        try work.write("db/prod/app.yaml", "failover:\n  mode: automatic\n")
        try work.commit("back to automatic", author: "Frank <frank@example.com>", date: Self.fromNow(-60))
        let first = try Self.push(work, "HEAD:refs/heads/main")
        #expect(first.status == 0, "\(first.stderr)")

        // Push 2: manual again. "manual" stood only inside push 1, never at an accepted tip.
        try work.write("db/prod/app.yaml", "failover:\n  mode: manual\n")
        try work.commit("manual", author: "Frank <frank@example.com>", date: Self.fromNow(-30))
        let second = try Self.push(work, "HEAD:refs/heads/main")
        #expect(second.status != 0, "the poisoned revert was let through: \(second.stderr)")
        #expect(second.stderr.contains("needs 1 more reviewer from group dba"))
        #expect(!second.stderr.contains("restores an earlier value"))

        // `check --ref` reading the server's trail judges by the same accepted tips. Without the
        // trail it falls back on first-parent history at committer dates, which the pusher wrote
        // ("try manual" three days back, as if it had stood): "manual" is still no revert there,
        // because its run ended by a return to the known-good "automatic" — it was reverted away.
        let manual = try work.revParse("HEAD")
        let tip = try work.revParse("HEAD~1")
        func check(_ extra: [String]) throws -> Shell.Result {
            try Shell.run(
                [Paths.changegate.path, "check", "--repo", work.path, "--base", tip, "--head", manual, "--no-audit"]
                    + extra)
        }
        let withTrail = try check(["--ref", "refs/heads/main", "--audit", server.path + "/changegate/audit.sqlite"])
        #expect(withTrail.status == 1, "\(withTrail.stdout)")
        let fallback = try check([])
        #expect(fallback.status == 1, "\(fallback.stdout)")
    }

    /// A bare server with the policy on main (at `date`), judged by the library's hook with a
    /// clock the test sets; each accepted update is landed with `git update-ref`, as git would.
    struct Server {
        var work: GitFixture
        var server: GitFixture
        var trail: String

        init(initial: String) throws {
            server = try GitFixture(bare: true, label: "revert-server")
            work = try GitFixture(label: "revert-work")
            trail = server.path + "/changegate/audit.sqlite"
            try work.write("policies/gate.policy", RevertPoisoningTests.policy)
            try work.write("db/prod/patroni.yaml", initial)
            try work.commit("base", author: "Alice <alice@example.com>", date: "2024-04-01T12:00:00+00:00")
            try work.git(["remote", "add", "origin", server.url.absoluteString])
            try work.git(["push", "-q", "origin", "HEAD:refs/heads/main"])
        }

        func remove() {
            server.remove()
            work.remove()
        }

        /// Commits `ttl`, pushes the objects, and runs the hook on the update of main at `time`.
        mutating func push(ttl: Int, at time: Int, approvedBy approver: String? = nil) throws
            -> PreReceiveHook.Outcome
        {
            try work.write("db/prod/patroni.yaml", "bootstrap:\n  dcs:\n    ttl: \(ttl)\n")
            let commit = try work.commit("ttl \(ttl)", author: "Frank <frank@example.com>")
            let incoming = try? server.git(["rev-parse", "--verify", "-q", "refs/changegate-test/incoming"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try work.git(["push", "-q", "origin", "HEAD:refs/changegate-test/incoming"])
            let old = try server.git(["rev-parse", "refs/heads/main"]).trimmingCharacters(in: .whitespacesAndNewlines)
            let store = try SQLiteAuditStore(path: trail)
            // Who brought the commit, as post-receive records it for that push: without it no review counts.
            let arrived = PostReceiveHook(
                repository: try Repository(path: server.path),
                journal: AuditHookJournal(store: store, repository: try Repository(path: server.path).displayPath),
                actor: "frank@example.com", now: time - 120
            ).run([
                RefUpdate(
                    old: incoming.flatMap(ObjectID.init(hex:)), new: ObjectID(hex: commit),
                    ref: "refs/changegate-test/incoming")
            ])
            #expect(!arrived.failed, "\(arrived.message)")
            if let approver {
                try store.append([
                    AuditRecord.approval(
                        commit: commit, approver: approver, ref: "refs/changegate/approvals/heads/main/x",
                        time: time - 60,
                        repository: try Repository(path: server.path).displayPath)
                ])
            }
            let repository = try Repository(path: server.path)
            let hook = PreReceiveHook(
                repository: repository, configuration: HookConfiguration(),
                journal: AuditHookJournal(store: store, repository: repository.displayPath),
                actor: "frank@example.com", pushOptions: [], now: time,
                evidenceDirectory: server.path + "/changegate/evidence")
            let outcome = hook.run([
                RefUpdate(old: ObjectID(hex: old), new: ObjectID(hex: commit), ref: "refs/heads/main")
            ])
            // Landed as git would land it: the ref moves, then post-receive records that it did.
            if outcome.accepted {
                try server.git(["update-ref", "refs/heads/main", commit, old])
                let landed = PostReceiveHook(
                    repository: repository,
                    journal: AuditHookJournal(store: store, repository: repository.displayPath),
                    actor: "frank@example.com", now: time
                ).run([RefUpdate(old: ObjectID(hex: old), new: ObjectID(hex: commit), ref: "refs/heads/main")])
                #expect(!landed.failed, "\(landed.message)")
            }
            return outcome
        }
    }

    static let day = 86_400
    static let start = 1_717_200_000  // 2024-06-01

    @Test("the incident re-applied after its revert is no revert: the bad value stood two hours, not 24")
    func reapplyAfterRevert() throws {
        var s = try Server(initial: "bootstrap:\n  dcs:\n    ttl: 30\n")
        defer { s.remove() }
        // ttl 30 stands at an accepted tip for ten days.
        #expect(try s.push(ttl: 30, at: Self.start).accepted)
        // The bad change, reviewed, lands on day 10; the revert two hours later is a revert.
        #expect(try s.push(ttl: 15, at: Self.start + 10 * Self.day, approvedBy: "bob@example.com").accepted)
        let revert = try s.push(ttl: 30, at: Self.start + 10 * Self.day + 7_200)
        #expect(revert.accepted, "\(revert.message)")
        #expect(
            revert.message.contains("restores an earlier value") || revert.verdicts.first?.decision?.verdict == .allow)
        // Re-applying 15 an hour later: 15 stood two hours, so it is no known-good value.
        let again = try s.push(ttl: 15, at: Self.start + 10 * Self.day + 10_800)
        #expect(!again.accepted, "the bad value came back as a revert: \(again.message)")
        #expect(again.message.contains("needs 1 more reviewer from group dba"))
    }

    @Test("a value that stood for days and was then reverted away is not known good")
    func revertedAwayIsNotKnownGood() throws {
        var s = try Server(initial: "bootstrap:\n  dcs:\n    ttl: 30\n")
        defer { s.remove() }
        #expect(try s.push(ttl: 30, at: Self.start).accepted)
        #expect(try s.push(ttl: 15, at: Self.start + 10 * Self.day, approvedBy: "bob@example.com").accepted)
        // 15 stood two days, then was reverted to the known-good 30.
        let revert = try s.push(ttl: 30, at: Self.start + 12 * Self.day)
        #expect(revert.accepted, "\(revert.message)")
        let again = try s.push(ttl: 15, at: Self.start + 13 * Self.day)
        #expect(!again.accepted, "a value reverted away came back as a revert: \(again.message)")
    }

    @Test("a value a `deny` denies now is never a revert, even one that stood for weeks")
    func deniedNowIsNoRevert() throws {
        var repo = try GitFixture(label: "deny-now")
        defer { repo.remove() }
        try repo.write(
            "policies/gate.policy",
            """
            policy "deny-now"
            files "db/**/*.yaml"
            watch "failover.**" weight 20 tag failover
            deny "manual failover in production" when any change (new == "manual" and not reverts)
            """)
        try repo.write("db/prod/app.yaml", "failover:\n  mode: manual\n")
        try repo.commit("manual", date: "2024-04-01T12:00:00+00:00")
        try repo.write("db/prod/app.yaml", "failover:\n  mode: automatic\n")
        let base = try repo.commit("automatic", date: "2024-05-01T12:00:00+00:00")
        try repo.write("db/prod/app.yaml", "failover:\n  mode: manual\n")
        try repo.commit("manual again")
        let decision = Gate(repository: try Repository(path: repo.path)).decide(
            GateRequest(base: base, head: "HEAD", now: 1_717_509_300))
        #expect(decision.verdict == .deny, "a denied value passed as a revert")
    }

    /// Merges `branch` into the checked-out branch with a merge commit dated `date`.
    private static func merge(_ repo: GitFixture, _ branch: String, date: String) throws {
        try repo.git(
            ["merge", "-q", "--no-ff", "-m", "merge \(branch)", branch],
            environment: ["GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date])
    }

    @Test("check without a trail: merges are the tips; a value seen only inside a merged branch is no revert")
    func checkUsesMergeTips() throws {
        var repo = try GitFixture(label: "check-revert")
        defer { repo.remove() }
        try repo.write("policies/gate.policy", Self.policy)
        try repo.write("db/prod/app.yaml", "failover:\n  mode: automatic\n  timeout: 30\n")
        try repo.commit("base", date: "2024-04-01T12:00:00+00:00")
        let main = try repo.git(["branch", "--show-current"]).trimmingCharacters(in: .whitespacesAndNewlines)
        // Pull request 1, merged on April 2: timeout 30 stands at that merge for a month.
        try repo.git(["checkout", "-q", "-b", "pr1"])
        try repo.write("README.md", "docs\n")
        try repo.commit("docs", date: "2024-04-02T10:00:00+00:00")
        try repo.git(["checkout", "-q", main])
        try Self.merge(repo, "pr1", date: "2024-04-02T12:00:00+00:00")
        // Pull request 2: manual, then automatic again, with timeout 60; merged on May 1.
        try repo.git(["checkout", "-q", "-b", "pr2"])
        try repo.write("db/prod/app.yaml", "failover:\n  mode: manual\n  timeout: 60\n")
        try repo.commit("manual, 60", date: "2024-04-10T12:00:00+00:00")
        try repo.write("db/prod/app.yaml", "failover:\n  mode: automatic\n  timeout: 60\n")
        try repo.commit("automatic", date: "2024-04-30T12:00:00+00:00")
        try repo.git(["checkout", "-q", main])
        try Self.merge(repo, "pr2", date: "2024-05-01T12:00:00+00:00")
        let base = try repo.revParse("HEAD")
        func check(_ head: String) throws -> Shell.Result {
            try Shell.run([
                Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", head, "--no-audit",
                "--now", "2024-06-04T12:00:00Z",
            ])
        }
        // "manual" stood twenty days inside pull request 2, never at a merge.
        try repo.git(["checkout", "-q", "-b", "poison", base])
        try repo.write("db/prod/app.yaml", "failover:\n  mode: manual\n  timeout: 60\n")
        let poisoned = try repo.commit("manual again", author: "Frank <frank@example.com>")
        let denied = try check(poisoned)
        #expect(denied.status == 1, "a value seen only inside a merged branch counted as a revert: \(denied.stdout)")

        try repo.git(["checkout", "-q", "-b", "back", base])
        try repo.write("db/prod/app.yaml", "failover:\n  mode: automatic\n  timeout: 30\n")
        let back = try repo.commit("timeout back to 30", author: "Frank <frank@example.com>")
        let allowed = try check(back)
        #expect(allowed.status == 0, "30 stood a month at a merge: \(allowed.stdout)")
        #expect(allowed.stdout.contains("restores an earlier value"))
    }

    @Test("check without a trail: a fast-forwarded pull request's inner commits are no tips, honest dates or not")
    func checkFastForwardInnerCommits() throws {
        var repo = try GitFixture(label: "check-ff")
        defer { repo.remove() }
        try repo.write("policies/gate.policy", Self.policy)
        try repo.write("db/prod/patroni.yaml", "bootstrap:\n  dcs:\n    ttl: 40\n")
        try repo.commit("base", date: "2024-04-01T12:00:00+00:00")
        // One pull request, fast-forwarded: 40 → 30 (a month before) → 41; the review saw 40 → 41.
        try repo.write("db/prod/patroni.yaml", "bootstrap:\n  dcs:\n    ttl: 30\n")
        try repo.commit("ttl 30", author: "Frank <frank@example.com>", date: "2024-04-02T12:00:00+00:00")
        try repo.write("db/prod/patroni.yaml", "bootstrap:\n  dcs:\n    ttl: 41\n")
        let base = try repo.commit("ttl 41", author: "Frank <frank@example.com>", date: "2024-05-02T12:00:00+00:00")
        try repo.write("db/prod/patroni.yaml", "bootstrap:\n  dcs:\n    ttl: 30\n")
        let head = try repo.commit("ttl 30 again", author: "Frank <frank@example.com>")
        let result = try Shell.run([
            Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", head, "--no-audit",
            "--now", "2024-06-04T12:00:00Z",
        ])
        #expect(result.status == 1, "an unreviewed inner value came back as a revert: \(result.stdout)")
    }
}
