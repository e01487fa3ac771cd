import ChangeGate
import Foundation
import Testing

/// The red-team review's ways past the hook (issue 14), each replayed with real `git push`es into a
/// bare repository with `changegate hook install`ed, as ``HookPushTests`` does. docs/security.md
/// names each test.
@Suite("changegate hook trust (real pushes)")
struct HookTrustTests {
    typealias Setup = HookPushTests.Setup

    private func setup(install: [String] = [], hooks: [String: String] = [:]) throws -> Setup {
        try HookPushTests.makeSetup(install: install, hooks: hooks)
    }

    private func changeMode(
        _ work: inout GitFixture, to mode: String, author: String = "Frank <frank@example.com>"
    ) throws -> String {
        try HookPushTests.changeMode(&work, to: mode, author: author)
    }

    /// CI's passing failover simulation for `commit`, where the hook looks for it.
    private func passSimulation(_ server: GitFixture, _ commit: String) throws {
        let evidence = server.url.appendingPathComponent("changegate/evidence/\(commit)")
        try FileManager.default.createDirectory(at: evidence, withIntermediateDirectories: true)
        try Data(
            """
            <testsuite name="ci"><testcase classname="failover" name="failover-simulation"/></testsuite>
            """.utf8
        ).write(to: evidence.appendingPathComponent("junit.xml"))
    }

    private func trail(_ s: Setup) throws -> SQLiteAuditStore {
        try SQLiteAuditStore(path: s.server.url.appendingPathComponent("changegate/audit.sqlite").path)
    }

    private func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    // MARK: - 3. A new protected ref at an old commit

    @Test("a new protected ref at an old commit of main is judged against main's tip, scored like a force push")
    func newRefAtOldCommit() throws {
        var s = try setup()
        defer { s.remove() }
        let incident = try changeMode(&s.work, to: "manual")
        let fixed = try changeMode(&s.work, to: "automatic")
        #expect(try s.push(["HEAD:refs/heads/frank/work"]).status == 0)  // unprotected: passes untouched
        // main moved on past the incident and its fix (landed by an admin here, reviewed in real life).
        try s.server.git(["update-ref", "refs/heads/main", fixed])

        let attack = try s.push(["\(incident):refs/heads/prod-eu"])
        #expect(attack.status != 0)
        #expect(attack.stderr.contains("refs/heads/prod-eu"))
        #expect(attack.stderr.contains("needs 1 more reviewer from group dba"))
        #expect(attack.stderr.contains("behind the default branch"))
        #expect(s.serverRef("refs/heads/prod-eu") == nil)
        let record = try #require(try trail(s).entries(matching: HookPushTests.decisions).first?.record)
        #expect(record.ref == "refs/heads/prod-eu" && record.base == fixed && record.head == incident)
        #expect(!record.accepted && record.decision == "deny")
        #expect(record.riskItems.contains { $0.points == 50 && $0.reason.contains("behind the default branch") })
        #expect(record.changes.contains { $0.key == "failover.mode" && $0.new == "\"manual\"" })

        // A new protected ref at main's tip changes nothing and passes silently, as before.
        let same = try s.push(["\(fixed):refs/heads/prod-us"])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(!same.stderr.contains("changegate:"))
    }

    // MARK: - 19. Default protected patterns

    @Test("the default protected patterns cover nested release and prod branches")
    func defaultPatternsNested() throws {
        let defaults = HookConfiguration()
        for ref in [
            "refs/heads/main", "refs/heads/master", "refs/heads/release/1", "refs/heads/release/2024/06",
            "refs/heads/prod", "refs/heads/prod-eu", "refs/heads/prod/eu", "refs/heads/production/eu/1",
        ] {
            #expect(defaults.isProtected(ref), "\(ref)")
        }
        for ref in ["refs/heads/feature/prod", "refs/heads/releases", "refs/heads/frank/release/1"] {
            #expect(!defaults.isProtected(ref), "\(ref)")
        }

        var s = try setup()
        defer { s.remove() }
        _ = try changeMode(&s.work, to: "manual")
        for ref in ["refs/heads/release/2024/06", "refs/heads/prod/eu"] {
            let result = try s.push(["HEAD:\(ref)"])
            #expect(result.status != 0, "\(ref)")
            #expect(result.stderr.contains("\(ref) "), "\(ref)")
            #expect(result.stderr.contains("needs 1 more reviewer from group dba"), "\(ref)")
            #expect(s.serverRef(ref) == nil, "\(ref)")
        }
    }

    // MARK: - 22. Annotated tags

    @Test("annotated tags under a protected pattern are peeled to their commit and judged; a tag of a tree is refused")
    func annotatedTags() throws {
        var s = try setup(install: ["--protect", "refs/heads/main", "--protect", "refs/tags/**"])
        defer { s.remove() }
        try s.work.git(["tag", "-a", "v1", "-m", "release v1"])
        let v1 = try s.push(["refs/tags/v1:refs/tags/v1"])
        #expect(v1.status == 0, "\(v1.stderr)")
        #expect(s.serverRef("refs/tags/v1") == (try s.work.revParse("refs/tags/v1")))

        let change = try changeMode(&s.work, to: "manual")
        try s.work.git(["tag", "-a", "v2", "-m", "release v2"])
        let v2 = try s.push(["refs/tags/v2:refs/tags/v2"])
        #expect(v2.status != 0)
        #expect(v2.stderr.contains("refs/tags/v2"))
        #expect(v2.stderr.contains("needs 1 more reviewer from group dba"))
        #expect(v2.stderr.contains(String(change.prefix(7))))
        #expect(s.serverRef("refs/tags/v2") == nil)

        try s.work.git(["tag", "-a", "tree1", "-m", "a tree", "HEAD^{tree}"])
        let tree = try s.push(["refs/tags/tree1:refs/tags/tree1"])
        #expect(tree.status != 0)
        #expect(tree.stderr.contains("refs/tags/tree1"))
        #expect(tree.stderr.contains("not a commit"))
        #expect(s.serverRef("refs/tags/tree1") == nil)
    }

    // MARK: - 5. Replace refs and namespaces

    @Test("refs/replace/* and refs/namespaces/* are refused; install turns replace refs off, uninstall restores")
    func replaceAndNamespaceRefs() throws {
        var s = try setup()
        defer { s.remove() }
        #expect(trimmed(try s.server.git(["config", "core.useReplaceRefs"])) == "false")

        // The attack: make git serve another blob for main's config file, while ChangeGate reads the original.
        let original = trimmed(try s.work.git(["rev-parse", "HEAD:db/prod/app.yaml"]))
        let bad = trimmed(
            try s.work.git(
                ["hash-object", "-w", "--stdin"],
                input: Data("failover:\n  enabled: true\n  mode: manual\n".utf8)))
        try s.work.git(["replace", original, bad])
        let replace = "refs/replace/\(original)"
        let replaced = try s.push(["\(replace):\(replace)"])
        #expect(replaced.status != 0)
        #expect(replaced.stderr.contains("\(replace): REFUSED"))
        #expect(replaced.stderr.contains("--allow-replace-refs"))
        #expect(s.serverRef(replace) == nil)

        _ = try changeMode(&s.work, to: "manual")
        let namespaced = try s.push(["HEAD:refs/namespaces/prod/refs/heads/main"])
        #expect(namespaced.status != 0)
        #expect(namespaced.stderr.contains("refs/namespaces/prod/refs/heads/main: REFUSED"))
        #expect(s.serverRef("refs/namespaces/prod/refs/heads/main") == nil)

        // The documented option lets replace refs in; git on the server still serves the original.
        _ = try Shell.check([
            Paths.changegate.path, "hook", "install", "--repo", s.server.path, "--allow-replace-refs",
        ])
        let allowed = try s.push(["\(replace):\(replace)"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(try s.server.git(["show", "main:db/prod/app.yaml"]).contains("mode: automatic"))
        #expect(trimmed(try s.server.git(["config", "core.useReplaceRefs"])) == "false")

        _ = try Shell.check([Paths.changegate.path, "hook", "uninstall", "--repo", s.server.path])
        #expect((try? s.server.git(["config", "core.useReplaceRefs"])) == nil)
    }

    // MARK: - 7. Self-approval under another e-mail

    @Test("the pusher of a protected ref, and whoever first pushed its commits, never count as its reviewers")
    func selfApprovalUnderAnotherEmail() throws {
        var s = try setup()
        defer { s.remove() }
        let change = try changeMode(&s.work, to: "manual", author: "Bob <bob+laptop@example.com>")
        try passSimulation(s.server, change)
        // bob approves under his server identity, which is not the e-mail he committed with.
        #expect(try s.push(["HEAD:refs/changegate/approvals/bob"], as: "bob@example.com").status == 0)

        let own = try s.push(["HEAD:refs/heads/main"], as: "bob@example.com")
        #expect(own.status != 0)
        #expect(own.stderr.contains("needs 1 more reviewer from group dba"))
        #expect(own.stderr.contains("bob@example.com pushed this ref and cannot review it"))
        #expect(s.serverRef("refs/heads/main") != change)

        // erin lands it for him: bob first pushed the commit to the server (with his approval).
        let relayed = try s.push(["HEAD:refs/heads/main"], as: "erin@example.com")
        #expect(relayed.status != 0)
        #expect(relayed.stderr.contains("needs 1 more reviewer from group dba"))
        #expect(relayed.stderr.contains("bob@example.com first pushed"))
        var query = AuditQuery()
        query.head = change
        let arrivals = try trail(s).entries(matching: query).filter { $0.record.source.rawValue == "push" }
        #expect(arrivals.map(\.record.actor) == ["bob@example.com"])

        // Someone who neither pushed nor wrote it reviews: erin's push lands.
        #expect(try s.push(["HEAD:refs/changegate/approvals/alice"], as: "alice@example.com").status == 0)
        let reviewed = try s.push(["HEAD:refs/heads/main"], as: "erin@example.com")
        #expect(reviewed.status == 0, "\(reviewed.stderr)")
        #expect(s.serverRef("refs/heads/main") == change)
    }

    // MARK: - 12. Approvals recorded once the ref landed

    @Test("an approval a later hook refuses is neither recorded nor announced; post-receive records it and chains")
    func approvalsRecordedAfterLanding() throws {
        let siteCheck = """
            #!/bin/sh
            while read old new ref; do
              case "$ref" in *-blocked) echo "site hook: $ref is not allowed" >&2; exit 1;; esac
            done
            exit 0

            """
        var s = try setup(hooks: [
            "pre-receive": siteCheck,
            "post-receive": "#!/bin/sh\ncat >/dev/null\necho previous post-receive ran >&2\n",
        ])
        defer { s.remove() }
        #expect(FileManager.default.fileExists(atPath: s.server.path + "/hooks/post-receive.changegate-chained"))
        let change = try changeMode(&s.work, to: "manual")

        let blocked = try s.push(["HEAD:refs/changegate/approvals/bob-blocked"], as: "bob@example.com")
        #expect(blocked.status != 0)
        #expect(blocked.stderr.contains("site hook: refs/changegate/approvals/bob-blocked is not allowed"))
        #expect(!blocked.stderr.contains("recorded"))
        #expect(try trail(s).approvals(of: change).isEmpty)
        let unreviewed = try s.push(["HEAD:refs/heads/main"])
        #expect(unreviewed.status != 0)
        #expect(unreviewed.stderr.contains("needs 1 more reviewer from group dba (have: none)"))

        let landed = try s.push(["HEAD:refs/changegate/approvals/bob"], as: "bob@example.com")
        #expect(landed.status == 0, "\(landed.stderr)")
        #expect(landed.stderr.contains("recorded bob@example.com's approval of \(change.prefix(7))"))
        #expect(landed.stderr.contains("previous post-receive ran"))
        #expect(try trail(s).approvals(of: change).compactMap(\.actor) == ["bob@example.com"])

        _ = try Shell.check([Paths.changegate.path, "hook", "uninstall", "--repo", s.server.path])
        #expect(try String(contentsOfFile: s.server.path + "/hooks/post-receive", encoding: .utf8).contains("previous"))
    }

    // MARK: - 11. Approvals scoped by repository and ref

    @Test("an approval counts only in the repository and for the ref it was given for")
    func approvalsScoped() throws {
        let shared = try Paths.temporaryDirectory("shared-trail")
        defer { try? FileManager.default.removeItem(at: shared) }
        let trailPath = shared.appendingPathComponent("audit.sqlite").path
        var s = try setup(install: ["--audit", trailPath])
        defer { s.remove() }
        let sandbox = try GitFixture(bare: true, label: "sandbox")
        defer { sandbox.remove() }
        try s.work.git(["remote", "add", "sandbox", sandbox.url.absoluteString])
        try s.work.git(["push", "-q", "sandbox", "HEAD:refs/heads/main"])
        _ = try Shell.check([
            Paths.changegate.path, "hook", "install", "--repo", sandbox.path, "--audit", trailPath,
        ])
        let change = try changeMode(&s.work, to: "manual")
        try passSimulation(s.server, change)

        // bob approves in the sandbox, which shares the trail: it does not count in production.
        var bob = GitFixture.baseEnvironment
        bob["CHANGEGATE_USER"] = "bob@example.com"
        let sandboxed = try Shell.run(
            ["git", "-C", s.work.path, "push", "sandbox", "HEAD:refs/changegate/approvals/bob"], environment: bob)
        #expect(sandboxed.status == 0, "\(sandboxed.stderr)")
        let elsewhere = try s.push(["HEAD:refs/heads/main"])
        #expect(elsewhere.status != 0)
        #expect(elsewhere.stderr.contains("needs 1 more reviewer from group dba (have: none)"))

        // As docs/hook.md says: the author puts the commit on the server, the reviewer approves it there.
        #expect(try s.push(["HEAD:refs/heads/frank/failover"]).status == 0)
        // An approval for main does not cover a new prod-eu; the refusal says how to approve for it.
        #expect(try s.push(["HEAD:refs/changegate/approvals/bob"], as: "bob@example.com").status == 0)
        let otherRef = try s.push(["HEAD:refs/heads/prod-eu"])
        #expect(otherRef.status != 0)
        #expect(
            otherRef.stderr.contains(
                "needs 1 more reviewer from group dba (have: none; bob@example.com approved it for refs/heads/main, not refs/heads/prod-eu)"
            ))
        #expect(otherRef.stderr.contains("refs/changegate/approvals/heads/prod-eu/"))
        let main = try s.push(["HEAD:refs/heads/main"])
        #expect(main.status == 0, "\(main.stderr)")

        // Approved for prod-eu by name, it lands there too.
        let named = try s.push(
            ["HEAD:refs/changegate/approvals/heads/prod-eu/\(change.prefix(7))-bob"], as: "bob@example.com")
        #expect(named.status == 0, "\(named.stderr)")
        #expect(named.stderr.contains("for refs/heads/prod-eu"))
        let prod = try s.push(["HEAD:refs/heads/prod-eu"])
        #expect(prod.status == 0, "\(prod.stderr)")

        // With HEAD naming no branch (`git init --bare`'s `master`), approvals/NAME approves for nothing.
        try s.server.git(["symbolic-ref", "HEAD", "refs/heads/master"])
        let nowhere = try s.push(["HEAD:refs/changegate/approvals/carol"], as: "carol@example.com")
        #expect(nowhere.status != 0)
        #expect(nowhere.stderr.contains("HEAD names no existing branch"))
    }

    // MARK: - 23. The update hook

    @Test("install picks pre-receive unless told otherwise; `hook update` says it has no break-glass and no atomicity")
    func updateHookCaveats() throws {
        let help = try Shell.run([Paths.changegate.path, "hook", "update", "--help"])
        #expect(help.stdout.contains("no push options"))
        #expect(help.stdout.contains("not atomic"))

        var s = try setup()
        defer { s.remove() }
        #expect(FileManager.default.fileExists(atPath: s.server.path + "/hooks/pre-receive"))
        #expect(!FileManager.default.fileExists(atPath: s.server.path + "/hooks/update"))

        let installed = try Shell.check([
            Paths.changegate.path, "hook", "install", "--repo", s.server.path, "--hook", "update",
        ])
        #expect(installed.contains("no push options"))
        #expect(try String(contentsOfFile: s.server.path + "/hooks/update", encoding: .utf8).contains("'update'"))
        #expect(!FileManager.default.fileExists(atPath: s.server.path + "/hooks/pre-receive"))
        _ = try changeMode(&s.work, to: "manual")
        let refused = try s.push(["HEAD:refs/heads/main"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("needs 1 more reviewer from group dba"))
        // Push options never reach an update hook: on call's break-glass is not honoured.
        let override = try s.push(
            ["HEAD:refs/heads/main"], as: "dave@example.com", options: ["changegate.override=INC-1"])
        #expect(override.status != 0)
        #expect(!override.stderr.contains("OVERRIDE"))
    }
}
