import ChangeGate
import Crypto
import Foundation
import Testing

@testable import PolicyDSL

/// Red-team finding: the record bound (``AuditRecord/maxBodyBytes``) kept the rules whole, and a
/// pusher writes rule text (the `Reviewed-by:` trailers of their own commits are listed as
/// not-counted reviewers in the rule's reason and missing lines; an override reason is copied into
/// every overridden rule). A record of 30 MB was stored, and the watched change it turned on was
/// dropped. Every decision here, however hostile, gives a record within the bound that keeps it.
@Suite("Robustness: the record bound holds against hostile rule and problem texts")
struct RecordBoundRobustnessTests {
    static let range = SourceRange(start: SourceLocation(path: "p.policy", line: 1, column: 1, offset: 0), length: 1)

    /// A decision that turned on one watched change of `ttl` (weight 25, tag failover), with `rules`.
    static func decision(
        rules: [RuleVerdict], file: String = "db/prod/patroni.yaml", others: Int = 0, problems: [String] = [],
        othersFile: String? = nil
    ) -> GateDecision {
        var decision = GateDecision(verdict: .deny)
        decision.changes = [
            SettingChange(
                file: file, key: "ttl", kind: .modified, old: .integer(30), new: .integer(10), baseLine: 3, headLine: 3)
        ]
        for index in 0..<others {
            decision.changes.append(
                SettingChange(
                    file: othersFile ?? file, key: "other\(index)", kind: .modified,
                    old: .string(String(repeating: "o", count: 900)),
                    new: .string(String(repeating: "n", count: 900)), baseLine: index, headLine: index))
        }
        decision.evaluation = Evaluation(
            outcome: .deny, risk: 25, riskItems: [RiskItem(points: 25, reason: "watched ttl", file: file, key: "ttl")],
            verdicts: rules, watched: [WatchedChange(file: file, key: "ttl", weight: 25, tags: ["failover"])])
        decision.problems = problems.map { GateProblem(.repository, $0) }
        return decision
    }

    static func rule(_ name: String, reason: String, missing: [String], overridden: Bool = false) -> RuleVerdict {
        RuleVerdict(
            kind: .require, name: name, applies: true, satisfied: overridden, overridden: overridden, reason: reason,
            missing: missing.map(Shortfall.brokenPolicy), range: range)
    }

    /// The canonical body of `decision`'s record, checked against the bound and for the ttl change.
    @discardableResult
    static func boundedBody(_ decision: GateDecision, _ label: String) throws -> String {
        let record = AuditRecord(
            decision, time: 1_717_509_300, source: .hook, repository: "repo", ref: "refs/heads/main",
            actor: "frank@example.com", accepted: false)
        let body = try AuditEntry.canonicalBody(of: record)
        #expect(body.utf8.count <= AuditRecord.maxBodyBytes, "\(label): the record's body is \(body.utf8.count) bytes")
        #expect(record.changes.contains { $0.key == "ttl" && $0.weight == 25 }, "\(label): the ttl change was dropped")
        #expect(record.truncation != nil, "\(label): the record does not say it was cut")
        // It decodes, and encodes to the same bytes (the hash chain depends on it).
        let decoded = try JSONDecoder().decode(AuditRecord.self, from: Data(body.utf8))
        #expect(try AuditEntry.canonicalBody(of: decoded) == body, "\(label)")
        return body
    }

    static func digest(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test("huge rule reasons and names")
    func hugeRuleReasons() throws {
        let reason = "not met: " + String(repeating: "r", count: 15_000_000)
        let rules = (0..<3).map { Self.rule(String(repeating: "n\($0)", count: 200_000), reason: reason, missing: []) }
        let body = try Self.boundedBody(Self.decision(rules: rules), "huge reasons")
        #expect(body.contains("\"reasonSHA256\":\"\(Self.digest(reason))\""))
        #expect(body.contains("\"nameSHA256\":\"\(Self.digest(String(repeating: "n0", count: 200_000)))\""))
    }

    @Test("60,000 missing lines in one rule, and a huge one")
    func manyMissingEntries() throws {
        let missing =
            [String(repeating: "m", count: 5_000_000)]
            + (0..<60_000).map { "r\($0)@\(String(repeating: "x", count: 200)).example does not count" }
        let body = try Self.boundedBody(
            Self.decision(rules: [Self.rule("review", reason: "not met", missing: missing)]), "60k missing")
        // Read as JSON, not through the record's type, so that the test runs on code without the fields.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let rule = try #require((object["rules"] as? [[String: Any]])?.first)
        let stored = try #require(rule["missing"] as? [String])
        #expect(stored.count <= 20)
        #expect(rule["omittedMissing"] as? Int == missing.count - stored.count)
        #expect(rule["missingSHA256"] is String)
        #expect((object["truncation"] as? [String: Any])?["omittedMissing"] as? Int == missing.count - stored.count)
    }

    @Test("a 64 KiB override reason copied into hundreds of overridden rules")
    func overrideReasonTimesManyRules() throws {
        let reason = String(repeating: "o", count: 64 << 10)
        let rules = (0..<400).map {
            Self.rule(
                "rule \($0)", reason: "OVERRIDDEN by frank@example.com (group dba): \(reason)", missing: [],
                overridden: true)
        }
        var decision = Self.decision(rules: rules)
        decision.override = OverrideRequest(actor: "frank@example.com", reason: reason)
        try Self.boundedBody(decision, "override × rules")
    }

    @Test("huge problems beside huge rules, and thousands of other changes")
    func hugeProblemsAndRules() throws {
        let rules = (0..<50).map {
            Self.rule("r\($0)", reason: String(repeating: "x", count: 100_000), missing: ["a", "b"])
        }
        try Self.boundedBody(
            Self.decision(
                rules: rules, others: 5_000,
                problems: Array(repeating: String(repeating: "p", count: 100_000), count: 500)),
            "problems + rules + changes")
    }

    @Test("a huge file path is cut with a digest: decisions differing past the cut store different records")
    func hugeFilePaths() throws {
        let stem = "db/" + String(repeating: "d", count: 200_000)
        let others = stem + "/others.yaml"
        let one = try Self.boundedBody(
            Self.decision(rules: [], file: stem + "/a.yaml", others: 2_000, othersFile: others), "file a")
        let two = try Self.boundedBody(
            Self.decision(rules: [], file: stem + "/b.yaml", others: 2_000, othersFile: others), "file b")
        #expect(one != two, "two decisions differing only past the cut stored identical records")
        #expect(one.contains("\"fileSHA256\":\"\(Self.digest(stem + "/a.yaml"))\""))
        // The risk line's file is cut with its digest too: the change's and the risk line's.
        #expect(one.components(separatedBy: "\"fileSHA256\":\"\(Self.digest(stem + "/a.yaml"))\"").count == 3)
    }

    @Test("a cut risk-line key has a digest")
    func hugeRiskKey() throws {
        let key = String(repeating: "k", count: 5_000)
        var decision = Self.decision(rules: [])
        decision.evaluation?.riskItems.append(RiskItem(points: 5, reason: "long", file: "db/x.yaml", key: key))
        let record = AuditRecord(
            decision, time: 1, source: .ci, repository: "r", ref: nil, actor: nil, accepted: false)
        let body = try AuditEntry.canonicalBody(of: record)
        #expect(body.contains("\"keySHA256\":\"\(Self.digest(key))\""))
        #expect(record.riskItems.last?.key?.hasSuffix("…") == true)
    }

    static let policy = """
        policy "record-bound"
        files "db/**/*.yaml"
        watch "ttl" weight 25 tag failover
        require "review" when any change (tags has "failover") {
          reviewers >= 1
        }
        """

    @Test("end to end: thousands of Reviewed-by trailers give a stored record under 1 MiB that keeps the ttl change")
    func reviewedByTrailersEndToEnd() throws {
        var repo = try GitFixture(label: "record-bound")
        defer { repo.remove() }
        try repo.write("policies/gate.policy", Self.policy)
        try repo.write("db/prod/patroni.yaml", "ttl: 30\n")
        try repo.commit("base")
        try repo.write("db/prod/patroni.yaml", "ttl: 10\n")
        let padding = String(repeating: "x", count: 300)
        let trailers = (0..<4_000).map { String(format: "Reviewed-by: r%06d@%@.example", $0, padding) }
        try repo.commit("ttl 10\n\n" + trailers.joined(separator: "\n") + "\n", author: "Frank <frank@example.com>")
        let folder = try Paths.temporaryDirectory("record-bound-trail")
        defer { try? FileManager.default.removeItem(at: folder) }
        let trail = folder.appendingPathComponent("T.sqlite").path
        let result = try Shell.run([
            Paths.changegate.path, "check", "--repo", repo.path, "--base", "HEAD~1", "--head", "HEAD", "--ref",
            "refs/heads/main", "--audit", trail,
        ])
        #expect(result.status == 1, "\(result.stderr)\(result.stdout.prefix(2_000))")
        // The rule's sentence names the first ten reviewers that do not count, and counts the rest.
        let sentence = try #require(result.stdout.split(separator: "\n").first { $0.contains("needs 1 more reviewer") })
        #expect(sentence.utf8.count < 10_000, "the rule's sentence is \(sentence.utf8.count) bytes")
        #expect(sentence.hasSuffix("; and 3990 more that do not count)"), "\(sentence.suffix(200))")
        let entries = try SQLiteAuditStore(path: trail).entries(matching: AuditQuery())
        let entry = try #require(entries.last)
        #expect(entry.body.utf8.count <= AuditRecord.maxBodyBytes, "the stored body is \(entry.body.utf8.count) bytes")
        #expect(entry.record.changes.contains { $0.key == "ttl" && $0.weight == 25 })
        #expect(entry.record.rules.contains { $0.name == "review" && !$0.satisfied })
        #expect(entry.body.contains("\"reasonSHA256\":"), "the rule's reason is stored whole")
    }
}
