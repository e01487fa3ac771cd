import ChangeGate
import Foundation
import PolicyDSL
import Testing

/// A settings diff remembers which keys are secret (issue 19: worked out once per key). The memory
/// must never outlive the patterns it was worked out with: a key a `secret` line names after a first
/// diff is redacted in the next one, not printed because an earlier answer said "not secret".
@Suite("secret keys remembered by a settings diff")
struct SecretCacheTests {
    @Test("secret patterns set after a first diff redact the same key in the next")
    func patternsChangedAfterFirstDiff() throws {
        var repo = try GitFixture(label: "secret-cache")
        defer { repo.remove() }
        try repo.write("db/a.yaml", "database:\n  dsn: postgres://app:first-value@db/app\n")
        let base = try repo.commit("base")
        try repo.write("db/a.yaml", "database:\n  dsn: postgres://app:second-value@db/app\n")
        try repo.commit("rotate")
        let repository = try Repository(path: repo.path)
        let head = try repository.resolveCommit("HEAD")
        var differ = RepositorySettingsDiff(repository: repository)
        differ.environment["CHANGEGATE_REDACTION_KEY"] = repo.url.appendingPathComponent("key").path
        // `dsn` looks like no secret: without a pattern, its values show.
        let plain = try differ.diff(from: ObjectID(hex: base), to: head)
        #expect(plain.changes.first?.new == .string("postgres://app:second-value@db/app"))
        differ.secretPatterns = [try #require(KeyPathPattern("**.dsn"))]
        let redacted = try differ.diff(from: ObjectID(hex: base), to: head)
        let change = try #require(redacted.changes.first)
        #expect(change.key == "database.dsn")
        for value in [change.old, change.new] {
            guard case .string(let text)? = value else {
                Issue.record("\(String(describing: value)) is not a redacted string")
                continue
            }
            #expect(text.hasPrefix("[redacted hmac-sha256:"), "\(text)")
        }
    }
}
