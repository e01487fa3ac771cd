import ChangeGate
import Foundation
import Testing

/// What the trail may call a tip that stood on a branch, and when a commit landed: the red-team
/// review of issue 14's defences found that pre-receive's `accepted` verdict is written before a
/// chained hook can still refuse the push, that an override's tip became "known good", and that
/// `history --since` read the time a commit first reached the server (a feature branch pushed days
/// ago) instead of when it landed. Each test failed before its fix.
@Suite("Security: tips that landed")
struct LandedTipsTests {
    static let repository = "/srv/git/config.git"

    private func decision(
        _ head: String, ref: String = "refs/heads/main", time: Int, overridden: Bool = false,
        commits: [String] = []
    ) -> AuditRecord {
        var record = AuditRecord(
            time: time, source: .hook, repository: Self.repository, ref: ref, head: head, actor: "frank@example.com",
            decision: "allow", accepted: true)
        record.overridden = overridden
        record.commits = commits.map {
            AuditRecord.Commit(
                id: $0, author: "frank@example.com", committer: "frank@example.com", time: 0, subject: "")
        }
        return record
    }

    private func push(_ head: String, ref: String = "refs/heads/main", time: Int, decision: String) -> AuditRecord {
        AuditRecord(
            time: time, source: .push, repository: Self.repository, ref: ref, head: head, actor: "frank@example.com",
            decision: decision, accepted: true)
    }

    private func store() throws -> (SQLiteAuditStore, URL) {
        let folder = try Paths.temporaryDirectory("landed")
        return (try SQLiteAuditStore(path: folder.appendingPathComponent("audit.sqlite").path), folder)
    }

    static let a = String(repeating: "a", count: 40)
    static let b = String(repeating: "b", count: 40)
    static let c = String(repeating: "c", count: 40)

    @Test("a tip counts only once post-receive saw it land, and never when an override let it through")
    func tipsNeedALandingAndNoOverride() throws {
        let (trail, folder) = try store()
        defer { try? FileManager.default.removeItem(at: folder) }
        try trail.append([
            decision(Self.a, time: 100),  // refused later by a chained hook: never landed
            decision(Self.b, time: 200), push(Self.b, time: 201, decision: AuditRecord.landedDecision),
            decision(Self.c, time: 300, overridden: true),
            push(Self.c, time: 301, decision: AuditRecord.landedDecision),
        ])
        let tips = try trail.acceptedTips(ref: "refs/heads/main", repository: Self.repository, since: 0)
        #expect(tips == [ObjectID(hex: Self.b)!: 201])
    }

    @Test("a push refused by a chained pre-receive hook leaves no tip in the trail")
    func chainedHookRefusal() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        // The site's own pre-receive hook, chained after ChangeGate's, refuses every push.
        let chained = s.server.url.appendingPathComponent("hooks/pre-receive.changegate-chained")
        try Data("#!/bin/sh\ncat >/dev/null\nexit 1\n".utf8).write(to: chained)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: chained.path)
        try s.work.write("README.md", "docs\n")
        try s.work.commit("docs", author: "Frank <frank@example.com>")
        let pushed = try s.push(["HEAD:refs/heads/main"])
        #expect(pushed.status != 0)
        let trail = try SQLiteAuditStore(path: s.server.path + "/changegate/audit.sqlite")
        let repository = try Repository(path: s.server.path).displayPath
        #expect(try trail.acceptedTips(ref: "refs/heads/main", repository: repository, since: 0).isEmpty)
    }

    @Test("a commit pushed to a feature branch days ago counts from when it landed on a judged ref")
    func receivedMeansLanded() throws {
        let (trail, folder) = try store()
        defer { try? FileManager.default.removeItem(at: folder) }
        try trail.append([
            push(Self.a, ref: "refs/heads/feature", time: 100, decision: "received"),
            push(Self.c, ref: "refs/heads/feature", time: 150, decision: "received"),
            decision(Self.a, time: 500, commits: [Self.a]),
            push(Self.a, time: 501, decision: AuditRecord.landedDecision),
        ])
        let times = try trail.receivedTimes(repository: nil, since: nil)
        #expect(times[ObjectID(hex: Self.a)!] == 501)
        #expect(times[ObjectID(hex: Self.c)!] == 150)  // never landed: its arrival
    }

    @Test("check on a shared trail must name its repository: a sandbox's tips of main are not this main's")
    func sharedTrailNeedsItsRepository() throws {
        var repo = try GitFixture(label: "shared-trail")
        defer { repo.remove() }
        try repo.write("policies/gate.policy", RevertPoisoningTests.policy)
        try repo.write("db/prod/patroni.yaml", "bootstrap:\n  dcs:\n    ttl: 30\n")
        let base = try repo.commit("base")
        try repo.write("db/prod/patroni.yaml", "bootstrap:\n  dcs:\n    ttl: 31\n")
        try repo.commit("ttl 31", author: "Frank <frank@example.com>")
        let (trail, folder) = try store()
        defer { try? FileManager.default.removeItem(at: folder) }
        let recently = Int(Date().timeIntervalSince1970) - 3_600
        var sandbox = decision(base, time: recently)
        sandbox.repository = "/srv/git/sandbox.git"
        try trail.append([decision(base, time: recently), sandbox])
        let path = folder.appendingPathComponent("audit.sqlite").path
        func check(_ extra: [String]) throws -> Shell.Result {
            try Shell.run(
                [
                    Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--no-audit",
                    "--ref", "refs/heads/main", "--audit", path,
                ] + extra)
        }
        let ambiguous = try check([])
        #expect(ambiguous.status == 2, "\(ambiguous.stdout)")
        #expect(ambiguous.stdout.contains("from several repositories"))
        let named = try check(["--audit-repository", Self.repository])
        #expect(named.status == 1, "\(named.stdout)")  // judged: ttl 31 needs a DBA
        #expect(named.stdout.contains("needs 1 more reviewer from group dba"))
    }
}
