import ChangeGate
import Foundation
import Testing

/// Issue 14, items 14 and 17: what the audit trail's records and `audit verify` claim, replayed with
/// real git, the real `changegate` and a trail edited as someone with write access to it would.
@Suite("Trust: audit trail")
struct AuditTrustTests {
    /// Runs python3's sqlite3 on the trail: the tampering an attacker with file access does.
    static func sql(_ trail: String, _ statements: String) throws {
        let script = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()"
        try Shell.check(["python3", "-c", script, trail, statements])
    }

    @Test("14: check --now cannot backdate a record: the record carries the wall clock, --now is evaluatedAt")
    func backdating() throws {
        let path = "db/prod/patroni.yaml"
        var trust = try TrustRepository(label: "backdate", files: [path: "ttl: 30\n"])
        defer { trust.remove() }
        try trust.change([path: "ttl: 10\n"])
        let trail = trust.repo.url.appendingPathComponent("trail.sqlite").path
        let before = Int(Date().timeIntervalSince1970)
        let check = try trust.changegate([
            "check", "--repo", trust.repo.path, "--base", trust.base, "--head", "HEAD", "--now",
            "2020-01-01T00:00:00Z", "--audit", trail,
        ])
        #expect(check.status == 1, "\(check.stdout)")
        let after = Int(Date().timeIntervalSince1970)

        // The responder's query for the last day finds the decision just made.
        let log = try trust.changegate(["audit", "log", "--audit", trail, "--since", "1d", "--format", "json"])
        #expect(log.status == 0)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])
        #expect(records.count == 1)
        let time = try #require(records.first?["time"] as? Int)
        #expect(time >= before && time <= after + 1)
        #expect(records.first?["evaluatedAt"] as? Int == 1_577_836_800)

        let show = try trust.changegate(["audit", "show", "--audit", trail, "1"])
        #expect(show.stdout.contains("evaluated as of 2020-01-01T00:00:00Z"), "\(show.stdout)")
        #expect(try trust.changegate(["audit", "verify", "--audit", trail]).status == 0)
    }

    /// A record written before `evaluatedAt` existed, exactly as that version stored it.
    static let oldBody =
        #"{"accepted":true,"actor":"ci@example.com","base":"3453de9f4d2c850233113f2de55d8f025bfd87d5","changes":[{"file":"db/a.yaml","key":"ttl","kind":"modified","new":"10","old":"30","tags":["failover"],"weight":20}],"commits":[{"author":"a@example.com","committer":"a@example.com","id":"c4db3ecfc283313dbc2d1d45dd775c11f2152fee","subject":"lower ttl","time":1796120307}],"decision":"allow","evidence":[],"head":"c4db3ecfc283313dbc2d1d45dd775c11f2152fee","overridden":false,"policy":{"name":"p","sha256":"169e56e2d0783898b39062dc598659ffdf596a145f441c0da62351078806f0d5","source":"3453de9:policies/"},"problems":[],"repository":"/tmp/io/old/r","risk":20,"riskItems":[{"file":"db/a.yaml","key":"ttl","points":20,"reason":"watched setting"}],"rules":[],"sequence":1,"source":"ci","time":1717509300,"version":"0.1.0"}"#
    static let oldHash = "3b478f2db1f049deffa786ce3eb34597bd4274249e93e88a9c53a7db87397076"

    @Test("14: a trail written before evaluatedAt still verifies, reads back and takes new records")
    func oldTrail() throws {
        let directory = try Paths.temporaryDirectory("old-trail")
        defer { try? FileManager.default.removeItem(at: directory) }
        let trail = directory.appendingPathComponent("audit.sqlite").path
        _ = try SQLiteAuditStore(path: trail)
        let body = Self.oldBody.replacingOccurrences(of: "'", with: "''")
        try Self.sql(
            trail,
            """
            INSERT INTO records VALUES (1, 1717509300, 'ci', '/tmp/io/old/r', NULL,
              'c4db3ecfc283313dbc2d1d45dd775c11f2152fee', 'ci@example.com', ',a@example.com,', 'allow', 20,
              '\(body)', '\(AuditEntry.genesis)', '\(Self.oldHash)');
            INSERT INTO record_changes VALUES (1, 'db/a.yaml', 'ttl', ',failover,');
            """)
        let store = try SQLiteAuditStore(path: trail)
        #expect(try store.verify().isIntact)
        let old = try #require(try store.entry(sequence: 1))
        #expect(old.record.evaluatedAt == nil)
        #expect(try AuditEntry.canonicalBody(of: old.record) == Self.oldBody)
        var record = AuditRecord(time: 1_717_509_400, source: .ci, repository: "r", decision: "allow", accepted: true)
        record.evaluatedAt = 1_577_836_800
        try store.append([record])
        #expect(try store.verify().isIntact)
        let show = try Shell.run([Paths.changegate.path, "audit", "show", "--audit", trail, "1"])
        #expect(show.status == 0)
        #expect(!show.stdout.contains("evaluated as of"))
    }
}
