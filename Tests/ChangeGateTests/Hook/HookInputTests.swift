import ChangeGate
import Foundation
import Testing

/// Hook input git itself would never write fails closed (issue 15, item 10): before, a fourth
/// field or a NUL in the ref name made an unprotected ref that passed unjudged, and the installed
/// script's `$(cat)` dropped NUL bytes before ChangeGate saw them.
@Suite("changegate hook input (malformed lines fail closed)")
struct HookInputTests {
    typealias Setup = HookPushTests.Setup

    /// Feeds `input` to `changegate hook pre-receive` (or the installed script) as git would run it.
    private func feed(_ s: Setup, _ input: [UInt8], script: Bool = false, temporary: URL? = nil) throws
        -> Shell.Result
    {
        var environment = GitFixture.baseEnvironment
        if let temporary { environment["TMPDIR"] = temporary.path }
        environment["GIT_DIR"] = s.server.path
        environment["CHANGEGATE_USER"] = "frank@example.com"
        let command =
            script
            ? [s.server.url.appendingPathComponent("hooks/pre-receive").path]
            : [Paths.changegate.path, "hook", "pre-receive"]
        return try Shell.run(command, in: s.server.url, environment: environment, input: Data(input))
    }

    private func line(_ old: String, _ new: String, _ ref: [UInt8]) -> [UInt8] {
        Array("\(old) \(new) ".utf8) + ref + [UInt8(ascii: "\n")]
    }

    @Test(
        "a fourth field, a NUL, a control character or bytes that are not UTF-8 in the ref, or a ref git refuses: refused, naming the line"
    )
    func malformedLinesAreRefused() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        let base = try #require(s.serverRef("refs/heads/main"))
        let change = try HookPushTests.changeMode(&s.work, to: "manual")
        // The change is on the server (as after a push to a side branch), so only the ref name decides.
        try s.work.git(["push", "-q", "origin", "HEAD:refs/heads/frank/side"])
        let main = Array("refs/heads/main".utf8)
        let cases: [(String, [UInt8])] = [
            ("a fourth field", line(base, change, main + Array(" extra".utf8))),
            ("a NUL in the ref", line(base, change, main + [0] + Array("x".utf8))),
            ("an escape in the ref", line(base, change, main + [0x1B])),
            ("bytes that are not UTF-8", line(base, change, main + [0xC3, 0x28])),
            ("a ref outside refs/", line(base, change, Array("heads/main".utf8))),
            ("a ref ending in .lock", line(base, change, main + Array(".lock".utf8))),
            ("a second line that is empty", line(base, base, main) + [UInt8(ascii: "\n")] + line(base, change, main)),
            ("a short id", line(String(base.prefix(39)), change, main)),
        ]
        for (what, input) in cases {
            let result = try feed(s, input)
            #expect(result.status == 1, "\(what): \(result.stderr)")
            #expect(result.stderr.contains("of the hook's input is not"), "\(what): \(result.stderr)")
            #expect(result.stderr.contains("no ref moved"), "\(what)")
        }
        // Nothing was judged, so nothing was recorded.
        let trail = try SQLiteAuditStore(path: s.server.url.appendingPathComponent("changegate/audit.sqlite").path)
        #expect(try trail.entries(matching: HookPushTests.decisions).isEmpty)
        // A well-formed line with the same ids is judged as before: refused on its merits.
        let judged = try feed(s, line(base, change, main))
        #expect(judged.status == 1)
        #expect(judged.stderr.contains("needs 1 more reviewer from group dba"), "\(judged.stderr)")
    }

    @Test("the installed script hands ChangeGate the input byte for byte (a NUL is not dropped on the way)")
    func scriptKeepsInputBytes() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        let base = try #require(s.serverRef("refs/heads/main"))
        let change = try HookPushTests.changeMode(&s.work, to: "manual")
        try s.work.git(["push", "-q", "origin", "HEAD:refs/heads/frank/side"])
        // `$(cat)` turned `refs/heads/main<NUL>x` into the unprotected `refs/heads/mainx`.
        let temporary = try Paths.temporaryDirectory("hook-tmp")
        defer { try? FileManager.default.removeItem(at: temporary) }
        let result = try feed(
            s, line(base, change, Array("refs/heads/main".utf8) + [0, UInt8(ascii: "x")]), script: true,
            temporary: temporary)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("control character"), "\(result.stderr)")
        // The kept input is gone once read: no pushed ref names are left in TMPDIR.
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty)
        // And a real push still goes through the script as before.
        let pushed = try s.push(["HEAD:refs/heads/main"])
        #expect(pushed.status != 0)
        #expect(pushed.stderr.contains("needs 1 more reviewer from group dba"))
    }

    @Test("RefName agrees with git check-ref-format")
    func refNames() throws {
        let names = [
            "refs/heads/main", "refs/heads/release/1.2", "refs/tags/v1.0", "refs/heads/ünïcode", "refs/heads/a@b",
            "refs/heads/a b", "refs/heads/a..b", "refs/heads/a~1", "refs/heads/a^", "refs/heads/a:b", "refs/heads/a?",
            "refs/heads/a*", "refs/heads/a[", "refs/heads/a\\b", "refs/heads/a@{1}", "refs/heads/a/", "refs/heads/a.",
            "refs/heads/.a", "refs/heads/a.lock", "refs/heads/a.lock/b", "refs/heads/a\u{7F}", "refs/heads/a\tb",
            "refs/heads/@", "refs/x", "refs/heads/-a",
        ]
        // git is the oracle (`refs/heads//a` it would normalize, and `main` it would reject; not asked).
        for name in names {
            let git = try Shell.run(["git", "check-ref-format", name]).status == 0
            #expect((RefName.problem(name) == nil) == git, "\(name): git says \(git ? "valid" : "invalid")")
        }
        for good in [
            "refs/heads/main", "refs/heads/release/1.2", "refs/tags/v1.0", "refs/heads/ünïcode", "refs/heads/a@b",
        ] {
            #expect(RefName.problem(good) == nil, "\(good)")
        }
        for bad in [
            "refs/heads/a b", "refs/heads/a..b", "refs/heads/a~1", "refs/heads/a^", "refs/heads/a:b", "refs/heads/a?",
            "refs/heads/a*", "refs/heads/a[", "refs/heads/a\\b", "refs/heads/a@{1}", "refs/heads//a", "refs/heads/a/",
            "refs/heads/a.", "refs/heads/.a", "refs/heads/a.lock", "refs/heads/a\u{7F}", "refs/heads/\u{0}", "main",
        ] {
            #expect(RefName.problem(bad) != nil, "\(bad)")
        }
    }
}
