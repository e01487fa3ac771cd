import ChangeGate
import Foundation
import Testing

/// `changegate check` records every decision by default, says so when told not to, and denies when
/// it cannot record.
@Suite("Audit trail: check records its decisions")
struct AuditRecordingTests {
    @Test(
        "check writes to GIT_DIR/changegate/audit.sqlite, --no-audit does not and says so, an unwritable trail denies")
    func checkRecords() throws {
        var repo = try GitFixture(label: "audit-check")
        defer { repo.remove() }
        try repo.write(
            "policies/p.policy",
            "policy \"p\"\nfiles \"db/**/*.yaml\"\nwatch \"**.ttl\" weight 30 tag failover\ndeny \"risky\" when risk >= 30\n"
        )
        try repo.write("db/a.yaml", "ttl: 30\n")
        let base = try repo.commit("base", author: "Alice <alice@example.com>")
        try repo.write("db/a.yaml", "ttl: 10\n")
        let head = try repo.commit("ttl 10", author: "Frank <frank@example.com>")
        func check(_ extra: [String], environment: [String: String] = [:]) throws -> Shell.Result {
            try Shell.run(
                [
                    Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", head, "--actor",
                    "ci-bot",
                ]
                    + extra, environment: environment)
        }
        let denied = try check(["--ref", "refs/heads/main"])
        #expect(denied.status == 1)
        let trail = try SQLiteAuditStore(path: repo.url.appendingPathComponent(".git/changegate/audit.sqlite").path)
        let record = try #require(try trail.entries(matching: AuditQuery()).first?.record)
        #expect(record.source == .ci && record.decision == "deny" && !record.accepted)
        #expect(
            record.head == head && record.base == base && record.actor == "ci-bot" && record.ref == "refs/heads/main")
        #expect(record.changes.map(\.key) == ["ttl"] && record.changes.first?.tags == ["failover"])
        #expect(record.rules.first { $0.name == "risky" }?.satisfied == false)
        #expect(record.policy?.sha256?.count == 64)
        #expect(record.commits.map(\.author) == ["frank@example.com"])

        let dry = try check(["--no-audit"])
        #expect(dry.status == 1)
        #expect(dry.stderr.contains("--no-audit: this decision is not recorded"))
        #expect(try trail.head()?.sequence == 1)

        let elsewhere = try Paths.temporaryDirectory("audit-env")
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        _ = try check([], environment: ["CHANGEGATE_AUDIT": elsewhere.appendingPathComponent("t.sqlite").path])
        #expect(try SQLiteAuditStore(path: elsewhere.appendingPathComponent("t.sqlite").path).head()?.sequence == 1)

        // A file where the trail's folder should be: the decision cannot be kept, so it is an error.
        try Data("x".utf8).write(to: elsewhere.appendingPathComponent("blocked"))
        let unrecorded = try check(["--audit", elsewhere.appendingPathComponent("blocked/t.sqlite").path])
        #expect(unrecorded.status == 2)
        #expect(unrecorded.stdout.contains("cannot record the decision in the audit trail"))
    }
}
