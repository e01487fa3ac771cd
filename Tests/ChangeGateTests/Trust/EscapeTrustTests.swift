import ChangeGate
import Foundation
import Testing

/// Issue 14, item 20: text a pusher controls reaches the auditor's and the pusher's terminals only
/// escaped; JSON keeps it exact.
@Suite("Trust: terminal escapes")
struct EscapeTrustTests {
    /// A clear-screen, a window-title rewrite, DEL, a C1 CSI and a right-to-left override.
    static let hostile = "\u{1B}[2J\u{1B}]0;pwned\u{07}x\u{7F}\u{9B}31m\u{202E}lanimret"

    /// What a terminal acts on: C0 but newline, DEL, C1, bidi controls.
    static func rawControls(_ text: String) -> [String] {
        text.unicodeScalars.filter { s in
            (s.value < 0x20 && s.value != 0x0A) || s.value == 0x7F || (0x80..<0xA0).contains(s.value)
                || (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value)
        }.map { String(format: "U+%04X", $0.value) }
    }

    @Test("TerminalText escapes C0, DEL, C1 and bidi controls visibly, and leaves other text alone")
    func escaping() {
        #expect(TerminalText.escape("plain ✓ → ∅ é") == "plain ✓ → ∅ é")
        #expect(TerminalText.escape("a\nb\tc\u{1B}[2J") == "a\\nb\\tc\\x1B[2J")
        #expect(
            TerminalText.escape("\u{7F}\u{9B}\u{202E}\u{2066}\u{200F}") == "\\x7F\\u{009B}\\u{202E}\\u{2066}\\u{200F}")
        #expect(Self.rawControls(TerminalText.escape(Self.hostile)).isEmpty)
        #expect(TerminalText.escapeLines("one\u{1B}\ntwo") == "one\\x1B\ntwo")
    }

    @Test(
        "20: check, audit show/log and history print a hostile subject, author, path, override reason and value escaped; JSON stays exact"
    )
    func reports() throws {
        let path = "db/prod/evil\u{1B}[2J.yaml"
        var trust = try TrustRepository(label: "escape", files: [path: "ttl: 30\nmode: automatic\n"])
        defer { trust.remove() }
        try trust.repo.write(path, "ttl: 10\nmode: \"\\u202Emanual\\u009B\"\n")
        try trust.repo.commit("lower ttl \(Self.hostile)", author: "Evil\u{1B}[8m <frank@example.com>")
        let trail = trust.repo.url.appendingPathComponent("trail.sqlite").path
        let check = try trust.check([
            "--audit", trail, "--actor", "frank@example.com", "--override", "INC-1 \(Self.hostile)",
        ])
        #expect(check.status == 1)
        #expect(check.stdout.contains("lower ttl") || check.stdout.contains("evil"), "\(check.stdout)")
        #expect(Self.rawControls(check.stdout).isEmpty, "check: \(Self.rawControls(check.stdout))")
        #expect(check.stdout.contains("\\x1B[2J"), "\(check.stdout)")

        let diff = try trust.diff()
        #expect(Self.rawControls(diff.stdout).isEmpty, "diff: \(Self.rawControls(diff.stdout))")

        let show = try trust.changegate(["audit", "show", "--audit", trail, "1"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("INC-1 \\x1B[2J"), "\(show.stdout)")
        #expect(Self.rawControls(show.stdout).isEmpty, "show: \(Self.rawControls(show.stdout))")
        let log = try trust.changegate(["audit", "log", "--audit", trail])
        #expect(Self.rawControls(log.stdout).isEmpty, "log: \(Self.rawControls(log.stdout))")

        let history = try trust.changegate(["history", "--repo", trust.repo.path, "--setting", "**"])
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("ttl"), "\(history.stdout)")
        #expect(Self.rawControls(history.stdout).isEmpty, "history: \(Self.rawControls(history.stdout))")

        // JSON keeps the text exact.
        let json = try trust.changegate(["audit", "show", "--audit", trail, "1", "--format", "json"])
        let record = try jsonObject(json.stdout)
        #expect((record["override"] as? [String: Any])?["reason"] as? String == "INC-1 \(Self.hostile)")
        let commits = try #require(record["commits"] as? [[String: Any]])
        #expect(commits.first?["subject"] as? String == "lower ttl \(Self.hostile)")
    }

    @Test("20: the hook's messages to the pusher escape a hostile commit subject and ref")
    func hookMessages() throws {
        let server = try GitFixture(bare: true, label: "server")
        var work = try GitFixture(label: "work")
        defer {
            server.remove()
            work.remove()
        }
        try work.write("policies/p.policy", AuditVerifyTrustTests.hookPolicy)
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
        try work.commit("lower ttl \(Self.hostile)", author: "Frank <frank@example.com>")
        let approval = try push("HEAD:refs/changegate/approvals/erin", as: "erin\u{1B}[2J@example.com")
        #expect(approval.stderr.contains("approval"), "\(approval.stderr)")
        #expect(Self.rawControls(approval.stderr).isEmpty, "approval: \(Self.rawControls(approval.stderr))")
        let refused = try push("HEAD:refs/heads/main", as: "frank@example.com")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("REFUSED") || refused.stderr.contains("DENIED"), "\(refused.stderr)")
        #expect(Self.rawControls(refused.stderr).isEmpty, "push: \(Self.rawControls(refused.stderr))")
    }
}
