import ChangeGate
import Foundation
import Testing

/// Issue 14, attack 2: a file renamed out of a path scope (with the bad values) and back. Path
/// conditions see both sides of a rename (`file matches` tries the path before it too, and
/// `previous_file` names it), and a rename moves every setting: each is a `renamed` change at the
/// new path. Real pushes into a bare repository with the hook installed and the shipped
/// `policies/failover.policy`; each push here was accepted by the code before the defence.
@Suite("Security: rename out of a scope and back")
struct RenameScopeTests {
    struct Setup {
        var server: GitFixture
        var work: GitFixture

        func push(_ refspec: String, as user: String = "frank@example.com") throws -> Shell.Result {
            var environment = GitFixture.baseEnvironment
            environment["CHANGEGATE_USER"] = user
            return try Shell.run(
                ["git", "-C", work.path, "push", "--porcelain", "origin", refspec], environment: environment)
        }

        /// The author brings the commit to the server first (whoever first pushes a commit never
        /// reviews it), then `user` approves it for main.
        func approve(_ commit: String, as user: String) throws {
            var environment = GitFixture.baseEnvironment
            environment["CHANGEGATE_USER"] = "frank@example.com"
            try Shell.check(
                ["git", "-C", work.path, "push", "-q", "origin", "\(commit):refs/heads/frank-wip"],
                environment: environment)
            environment["CHANGEGATE_USER"] = user
            try Shell.check(
                [
                    "git", "-C", work.path, "push", "-q", "origin",
                    "\(commit):refs/changegate/approvals/heads/main/\(commit.prefix(8))-\(user.prefix { $0 != "@" })",
                ], environment: environment)
        }

        func serverFile(_ path: String) throws -> String {
            try server.git(["show", "refs/heads/main:\(path)"])
        }

        func remove() {
            server.remove()
            work.remove()
        }
    }

    /// main: the shipped catalogue, a production cluster and one outside production in manual mode.
    private func setup() throws -> Setup {
        let server = try GitFixture(bare: true, label: "rename-server")
        var work = try GitFixture(label: "rename-work")
        let catalogue = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("policies/failover.policy"), encoding: .utf8)
        try work.write("policies/failover.policy", catalogue)
        try work.write("db/prod/app.yaml", "failover:\n  enabled: true\n  mode: automatic\n")
        // A cluster being prepared outside production, in manual mode (allowed there).
        try work.write("db/prod-next/cluster2.yaml", "failover:\n  enabled: true\n  mode: manual\n  ttl: 30\n")
        try work.commit("base", author: "Alice <alice@example.com>", date: "2024-05-01T12:00:00+00:00")
        try work.git(["remote", "add", "origin", server.url.absoluteString])
        try work.git(["push", "-q", "origin", "HEAD:refs/heads/main"])
        try Shell.check([Paths.changegate.path, "hook", "install", "--repo", server.path])
        return Setup(server: server, work: work)
    }

    @Test("a production file renamed out of production with manual mode is denied by the production rule")
    func renameOutWithChange() throws {
        var s = try setup()
        defer { s.remove() }
        try s.work.git(["mv", "db/prod/app.yaml", "db/prod-next/app.yaml"])
        try s.work.write("db/prod-next/app.yaml", "failover:\n  enabled: true\n  mode: manual\n")
        try s.work.write("tests/failover/prod-next.md", "manual while it moves\n")
        let commit = try s.work.commit("move to prod-next, manual", author: "Frank <frank@example.com>")
        // Every requirement met — two DBAs, a passing simulation, a failover test change — and still
        // the hard rule on production failover holds: the file was in production.
        try s.approve(commit, as: "bob@example.com")
        try s.approve(commit, as: "carol@example.com")
        let evidence = s.server.url.appendingPathComponent("changegate/evidence/\(commit)")
        try FileManager.default.createDirectory(at: evidence, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Paths.packageRoot.appendingPathComponent("examples/ecommerce-outage/evidence/failover-simulation.xml"),
            to: evidence.appendingPathComponent("failover-simulation.xml"))
        let pushed = try s.push("HEAD:refs/heads/main")
        #expect(pushed.status != 0, "a production file left production with manual failover: \(pushed.stderr)")
        #expect(pushed.stderr.contains("failover mode must stay automatic in production"))
        // Only the hard rule stands in the way: the requirements were met.
        #expect(!pushed.stderr.contains("needs 1 more reviewer"))
        #expect(!pushed.stderr.contains("no result for tests"))
        #expect(try s.serverFile("db/prod/app.yaml").contains("mode: automatic"))
    }

    @Test("a file renamed into production unchanged is judged: its settings are production settings now")
    func renameInUnchanged() throws {
        var s = try setup()
        defer { s.remove() }
        try s.work.git(["mv", "db/prod-next/cluster2.yaml", "db/prod/cluster2.yaml"])
        try s.work.commit("move cluster2 into production", author: "Frank <frank@example.com>")
        let pushed = try s.push("HEAD:refs/heads/main")
        #expect(pushed.status != 0, "manual mode reached production by a rename: \(pushed.stderr)")
        #expect(pushed.stderr.contains("failover mode must stay automatic in production"))
    }

    @Test("the gate sees a rename: `renamed` changes with `previous_file`, and `file matches` tries both paths")
    func renameIsVisible() throws {
        var repo = try GitFixture(label: "rename-fields")
        defer { repo.remove() }
        try repo.write(
            "policies/gate.policy",
            """
            policy "rename-fields"
            files "db/**/*.yaml"
            warn "moved out of production" when any change (kind == "renamed" and previous_file matches "db/prod/**")
            warn "left production" when any change (file matches "db/prod/**" and present(previous_file))
            """)
        try repo.write("db/prod/app.yaml", "failover:\n  mode: automatic\n  ttl: 30\n")
        let base = try repo.commit("base")
        try repo.remove("db/prod/app.yaml")
        try repo.write("db/archive/app.yaml", "failover:\n  mode: automatic\n  ttl: 30\n")
        try repo.commit("archive")
        let decision = Gate(repository: try Repository(path: repo.path)).decide(
            GateRequest(base: base, head: "HEAD", now: 1_717_509_300))
        #expect(decision.verdict == .warn, "\(decision.problems)")
        #expect(Set(decision.changes.map(\.kind)) == [.renamed])
        #expect(decision.changes.count == 2)
        #expect(
            decision.changes.allSatisfy { $0.previousFile == "db/prod/app.yaml" && $0.file == "db/archive/app.yaml" })
        let warned = decision.evaluation?.verdicts.filter { $0.kind == .warn && $0.applies }.map(\.name) ?? []
        #expect(Set(warned) == ["moved out of production", "left production"])
    }
}
