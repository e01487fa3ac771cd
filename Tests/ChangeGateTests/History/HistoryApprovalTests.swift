import ChangeGate
import Foundation
import Testing

/// The incident view names who approved each listed commit when the repository has an audit trail.
@Suite("History: approvals from the audit trail")
struct HistoryApprovalTests {
    @Test("a listed commit shows its pushed approval and a reviewer a recorded decision counted, once each")
    func approvalsShown() throws {
        var repo = try GitFixture(label: "history-approvals")
        defer { repo.remove() }
        try repo.write(
            "policies/p.policy", "policy \"p\"\nfiles \"db/**/*.yaml\"\nwatch \"**.ttl\" weight 30 tag failover\n")
        try repo.write("db/a.yaml", "ttl: 30\n")
        try repo.commit("base", author: "Alice <alice@example.com>")
        try repo.write("db/a.yaml", "ttl: 10\n")
        let change = try repo.commit("ttl 10", author: "Frank <frank@example.com>")
        let trailPath = repo.url.appendingPathComponent(".git/changegate/audit.sqlite").path
        let trail = try SQLiteAuditStore(path: trailPath)
        var decision = AuditRecord(
            time: 100, source: .hook, repository: repo.path, ref: "refs/heads/main", head: change,
            actor: "frank@example.com",
            decision: "allow", accepted: true)
        decision.evidence = [
            AuditRecord.Evidence(
                kind: "reviewer", subject: "bob@example.com", status: nil, source: "approval pushed", counted: true,
                reason: nil),
            AuditRecord.Evidence(
                kind: "reviewer", subject: "carol@example.com", status: nil, source: "evidence file", counted: true,
                reason: nil),
            AuditRecord.Evidence(
                kind: "reviewer", subject: "frank@example.com", status: nil, source: "trailer", counted: false,
                reason: "an author"),
        ]
        try trail.append([
            AuditRecord.approval(
                commit: change, approver: "bob@example.com", ref: "refs/changegate/approvals/b", time: 90,
                repository: repo.path),
            decision,
        ])

        let listed = try Shell.run([
            Paths.changegate.path, "history", "--repo", repo.path, "--setting", "**", "--format", "json",
        ])
        #expect(listed.status == 0, "\(listed.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
        let commits = try #require(document["commits"] as? [[String: Any]])
        let approvals = try #require(
            commits.first { ($0["id"] as? String) == change }?["approvals"] as? [[String: Any]])
        #expect(approvals.map { $0["approver"] as? String } == ["bob@example.com", "carol@example.com"])
        #expect(approvals.map { $0["auditRecord"] as? Int } == [1, 2])

        let table = try Shell.run([Paths.changegate.path, "history", "--repo", repo.path, "--setting", "**"])
        #expect(table.stdout.contains("✓ approved by bob@example.com"))
        // The base commit has none; no trail at all is fine too.
        #expect(commits.first { ($0["id"] as? String) != change }?["approvals"] == nil)
        try FileManager.default.removeItem(atPath: trailPath)
        #expect(try Shell.run([Paths.changegate.path, "history", "--repo", repo.path, "--setting", "**"]).status == 0)
    }
}
