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

/// Item 17: what `audit verify` can prove alone, and approvals from a trail that does not verify.
@Suite("Trust: audit verify")
struct AuditVerifyTrustTests {
    /// Rewrites the whole trail with a forged approval by bob for `commit` as record 2, renumbering
    /// and re-hashing every record after it: what someone with write access to the file can do.
    static let rehashWithForgedApproval = """
        import hashlib, json, sqlite3, sys
        c = sqlite3.connect(sys.argv[1]); commit = sys.argv[2]
        rows = c.execute('SELECT body FROM records ORDER BY sequence').fetchall()
        bodies = [json.loads(r[0]) for r in rows]
        forged = dict(bodies[0], source='approval', decision='approved', actor='bob@example.com', head=commit,
                      base=None, commits=[], changes=[], risk=0, riskItems=[], rules=[], evidence=[], problems=[])
        forged.pop('base')
        bodies.insert(1, forged)
        changes = c.execute('SELECT sequence, file, key, tags FROM record_changes').fetchall()
        c.execute('DELETE FROM records'); c.execute('DELETE FROM record_changes')
        previous = '0' * 64
        for index, body in enumerate(bodies, start=1):
            old = body['sequence']; body['sequence'] = index
            text = json.dumps(body, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
            digest = hashlib.sha256((previous + '\\n' + text).encode()).hexdigest()
            people = ',' + ','.join(dict.fromkeys(p.lower() for x in body['commits'] for p in (x['author'], x['committer']))) + ','
            c.execute('INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)', (index, body['time'], body['source'],
                      body['repository'], body.get('ref'), body.get('head'), body.get('actor'), people, body['decision'],
                      body['risk'], text, previous, digest))
            if body['source'] != 'approval':
                for (s, f, k, t) in changes:
                    if s == old: c.execute('INSERT INTO record_changes VALUES (?,?,?,?)', (index, f, k, t))
            previous = digest
        c.commit()
        """

    /// A repository with three recorded checks, and the trail's head after them (the witness).
    static func trail(label: String) throws -> (TrustRepository, String, String) {
        let path = "db/prod/patroni.yaml"
        var trust = try TrustRepository(label: label, files: [path: "ttl: 30\n"])
        try trust.change([path: "ttl: 10\n"])
        let trail = trust.repo.url.appendingPathComponent("trail.sqlite").path
        for _ in 0..<3 { _ = try trust.check(["--audit", trail]) }
        let head = try trust.changegate(["audit", "head", "--audit", trail]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return (trust, trail, head)
    }

    /// verify alone passes each of these, so its output must say what it did not prove; the witness
    /// catches each.
    @Test(
        "17: a cut tail, a re-hashed forged approval and a recreated trail: verify says what it cannot prove; --expect catches each",
        arguments: ["cut", "rehash", "recreate"])
    func limits(tampering: String) throws {
        let (trust, trail, witness) = try Self.trail(label: "verify-\(tampering)")
        defer { trust.remove() }
        switch tampering {
        case "cut":
            try AuditTrustTests.sql(
                trail, "DELETE FROM records WHERE sequence = 3; DELETE FROM record_changes WHERE sequence = 3;")
        case "rehash":
            try Shell.check(["python3", "-c", Self.rehashWithForgedApproval, trail, try trust.repo.revParse("HEAD")])
        default:
            try FileManager.default.removeItem(atPath: trail)
            try? FileManager.default.removeItem(atPath: trail + "-wal")
            try? FileManager.default.removeItem(atPath: trail + "-shm")
        }
        // Whoever can do this can also remove the trail's local witness (AuditFailClosedTests shows
        // it catching each while it is there); only a head kept elsewhere is out of their reach.
        try FileManager.default.removeItem(atPath: trail + ".head")
        if tampering == "recreate" { _ = try trust.check(["--audit", trail]) }
        let alone = try trust.changegate(["audit", "verify", "--audit", trail])
        #expect(alone.status == 0, "\(alone.stdout)\(alone.stderr)")
        #expect(alone.stdout.hasPrefix("ok: "), "\(alone.stdout)")
        #expect(alone.stdout.contains("records, each chained to the one before"), "\(alone.stdout)")
        #expect(alone.stdout.contains("not proven without a witness"), "\(alone.stdout)")
        #expect(alone.stdout.contains("--expect"), "\(alone.stdout)")
        #expect(!alone.stdout.contains("the chain is whole"), "\(alone.stdout)")

        let witnessed = try trust.changegate(["audit", "verify", "--audit", trail, "--expect", witness])
        #expect(witnessed.status == 1, "\(witnessed.stdout)")
        #expect(witnessed.stdout.hasPrefix("TAMPERED: record "), "\(witnessed.stdout)")
    }

    @Test("17: with a witness that matches, verify says up to where the trail is proven")
    func witnessMatches() throws {
        let (trust, trail, witness) = try Self.trail(label: "verify-ok")
        defer { trust.remove() }
        let result = try trust.changegate(["audit", "verify", "--audit", trail, "--expect", witness])
        #expect(result.status == 0)
        #expect(result.stdout.contains("matches the witness \(witness)"), "\(result.stdout)")
    }

    static let hookPolicy = """
        policy "approvals"
        files "db/**/*.yaml"
        group dba = ["alice@example.com", "bob@example.com"]
        watch "**.ttl" weight 20 tag failover
        require "failover changes reviewed" when any change (tags has "failover") {
          reviewers >= 1 from dba
        }
        """

    @Test("17: the hook does not count approvals from a trail that does not verify (an approval's approver edited)")
    func editedApproval() throws {
        let server = try GitFixture(bare: true, label: "server")
        var work = try GitFixture(label: "work")
        defer {
            server.remove()
            work.remove()
        }
        try work.write("policies/p.policy", Self.hookPolicy)
        try work.write("db/prod/patroni.yaml", "ttl: 30\n")
        try work.commit("base", author: "Alice <alice@example.com>")
        try work.git(["remote", "add", "origin", server.url.absoluteString])
        try work.git(["push", "-q", "origin", "HEAD:refs/heads/main"])
        try Shell.check([Paths.changegate.path, "hook", "install", "--repo", server.path])
        func push(_ refspec: String, as user: String) throws -> Shell.Result {
            var environment = GitFixture.baseEnvironment
            environment["CHANGEGATE_USER"] = user
            return try Shell.run(
                ["git", "-C", work.path, "push", "--porcelain", "origin", refspec], environment: environment)
        }
        try work.write("db/prod/patroni.yaml", "ttl: 10\n")
        try work.commit("lower the ttl", author: "Frank <frank@example.com>")
        // erin is no DBA: her approval is recorded and does not count.
        #expect(try push("HEAD:refs/changegate/approvals/erin", as: "erin@example.com").status == 0)
        #expect(try push("HEAD:refs/heads/main", as: "frank@example.com").status != 0)

        // Someone with write access to the trail makes erin's approval bob's, body and column.
        let trail = server.url.appendingPathComponent("changegate/audit.sqlite").path
        try AuditTrustTests.sql(
            trail,
            """
            UPDATE records SET actor = 'bob@example.com', body = replace(body, '"actor":"erin@example.com"',
              '"actor":"bob@example.com"') WHERE source = 'approval';
            """)
        let verify = try Shell.run([Paths.changegate.path, "audit", "verify", "--audit", trail])
        #expect(verify.status == 1)

        let pushed = try push("HEAD:refs/heads/main", as: "frank@example.com")
        #expect(pushed.status != 0, "\(pushed.stderr)")
        #expect(pushed.stderr.contains("does not verify"), "\(pushed.stderr)")
        #expect(pushed.stderr.contains("changegate audit verify"), "\(pushed.stderr)")
    }
}
