import ChangeGate
import Foundation
import Testing

/// Issue 14, attack 13: `history --since` bounded committer dates, which the pusher writes. A
/// change pushed just now with a committer date three days back was missing from the responder's
/// `history --since 6h`. With the server's trail, windows bound the time the server received the
/// commit, the listing flags the claimed date, and `--evaluate` judges at the received time.
@Suite("Security: history by the time the server received a commit")
struct HistoryReceivedTimeTests {
    @Test("a backdated commit pushed now is in `history --since 6h`, flagged, and judged at the time received")
    func backdatedCommitIsListed() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        try s.work.write("db/prod/app.yaml", "failover:\n  enabled: true\n  mode: manual\n")
        let threeDaysAgo = ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: -3 * 86_400))
        let commit = try s.work.commit(
            "quietly manual", author: "Frank <frank@example.com>", date: threeDaysAgo)
        // Landed by an override (so the push goes through); its date claims three days ago.
        let pushed = try s.push(
            ["HEAD:refs/heads/main"], as: "dave@example.com", options: ["changegate.override=INC-7: test"])
        #expect(pushed.status == 0, "\(pushed.stderr)")
        let trail = s.server.path + "/changegate/audit.sqlite"

        let json = try Shell.run([
            Paths.changegate.path, "history", "--repo", s.server.path, "--ref", "main", "--since", "6h",
            "--audit", trail, "--format", "json", "--evaluate",
        ])
        #expect(json.status == 0, "\(json.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let commits = try #require(document["commits"] as? [[String: Any]])
        let listed = try #require(
            commits.first { $0["id"] as? String == commit }, "the backdated commit is missing: \(json.stdout)")
        let off = try #require(listed["committerDateOff"] as? Int)
        #expect(off < -2 * 86_400 && off > -4 * 86_400)
        #expect(listed["received"] is String)

        let table = try Shell.run([
            Paths.changegate.path, "history", "--repo", s.server.path, "--ref", "main", "--since", "6h",
            "--audit", trail,
        ])
        #expect(table.stdout.contains("before the server received it"), "\(table.stdout)")

        // Without the trail, only the committer's claim is known, and the commit falls outside.
        let claimed = try Shell.run([
            Paths.changegate.path, "history", "--repo", s.work.path, "--since", "6h", "--format", "json",
        ])
        let claimedDocument = try #require(
            try JSONSerialization.jsonObject(with: Data(claimed.stdout.utf8)) as? [String: Any])
        let claimedIDs = (claimedDocument["commits"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(!claimedIDs.contains(commit))
    }
}
