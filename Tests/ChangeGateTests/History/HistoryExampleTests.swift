import ChangeGate
import Foundation
import Testing

/// `changegate history` on the example repository that replays the 2024-06-04 outage: the incident
/// view finds the bad commit first, and the replayed policy denies it.
@Suite("history on the incident repository", .enabled(if: ExampleRepository.available))
struct HistoryExampleTests {
    static let failoverKeys: Set<String> = [
        "bootstrap.dcs.ttl", "failover.members[name=db-2].priority", "failover.mode", "failover.promotion_timeout",
        "database.failover.secondary.max_retries", "database.failover.secondary.retry_interval_ms",
    ]

    @Test("--since 6h --tag failover at 14:05 lists the incident commit's failover changes first")
    func incidentView() throws {
        let example = try ExampleRepository()
        defer { example.remove() }
        let words = HistoryQuery.Words(since: "6h", tags: ["failover"], now: "2024-06-04T14:05:00Z")
        let json = try HistoryRun.run(repository: example.path, words, format: .json)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let commits = try #require(document["commits"] as? [[String: Any]])
        let first = try #require(commits.first)
        #expect(first["id"] as? String == example.badCommit)
        #expect(first["author"] as? String == "frank@example.com")
        #expect(first["time"] as? String == "2024-06-04T13:55:00Z")
        let changes = try #require(first["changes"] as? [[String: Any]])
        #expect(Set(changes.compactMap { $0["key"] as? String }) == Self.failoverKeys)
        #expect(changes.allSatisfy { ($0["tags"] as? [String])?.contains("failover") == true })
        #expect(first["weight"] as? Int == 140)
        // The revert at 16:00 is after --now: the responder at 14:05 could not have seen it.
        #expect(!commits.contains { $0["id"] as? String == example.revertCommit })
        let range = try #require(document["range"] as? [String: Any])
        #expect(range["since"] as? String == "2024-06-04T08:05:00Z")
        #expect(range["until"] as? String == "2024-06-04T14:05:00Z")
        #expect(range["order"] as? String == "highest risk first")

        let table = try HistoryRun.run(repository: example.path, words)
        let lines = table.output.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "6 failover-setting changes in 1 commit on HEAD since 2024-06-04T08:05:00Z until 2024-06-04T14:05:00Z, highest risk first"
        )
        let rows = lines.filter { $0.hasPrefix("2024-") }
        #expect(rows.count == 6)
        #expect(
            rows.allSatisfy { $0.hasPrefix("2024-06-04T13:55:00Z  \(example.badCommit.prefix(7))  frank@example.com") })
        #expect(
            rows.contains {
                $0.contains("failover.mode") && $0.contains("\"automatic\" → \"manual\"") && $0.contains("+35")
            })
        #expect(table.warnings.isEmpty)
    }

    @Test("a wider window ranks commits by their summed weights, ties newest first")
    func ranking() throws {
        let example = try ExampleRepository()
        defer { example.remove() }
        // Three weeks back from 14:05: the staging ttl (25) and synchronous_mode (10 + 10) changes too.
        let threeWeeks = try HistoryRun.run(
            repository: example.path, .init(since: "3w", tags: ["failover"], now: "2024-06-04T14:05:00Z"),
            format: .json)
        let commits = try #require(
            (try JSONSerialization.jsonObject(with: Data(threeWeeks.output.utf8)) as? [String: Any])?["commits"]
                as? [[String: Any]])
        #expect(commits.map { $0["weight"] as? Int } == [140, 25, 20])
        #expect(commits.first?["id"] as? String == example.badCommit)
        #expect(commits.map { $0["subject"] as? String }.last == "staging: try synchronous_mode")

        // Until 17:00 the revert is in: same keys, same weights, newer, so first.
        let withRevert = try HistoryRun.run(
            repository: example.path,
            .init(since: "2024-06-04", until: "2024-06-04T17:00:00Z", tags: ["failover"], now: "2024-06-04T14:05:00Z"),
            format: .ndjson)
        let rows = try withRevert.ndjson()
        #expect(rows.count == 12)
        #expect(rows.prefix(6).allSatisfy { $0["commit"] as? String == example.revertCommit })
        #expect(rows.suffix(6).allSatisfy { $0["commit"] as? String == example.badCommit })
    }

    @Test("--evaluate marks the incident commit denied and names the missing DBA reviewer; the revert is allowed")
    func evaluate() throws {
        let example = try ExampleRepository()
        defer { example.remove() }
        let words = HistoryQuery.Words(
            since: "6h", until: "2024-06-04T17:00:00Z", tags: ["failover"], evaluate: true, now: "2024-06-04T14:05:00Z")
        let table = try HistoryRun.run(repository: example.path, words)
        let lines = table.output.split(separator: "\n").map(String.init)
        let denied = try #require(lines.first { $0.hasPrefix("  → DENIED") })
        #expect(denied.contains("DBA review and failover simulation"))
        #expect(denied.contains("needs 1 more reviewer from group dba"))
        // The decision line sits under the bad commit's rows.
        let index = try #require(lines.firstIndex(of: denied))
        #expect(lines[index - 1].contains(example.badCommit.prefix(7)))
        #expect(lines.contains("  → allowed (risk 20)"))

        let json = try HistoryRun.run(repository: example.path, words, format: .json)
        let commits = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])?["commits"]
                as? [[String: Any]])
        let bad = try #require(commits.first { $0["id"] as? String == example.badCommit })
        let decision = try #require(bad["decision"] as? [String: Any])
        #expect(decision["verdict"] as? String == "deny")
        let failing = try #require(decision["failing"] as? [[String: Any]])
        #expect(failing.first?["name"] as? String == "DBA review and failover simulation")
        #expect(
            (failing.first?["reasons"] as? [String])?.contains { $0.hasPrefix("needs 1 more reviewer from group dba") }
                == true)
        let revert = try #require(commits.first { $0["id"] as? String == example.revertCommit })
        #expect((revert["decision"] as? [String: Any])?["verdict"] as? String == "allow")
    }

    @Test("the plain history lists newest first and passes over the merge")
    func newestFirst() throws {
        let example = try ExampleRepository()
        defer { example.remove() }
        let run = try HistoryRun.run(repository: example.path, .init(), format: .ndjson)
        let rows = try run.ndjson()
        let times = rows.compactMap { $0["time"] as? String }
        #expect(times == times.sorted(by: >))
        #expect(rows.first?["commit"] as? String == example.revertCommit)
        #expect(run.summary.mergesSkipped == 1)
        // The merge's one watched change (staging synchronous_mode) is listed at the branch's commit.
        let synchronous = rows.filter { ($0["key"] as? String)?.hasPrefix("bootstrap.dcs.synchronous_mode") == true }
        #expect(Set(synchronous.compactMap { $0["subject"] as? String }) == ["staging: try synchronous_mode"])
    }
}
