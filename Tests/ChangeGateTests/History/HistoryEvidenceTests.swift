import ChangeGate
import Foundation
import Testing

/// `history --evaluate` re-judges a commit with the evidence the server had (issue 16, item 11):
/// the reviewers and tests of the trail's record of the decision on it, and says which.
@Suite("History: --evaluate with the trail's evidence")
struct HistoryEvidenceTests {
    @Test("a commit pushed with an approval and a simulation result re-judges as allowed, from the trail's record")
    func approvedPush() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        let change = try HookPushTests.changeMode(&s.work, to: "manual")
        // As docs/hook.md has it: the author puts the commit on the server, a DBA approves it, CI
        // leaves the simulation's result, and the push to main goes through.
        #expect(try s.push(["HEAD:refs/heads/frank/failover"]).status == 0)
        #expect(try s.push(["HEAD:refs/changegate/approvals/bob"], as: "bob@example.com").status == 0)
        let evidence = s.server.url.appendingPathComponent("changegate/evidence/\(change)")
        try FileManager.default.createDirectory(at: evidence, withIntermediateDirectories: true)
        try Data(
            "<testsuite name=\"ci\"><testcase classname=\"failover\" name=\"failover-simulation\"/></testsuite>".utf8
        ).write(to: evidence.appendingPathComponent("junit.xml"))
        let landed = try s.push(["HEAD:refs/heads/main"])
        #expect(landed.status == 0, "\(landed.stderr)")

        let trail = try SQLiteAuditStore(
            path: s.server.url.appendingPathComponent("changegate/audit.sqlite").path, access: .readOnly)
        var query = HookPushTests.decisions
        query.head = change
        let record = try #require(try trail.entries(matching: query).first { $0.record.accepted }?.record)
        #expect(record.decision == "allow")

        // On the server, with its trail at the default place.
        let json = try Shell.run(
            [Paths.changegate.path, "history", "--repo", s.server.path, "--evaluate", "--format", "json"],
            environment: GitFixture.baseEnvironment)
        #expect(json.status == 0, "\(json.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let commit = try #require(
            (document["commits"] as? [[String: Any]])?.first { $0["id"] as? String == change })
        let decision = try #require(commit["decision"] as? [String: Any])
        #expect(decision["verdict"] as? String == record.decision)
        let used = try #require(decision["evidence"] as? [String: Any])
        #expect(used["auditRecord"] as? Int == record.sequence)
        let description = try #require(used["description"] as? String)
        #expect(description.hasPrefix("evidence from the trail record #\(record.sequence)"))
        #expect(description.contains("reviewer bob@example.com"))
        #expect(description.contains("test failover-simulation passed"))
        #expect(
            (commit["approvals"] as? [[String: Any]])?.contains { $0["approver"] as? String == "bob@example.com" }
                == true)

        // The table no longer prints a denial above the approval that lifted it.
        let table = try Shell.run(
            [Paths.changegate.path, "history", "--repo", s.server.path, "--evaluate"],
            environment: GitFixture.baseEnvironment)
        #expect(table.status == 0, "\(table.stderr)")
        let short = String(change.prefix(7))
        let block = try #require(table.stdout.components(separatedBy: "\n\n").first { $0.contains("  \(short)  ") })
        #expect(block.contains("  → allowed"))
        #expect(!block.contains("DENIED"), "\(block)")
        #expect(block.contains("    evidence from the trail record #\(record.sequence): reviewer bob@example.com"))
        #expect(block.contains("✓ approved by bob@example.com"))
        // The base commit reached the server before the hook: the trail has no decision on it.
        #expect(table.stdout.contains("    no evidence: the audit trail holds no decision on "))

        // A clone without a trail says it judged without evidence, and why.
        let clone = try Shell.run(
            [Paths.changegate.path, "history", "--repo", s.work.path, "--evaluate"],
            environment: GitFixture.baseEnvironment)
        #expect(clone.status == 0, "\(clone.stderr)")
        #expect(clone.stdout.contains("    no evidence: no audit trail was read (name one with --audit)"))
        #expect(clone.stdout.contains("needs 1 more reviewer"))
    }
}
