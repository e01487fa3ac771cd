import ChangeGate
import Foundation
import Testing

/// The trail never claims a ref moved when it did not (issue 15, item 6): pre-receive records its
/// verdict before git moves the ref, so a chained hook refusing afterwards left a record saying
/// `accepted: true` for a push that was refused. The hook's record now says it awaits landing, and
/// only post-receive's `landed` record says the ref moved.
@Suite("changegate hook: what the hook decided, and what landed")
struct HookLandingTests {
    private func trail(_ s: HookPushTests.Setup) throws -> SQLiteAuditStore {
        try SQLiteAuditStore(path: s.server.url.appendingPathComponent("changegate/audit.sqlite").path)
    }

    private func audit(_ s: HookPushTests.Setup, _ arguments: [String]) throws -> String {
        try Shell.check(
            [Paths.changegate.path, "audit"] + arguments
                + ["--audit", s.server.url.appendingPathComponent("changegate/audit.sqlite").path])
    }

    @Test(
        "a push ChangeGate allowed but a chained hook refused is shown NOT LANDED; pushed again, only the second landed"
    )
    func chainedRefusalIsNotLanded() throws {
        // The site's own pre-receive, chained after ChangeGate, refuses while its flag file exists.
        let flag = try Paths.temporaryDirectory("landing-flag").appendingPathComponent("refuse")
        defer { try? FileManager.default.removeItem(at: flag.deletingLastPathComponent()) }
        var s = try HookPushTests.makeSetup(hooks: [
            "pre-receive":
                "#!/bin/sh\ncat >/dev/null\nif [ -e '\(flag.path)' ]; then echo 'site hook: frozen' >&2; exit 1; fi\nexit 0\n"
        ])
        defer { s.remove() }
        try Data().write(to: flag)
        try s.work.write("README.md", "docs only\n")
        let docs = try s.work.commit("docs", author: "Frank <frank@example.com>")

        let refused = try s.push(["HEAD:refs/heads/main"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("site hook: frozen"))
        #expect(s.serverRef("refs/heads/main") != docs)
        let store = try trail(s)
        let first = try #require(try store.entries(matching: HookPushTests.decisions).first)
        // The record is the hook's verdict, and says that it is.
        #expect(first.record.head == docs && first.record.accepted && first.record.awaitsLanding == true)
        #expect(try store.landings(of: [first]).isEmpty)
        #expect(try audit(s, ["log"]).contains("allow NOT LANDED"))
        #expect(try audit(s, ["show", String(first.record.sequence)]).contains("Landed: NOT LANDED"))
        // Not a tip that ever stood on main, so `reverts` may never restore it.
        #expect(try store.acceptedTips(ref: "refs/heads/main", repository: nil, since: 0)[ObjectID(hex: docs)!] == nil)

        try FileManager.default.removeItem(at: flag)
        let landed = try s.push(["HEAD:refs/heads/main"])
        #expect(landed.status == 0, "\(landed.stderr)")
        #expect(s.serverRef("refs/heads/main") == docs)
        let decisions = try store.entries(matching: HookPushTests.decisions)
        let second = try #require(decisions.first)
        #expect(second.record.sequence > first.record.sequence)
        let landings = try store.landings(of: decisions)
        // The landing belongs to the decision that landed, not to the earlier refused one of the same commit.
        #expect(landings[first.record.sequence] == nil)
        let landing = try #require(landings[second.record.sequence])
        #expect(try store.entry(sequence: landing)?.record.decision == AuditRecord.landedDecision)
        #expect(try audit(s, ["show", String(second.record.sequence)]).contains("Landed: yes, record \(landing)"))
        #expect(try audit(s, ["show", String(first.record.sequence)]).contains("Landed: NOT LANDED"))
        #expect(try store.acceptedTips(ref: "refs/heads/main", repository: nil, since: 0)[ObjectID(hex: docs)!] != nil)
    }

    @Test("a deletion that landed has its landed record too")
    func deletionLands() throws {
        let s = try HookPushTests.makeSetup(install: ["--protect", "refs/heads/main", "--protect", "refs/heads/prod*"])
        defer { s.remove() }
        #expect(try s.push(["HEAD:refs/heads/scratch"]).status == 0)
        // Unprotected: no decision, but post-receive says the deletion landed.
        #expect(try s.push([":refs/heads/scratch"]).status == 0)
        var query = AuditQuery()
        query.source = .push
        let landed = try trail(s).entries(matching: query).filter { $0.record.decision == AuditRecord.landedDecision }
        #expect(
            landed.contains { $0.record.ref == "refs/heads/scratch" && $0.record.head == nil && $0.record.base != nil })
    }
}
