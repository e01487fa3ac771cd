import ChangeGate
import Foundation
import Testing

/// Issue 14, attacks 15, 16 and 21: what `changegate check` reads must not come from the change
/// it judges — a `--policy` in the checked-out work tree, a policy from an old fork point, JUnit
/// reports the change commits. Each check here let the change through before the defence.
@Suite("Security: what check reads")
struct CheckInputsTests {
    static let strict = """
        policy "strict"
        files "db/**/*.yaml"
        group dba = ["alice@example.com", "bob@example.com"]
        watch "failover.**" weight 20 tag failover
        require "failover reviewed and simulated" when any change (tags has "failover") {
          reviewers >= 1 from dba
          tests "failover-simulation" passed
        }
        """
    static let lax = "policy \"lax\"\nfiles \"db/**/*.yaml\"\n"

    private func check(_ repo: GitFixture, _ arguments: [String], in directory: URL? = nil) throws -> Shell.Result {
        try Shell.run(
            [Paths.changegate.path, "check", "--repo", repo.path, "--no-audit", "--now", "2024-06-04T12:00:00Z"]
                + arguments, in: directory)
    }

    @Test("--policy inside the judged work tree is refused: it is the head's own policy")
    func policyInsideWorkTree() throws {
        var repo = try GitFixture(label: "policy-in-tree")
        defer { repo.remove() }
        try repo.write("policies/gate.policy", Self.strict)
        try repo.write("db/prod/app.yaml", "failover:\n  mode: automatic\n")
        let base = try repo.commit("base")
        try repo.write("policies/gate.policy", Self.lax)
        try repo.write("db/prod/app.yaml", "failover:\n  mode: manual\n")
        try repo.commit("relax the policy, go manual", author: "Frank <frank@example.com>")
        let result = try check(repo, ["--base", base, "--head", "HEAD", "--policy", repo.path + "/policies"])
        #expect(result.status == 2, "the head's own policy judged the change: \(result.stdout)")
        #expect(result.stdout.contains("is inside the repository being judged"))
        // A relative path from inside the work tree, and a symlink to it from outside, alike.
        let relative = try check(repo, ["--base", base, "--head", "HEAD", "--policy", "policies"], in: repo.url)
        #expect(relative.status == 2)
        let outside = try Paths.temporaryDirectory("policy-link")
        defer { try? FileManager.default.removeItem(at: outside) }
        let link = outside.appendingPathComponent("policies")
        try FileManager.default.createSymbolicLink(
            at: link, withDestinationURL: repo.url.appendingPathComponent("policies"))
        #expect(try check(repo, ["--base", base, "--head", "HEAD", "--policy", link.path]).status == 2)
    }

    @Test("--policy-rev: the target branch's tightened policy judges a change forked before it")
    func policyFromTargetTip() throws {
        var repo = try GitFixture(label: "policy-rev")
        defer { repo.remove() }
        try repo.write("policies/gate.policy", Self.lax)
        try repo.write("db/prod/app.yaml", "failover:\n  mode: automatic\n")
        let fork = try repo.commit("base, lax policy")
        try repo.git(["branch", "-q", "feature"])
        try repo.write("policies/gate.policy", Self.strict)
        let tightened = try repo.commit("tighten the policy", author: "Alice <alice@example.com>")
        try repo.git(["checkout", "-q", "feature"])
        try repo.write("db/prod/app.yaml", "failover:\n  mode: manual\n")
        try repo.commit("manual", author: "Frank <frank@example.com>")
        let mergeBase = try repo.git(["merge-base", "feature", tightened]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(mergeBase == fork)
        let fromFork = try check(repo, ["--base", mergeBase, "--head", "feature"])
        #expect(fromFork.status == 0, "the fork point's lax policy: \(fromFork.stdout)")
        let fromTip = try check(repo, ["--base", mergeBase, "--head", "feature", "--policy-rev", tightened])
        #expect(fromTip.status == 1, "the target's tightened policy must judge: \(fromTip.stdout) \(fromTip.stderr)")
        #expect(fromTip.stdout.contains("policy \"strict\""))
        #expect(fromTip.stdout.contains("needs 1 more reviewer from group dba"))
    }

    @Test("a JUnit report the change commits is refused as evidence, one CI wrote is read")
    func committedJUnitReport() throws {
        var repo = try GitFixture(label: "junit-committed")
        defer { repo.remove() }
        try repo.write("policies/gate.policy", Self.strict)
        try repo.write("db/prod/app.yaml", "failover:\n  mode: automatic\n")
        let base = try repo.commit("base")
        let passing = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent(
                "examples/ecommerce-outage/evidence/failover-simulation.xml"), encoding: .utf8)
        try repo.write("db/prod/app.yaml", "failover:\n  mode: manual\n")
        try repo.write("reports/failover-simulation.xml", passing)
        try repo.commit("manual, with a 'passing' simulation", author: "Frank <frank@example.com>")
        let evidence = """
            {"reviewers": [{"identity": "bob@example.com"}]}
            """
        try repo.write("../evidence-\(repo.url.lastPathComponent).json", evidence)
        let evidencePath = repo.url.deletingLastPathComponent().appendingPathComponent(
            "evidence-\(repo.url.lastPathComponent).json"
        ).path
        defer { try? FileManager.default.removeItem(atPath: evidencePath) }
        let committed = try check(
            repo, ["--base", base, "--head", "HEAD", "--evidence", evidencePath, "--junit", "reports/**/*.xml"],
            in: repo.url)
        #expect(committed.status == 2, "a committed JUnit file counted as the simulation: \(committed.stdout)")
        #expect(committed.stdout.contains("is committed in the change being judged"))
        // The same report written by CI to an untracked path counts.
        try repo.write("ci-reports/failover-simulation.xml", passing)
        let written = try check(
            repo, ["--base", base, "--head", "HEAD", "--evidence", evidencePath, "--junit", "ci-reports/*.xml"],
            in: repo.url)
        #expect(written.status == 0, "\(written.stdout)")
    }
}
