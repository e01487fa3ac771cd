import ChangeGate
import Foundation
import Testing

/// Issue 14, item 24: secret values never reach a report, an annotation, the audit trail or
/// history; their changes still count.
@Suite("Trust: secret values")
struct SecretTrustTests {
    static let policy = """
        policy "secrets"
        files "db/**/*.yaml"
        secret "**.conn_string"
        watch "**.password", "**.signing_key", "**.conn_string", "**.token" weight 20 tag creds
        """

    static let base = """
        bootstrap:
          users:
            admin:
              password: s3cr3t-old-pw
          dcs:
            ttl: 30
        api:
          signing_key: s3cr3t-old-key
        db:
          conn_string: postgres://u:s3cr3t-old-conn@db
        """

    static let head = """
        bootstrap:
          users:
            admin:
              password: s3cr3t-new-pw
          dcs:
            ttl: 20
        api:
          signing_key: s3cr3t-new-key
          token: s3cr3t-added-token
        db:
          conn_string: postgres://u:s3cr3t-new-conn@db
        """

    static func repository() throws -> (GitFixture, String) {
        var repo = try GitFixture(label: "secrets")
        try repo.write("policies/p.policy", Self.policy)
        try repo.write("db/prod/patroni.yaml", Self.base)
        let base = try repo.commit("base", author: "Alice <alice@example.com>")
        try repo.write("db/prod/patroni.yaml", Self.head)
        try repo.commit("rotate credentials", author: "Frank <frank@example.com>")
        return (repo, base)
    }

    static func changegate(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run([Paths.changegate.path] + arguments, environment: GitFixture.baseEnvironment)
    }

    @Test("24: no report, annotation, audit record, diff or history holds a secret value; each change still shows")
    func redacted() throws {
        let (repo, base) = try Self.repository()
        defer { repo.remove() }
        let trail = repo.url.appendingPathComponent("trail.sqlite").path
        var outputs: [(String, String)] = []
        for format in ["text", "json", "sarif", "junit", "github"] {
            let result = try Self.changegate([
                "check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--now", "2024-06-04T13:55:00Z",
                "--audit", trail, "--format", format,
            ])
            #expect(result.status == 0, "\(format): \(result.stdout)\(result.stderr)")
            outputs.append(("check \(format)", result.stdout + result.stderr))
        }
        for format in ["text", "json"] {
            let diff = try Self.changegate(["diff", "--repo", repo.path, "--format", format, base, "HEAD"])
            #expect(diff.status == 0)
            outputs.append(("diff \(format)", diff.stdout + diff.stderr))
        }
        for format in ["table", "json"] {
            let history = try Self.changegate([
                "history", "--repo", repo.path, "--setting", "**", "--format", format,
            ])
            #expect(history.status == 0, "\(history.stderr)")
            outputs.append(("history \(format)", history.stdout + history.stderr))
        }
        outputs.append(("audit show", try Self.changegate(["audit", "show", "--audit", trail, "1"]).stdout))
        outputs.append(
            ("audit export", try Self.changegate(["audit", "export", "--audit", trail, "--format", "json"]).stdout))
        let database = try Data(contentsOf: URL(fileURLWithPath: trail))
        outputs.append(("trail file", String(decoding: database, as: UTF8.self)))
        for (name, text) in outputs {
            #expect(!text.contains("s3cr3t"), "\(name) prints a secret value:\n\(text)")
        }

        // Every change is still there, its values redacted but different on each side.
        let json = try jsonObject(
            try Self.changegate(["diff", "--repo", repo.path, "--format", "json", base, "HEAD"]).stdout)
        let changes = try #require(json["changes"] as? [[String: Any]])
        let byKey = Dictionary(uniqueKeysWithValues: changes.map { ($0["key"] as! String, $0) })
        for key in ["bootstrap.users.admin.password", "api.signing_key", "db.conn_string"] {
            let change = try #require(byKey[key], "\(key) missing")
            #expect(change["kind"] as? String == "modified")
            let old = try #require(change["old"] as? String)
            let new = try #require(change["new"] as? String)
            #expect(old.hasPrefix("[redacted hmac-sha256:") && new.hasPrefix("[redacted hmac-sha256:"))
            #expect(old != new)
        }
        #expect(byKey["api.token"]?["kind"] as? String == "added")
        // Not secret: printed as it is.
        #expect(byKey["bootstrap.dcs.ttl"]?["new"] as? Int == 20)

        // The key lives in the repository's git directory, readable by its owner only.
        let keyFile = repo.url.appendingPathComponent(".git/changegate/redaction.key").path
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // The same value hashes alike from run to run: history can tell a rotation from no change.
        let again = try jsonObject(
            try Self.changegate(["diff", "--repo", repo.path, "--format", "json", base, "HEAD"]).stdout)
        let againChanges = try #require(again["changes"] as? [[String: Any]])
        let againNew = againChanges.first { $0["key"] as? String == "api.signing_key" }?["new"] as? String
        #expect(againNew == byKey["api.signing_key"]?["new"] as? String)
    }

    @Test("24: secret-looking key names by default; a `secret` line adds patterns")
    func defaults() throws {
        let redactor = SecretRedactor(patterns: ["**.conn_string"], key: Array(repeating: 7, count: 32))
        for key in [
            "a.password", "b.db_password", "PASSWORD", "x.secret", "x.client_secret", "x.token", "x.api_token",
            "x.signing_key", "x.api_key", "x.private_key", "x.passwd", "x.credentials", "db.conn_string",
            "x.auth_token", "x.secret_key",
        ] {
            #expect(redactor.isSecret(key), "\(key) should be secret")
        }
        for key in ["bootstrap.dcs.ttl", "failover.mode", "x.keys", "x.key", "x.tokens_per_second", "x.monkey"] {
            #expect(!redactor.isSecret(key), "\(key) should not be secret")
        }
        #expect(redactor.redact(.string("a")) != redactor.redact(.string("b")))
        #expect(redactor.redact(.string("a")) == redactor.redact(.string("a")))
        #expect(redactor.redact(.integer(1)) != redactor.redact(.string("1")))
    }
}
