import ChangeGate
import Crypto
import Foundation
import Testing

/// A change is bounded as a whole, not only file by file: what one decision reads from git, and
/// what its record adds to the audit trail.
@Suite("Robustness: the size of a change")
struct ChangeSizeRobustnessTests {
    static let policy = """
        policy "size"
        files "db/**/*.yaml"
        watch "**.failover.**" weight 20 tag failover
        """

    /// A YAML file of about `bytes` bytes that does not parse (its last line opens a flow list):
    /// a gate that read it would report it.
    static func largeBrokenYAML(_ bytes: Int, seed: Int) -> String {
        let line = "k\(seed): \(String(repeating: "v", count: 100))\n"
        return String(repeating: line, count: bytes / line.utf8.count) + "broken: [unclosed\n"
    }

    @Test("many large files, each under the per-file limit: refused before any is read, naming the files")
    func manyLargeFiles() throws {
        var repo = try GitFixture(label: "size-many")
        defer { repo.remove() }
        try repo.write("policies/size.policy", Self.policy)
        try repo.write("db/readme.yaml", "a: 1\n")
        let base = try repo.commit("base")
        // Ten files of 5 MiB: each under the 8 MiB limit, 50 MiB together.
        for index in 0..<10 {
            try repo.write("db/big-\(index).yaml", Self.largeBrokenYAML(5 << 20, seed: index))
        }
        try repo.commit("ten large files")
        let started = Date()
        let decision = Gate(repository: try Repository(path: repo.path)).decide(
            GateRequest(base: base, head: "HEAD", now: 1_717_509_300))
        #expect(decision.verdict == .error)
        #expect(decision.exitCode == 2)
        // One problem, the bound: none of the files' own parse errors, so none was parsed.
        #expect(decision.problems.count == 1, "\(decision.problems)")
        let problem = try #require(decision.problems.first).message
        #expect(decision.problems.first?.kind == .readBudget)
        #expect(problem.contains("over the bound of 33,554,432 bytes (32.0 MiB)"))
        #expect(problem.contains("db/big-0.yaml (head: 5.0 MiB)"))
        #expect(problem.contains("split it into pushes"))
        #expect(!problem.contains("unclosed") && !problem.contains("flow"))
        #expect(decision.changes.isEmpty)
        // Reading and parsing 50 MiB takes many seconds in a debug build; the headers take little.
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("a change of thousands of large settings gives a record under 1 MiB that says what it cut")
    func largeRecordIsBounded() throws {
        var repo = try GitFixture(label: "size-record")
        defer { repo.remove() }
        try repo.write("policies/size.policy", Self.policy)
        func config(_ value: String) -> String {
            var text = "failover:\n  enabled: \(value == "a" ? "true" : "false")\n"
            for index in 0..<3_000 {
                text += "s\(index): \(value)\(String(repeating: "x", count: 900))\n"
            }
            return text + "huge: \(value)\(String(repeating: "y", count: 300_000))\n"
        }
        try repo.write("db/prod/app.yaml", config("a"))
        let base = try repo.commit("base")
        try repo.write("db/prod/app.yaml", config("b"))
        try repo.commit("change every setting")
        let decision = Gate(repository: try Repository(path: repo.path)).decide(
            GateRequest(base: base, head: "HEAD", now: 1_717_509_300))
        #expect(decision.problems.isEmpty, "\(decision.problems)")
        #expect(decision.changes.count == 3_002)

        let record = AuditRecord(
            decision, time: 1_717_509_300, source: .ci, repository: "repo", ref: "refs/heads/main", actor: "ci",
            accepted: false)
        let body = try AuditEntry.canonicalBody(of: record)
        #expect(body.utf8.count <= 1 << 20, "the record's body is \(body.utf8.count) bytes")
        // It says so, and what it left out.
        #expect(body.contains("\"truncation\":{"))
        #expect(body.contains("\"truncated\":true"))
        #expect(body.contains("\"omittedChanges\":"))
        // The watched setting the decision turned on stays, whole.
        #expect(body.contains("\"key\":\"failover.enabled\""))
        #expect(body.contains("\"weight\":20"))
        // A value over the text bound is stored cut, with the digest of the whole JSON text.
        let whole = "\"b" + String(repeating: "y", count: 300_000) + "\""
        let digest = SHA256.hash(data: Array(whole.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(body.contains("\"newSHA256\":\"\(digest)\""))
        // `audit show` says the record is not whole, and what it does not hold.
        var stored = record
        stored.sequence = 1
        let shown = AuditRenderer.show(try AuditEntry(chaining: stored, after: AuditEntry.genesis), landing: nil)
        #expect(shown.contains("TRUNCATED to the record bound of 1048576 bytes; not stored:"))
        #expect(shown.contains("more changed settings (SHA-256 of them "))
    }

    @Test("a record with nothing to cut has none of the new fields: earlier records' bodies stay byte-identical")
    func smallRecordUnchanged() throws {
        var decision = GateDecision(verdict: .allow)
        decision.changes = [
            SettingChange(
                file: "db/x.yaml", key: "ttl", kind: .modified, old: .integer(30), new: .integer(60), baseLine: 1,
                headLine: 1)
        ]
        var record = AuditRecord(decision, time: 1, source: .ci, repository: "r", ref: nil, actor: nil, accepted: true)
        record.version = "0.1.0"
        let body = try AuditEntry.canonicalBody(of: record)
        #expect(record.truncation == nil)
        #expect(
            body
                == "{\"accepted\":true,\"changes\":[{\"file\":\"db/x.yaml\",\"key\":\"ttl\",\"kind\":\"modified\","
                + "\"new\":\"60\",\"old\":\"30\",\"tags\":[],\"weight\":0}],\"commits\":[],\"decision\":\"allow\","
                + "\"evidence\":[],\"overridden\":false,\"problems\":[],\"repository\":\"r\",\"risk\":0,"
                + "\"riskItems\":[],\"rules\":[],\"sequence\":0,\"source\":\"ci\",\"time\":1,\"version\":\"0.1.0\"}")
        // An earlier record's body decodes and encodes to the same bytes.
        let decoded = try JSONDecoder().decode(AuditRecord.self, from: Data(body.utf8))
        #expect(try AuditEntry.canonicalBody(of: decoded) == body)
    }

    @Test("a decision with huge values and thousands of changes, built directly, is bounded too")
    func directRecordIsBounded() throws {
        var decision = GateDecision(verdict: .deny)
        decision.changes = (0..<2_000).map { (index: Int) -> SettingChange in
            SettingChange(
                file: "db/x.yaml", key: "k\(index)", kind: .modified,
                old: .string(String(repeating: "o", count: 2_000)),
                new: .string(String(repeating: "\u{1}", count: 2_000)),
                baseLine: index, headLine: index)
        }
        decision.problems = Array(
            repeating: GateProblem(.repository, String(repeating: "p", count: 100_000)), count: 50)
        let record = AuditRecord(
            decision, time: 1, source: .hook, repository: "r", ref: nil, actor: nil, accepted: false)
        let body = try AuditEntry.canonicalBody(of: record)
        #expect(body.utf8.count <= 1 << 20, "the record's body is \(body.utf8.count) bytes")
        #expect(body.contains("\"truncation\":{"))
    }
}
