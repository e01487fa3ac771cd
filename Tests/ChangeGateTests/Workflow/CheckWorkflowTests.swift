import ChangeGate
import Foundation
import PolicyDSL
import Testing

/// `CheckWorkflow` called in process, as a server will call it: the decisions, records and exit
/// codes the CLI tests see through a subprocess (AuditRecordingTests, EvidenceTests,
/// CheckInputsTests), on a real repository and a real SQLite trail.
@Suite("Workflow: check in process")
struct CheckWorkflowTests {
    static let policy = """
        policy "workflow"
        files "db/**/*.yaml"
        group dba = ["bob@example.com"]
        group oncall = ["dave@example.com"]
        watch "**.failover.**" weight 20 tag failover
        require "failover reviewed and simulated" when any change (tags has "failover") {
          reviewers >= 1 from dba
          tests "failover-simulation*" passed
        } override by oncall
        """

    /// A repository whose head turns failover to manual (watched), and a scratch folder.
    private func fixture(_ label: String) throws -> (GitFixture, base: String, head: String, scratch: URL) {
        var repo = try GitFixture(label: label)
        try repo.write("policies/p.policy", Self.policy)
        try repo.write("db/a.yaml", "failover:\n  mode: automatic\nwork_mem: 4MB\n")
        let base = try repo.commit("base", author: "Alice <alice@example.com>")
        try repo.write("db/a.yaml", "failover:\n  mode: manual\nwork_mem: 4MB\n")
        let head = try repo.commit("manual", author: "Frank <frank@example.com>")
        return (repo, base, head, try Paths.temporaryDirectory("\(label)-scratch"))
    }

    private func request(_ repo: GitFixture, base: String, head: String, trail: URL) -> CheckRequest {
        var request = CheckRequest(repositoryPath: repo.path, base: base, head: head)
        request.actor = "ci-bot"
        request.ref = "refs/heads/main"
        request.now = "2024-06-04T13:56:00Z"
        request.auditLocation = trail.path
        request.clock = { 1_800_000_000 }
        return request
    }

    @Test("a denied change is recorded in a new trail (exit 1); an unwatched one is allowed (exit 0)")
    func denyAndAllow() throws {
        var (repo, base, head, scratch) = try fixture("workflow-deny")
        defer {
            repo.remove()
            try? FileManager.default.removeItem(at: scratch)
        }
        let trail = scratch.appendingPathComponent("audit.sqlite")
        let denied = CheckWorkflow.run(request(repo, base: base, head: head, trail: trail))
        #expect(denied.decision.verdict == .deny)
        #expect(denied.exitCode == 1)
        #expect(denied.recording == .appended(location: trail.path, sequence: 1, created: true))
        #expect(
            denied.notes == [
                "changegate: recorded the decision in a new audit trail, \(trail.path) (--audit PATH for another, --no-audit for a dry run)"
            ])
        let record = try #require(try SQLiteAuditStore(path: trail.path).entries(matching: AuditQuery()).first?.record)
        #expect(record.source == .ci && record.decision == "deny" && !record.accepted)
        #expect(
            record.head == head && record.base == base && record.actor == "ci-bot" && record.ref == "refs/heads/main")
        #expect(record.changes.map(\.key) == ["failover.mode"] && record.changes.first?.tags == ["failover"])
        // The record's time is the clock's; the decision's is `now`, kept beside it.
        #expect(record.time == 1_800_000_000 && record.evaluatedAt == 1_717_509_360)

        try repo.write("db/a.yaml", "failover:\n  mode: manual\nwork_mem: 8MB\n")
        let unwatched = try repo.commit("work_mem", author: "Frank <frank@example.com>")
        let allowed = CheckWorkflow.run(request(repo, base: head, head: unwatched, trail: trail))
        #expect(allowed.decision.verdict == .allow)
        #expect(allowed.exitCode == 0)
        #expect(allowed.recording == .appended(location: trail.path, sequence: 2, created: false))
        #expect(allowed.notes.isEmpty)
        #expect(try SQLiteAuditStore(path: trail.path).entry(sequence: 2)?.record.accepted == true)
    }

    @Test("an override by a member of the named group is honoured and recorded; the caller's wins over the file's")
    func overrideHonoured() throws {
        let (repo, base, head, scratch) = try fixture("workflow-override")
        defer {
            repo.remove()
            try? FileManager.default.removeItem(at: scratch)
        }
        let trail = scratch.appendingPathComponent("audit.sqlite")
        let evidence = scratch.appendingPathComponent("evidence.json")
        try Data(#"{"override": {"actor": "frank@example.com", "reason": "the file's"}}"#.utf8).write(to: evidence)
        var overridden = request(repo, base: base, head: head, trail: trail)
        overridden.actor = "dave@example.com"
        overridden.overrideReason = "INC-1234: restore service"
        overridden.evidenceFile = evidence.path
        let outcome = CheckWorkflow.run(overridden)
        #expect(outcome.decision.verdict == .allow, "\(outcome.decision.problems)")
        #expect(outcome.decision.overridden)
        #expect(outcome.exitCode == 0)
        let record = try #require(try SQLiteAuditStore(path: trail.path).entry(sequence: 1)?.record)
        #expect(record.override?.reason == "INC-1234: restore service" && record.override?.actor == "dave@example.com")
        #expect(record.overridden && record.accepted)

        // Frank is not on call: his override is refused, and the change stays denied.
        var refused = overridden
        refused.actor = "frank@example.com"
        #expect(CheckWorkflow.run(refused).exitCode == 1)
    }

    @Test("the evidence file's reviewer and a JUnit report's passing test together allow; either alone denies")
    func evidenceAndJUnit() throws {
        let (repo, base, head, scratch) = try fixture("workflow-evidence")
        defer {
            repo.remove()
            try? FileManager.default.removeItem(at: scratch)
        }
        let trail = scratch.appendingPathComponent("audit.sqlite")
        let evidence = scratch.appendingPathComponent("evidence.json")
        try Data(#"{"reviewers": [{"identity": "bob@example.com"}]}"#.utf8).write(to: evidence)
        let junit = scratch.appendingPathComponent("junit.xml")
        try Data(#"<testsuite><testcase name="failover-simulation"/></testsuite>"#.utf8).write(to: junit)

        var reviewed = request(repo, base: base, head: head, trail: trail)
        reviewed.evidenceFile = evidence.path
        let untested = CheckWorkflow.run(reviewed)
        #expect(untested.exitCode == 1)
        #expect(
            DecisionRenderer.render(untested.decision, as: .text, color: false).contains(
                "no result for tests matching \"failover-simulation*\""))

        var both = reviewed
        both.junitPatterns = [scratch.appendingPathComponent("*.xml").path]
        let allowed = CheckWorkflow.run(both)
        #expect(allowed.exitCode == 0, "\(DecisionRenderer.render(allowed.decision, as: .text, color: false))")
        let record = try #require(try SQLiteAuditStore(path: trail.path).entry(sequence: 2)?.record)
        #expect(record.evidence.contains { $0.kind == "reviewer" && $0.subject == "bob@example.com" && $0.counted })
        #expect(record.evidence.contains { $0.kind == "test" && $0.subject == "failover-simulation" && $0.counted })

        // Evidence the caller holds (a server's) merges with the file's the same way.
        var held = reviewed
        held.tests = [TestEvidence(name: "failover-simulation", status: .passed, source: "server")]
        #expect(CheckWorkflow.run(held).exitCode == 0)

        var broken = reviewed
        try Data("{".utf8).write(to: evidence)
        broken.evidenceFile = evidence.path
        let bad = CheckWorkflow.run(broken)
        #expect(bad.exitCode == 2 && bad.decision.verdict == .error)
        #expect(bad.decision.problems.first?.message.contains("evidence.json:1:2: error:") == true)
        #expect(bad.decision.problems.first?.kind == .evidence && bad.decision.problems.first?.line == 1)
    }

    @Test("a trail that cannot be written makes the decision an error (exit 2); a dry run writes nothing and says so")
    func unwritableTrail() throws {
        let (repo, base, head, scratch) = try fixture("workflow-unwritable")
        defer {
            repo.remove()
            try? FileManager.default.removeItem(at: scratch)
        }
        // A file where the trail's folder should be.
        try Data("x".utf8).write(to: scratch.appendingPathComponent("blocked"))
        let trail = scratch.appendingPathComponent("blocked/audit.sqlite")
        let outcome = CheckWorkflow.run(request(repo, base: base, head: head, trail: trail))
        #expect(outcome.exitCode == 2 && outcome.decision.verdict == .error)
        #expect(outcome.recording == .failed(location: trail.path))
        #expect(
            outcome.decision.problems.last?.message.hasPrefix("cannot record the decision in the audit trail") == true)
        #expect(outcome.decision.problems.last?.kind == .auditWrite)

        var dry = request(repo, base: base, head: head, trail: trail)
        dry.dryRun = true
        let dryRun = CheckWorkflow.run(dry)
        #expect(dryRun.exitCode == 1 && dryRun.recording == .dryRun)
        #expect(
            dryRun.notes == ["changegate: --no-audit: this decision is not recorded in the audit trail (a dry run)"])

        var badTime = dry
        badTime.now = "yesterday"
        let unjudged = CheckWorkflow.run(badTime)
        #expect(unjudged.exitCode == 2)
        #expect(
            unjudged.decision.problems.map(\.message) == [
                "--now yesterday is not an ISO 8601 time like 2024-06-04T13:55:00Z"
            ])
        #expect(unjudged.decision.problems.first?.kind == .invalidRequest)
    }

    @Test("the policy at policyRevision (the target's tip) judges a change forked before it was tightened")
    func policyRevision() throws {
        var repo = try GitFixture(label: "workflow-policy-rev")
        defer { repo.remove() }
        try repo.write("policies/p.policy", "policy \"lax\"\nfiles \"db/**/*.yaml\"\n")
        try repo.write("db/a.yaml", "failover:\n  mode: automatic\n")
        let fork = try repo.commit("base, lax policy")
        try repo.git(["branch", "-q", "feature"])
        try repo.write("policies/p.policy", Self.policy)
        let tightened = try repo.commit("tighten the policy", author: "Alice <alice@example.com>")
        try repo.git(["checkout", "-q", "feature"])
        try repo.write("db/a.yaml", "failover:\n  mode: manual\n")
        try repo.commit("manual", author: "Frank <frank@example.com>")

        var fromFork = CheckRequest(repositoryPath: repo.path, base: fork, head: "feature")
        fromFork.dryRun = true
        #expect(CheckWorkflow.run(fromFork).exitCode == 0)
        var fromTip = fromFork
        fromTip.policyRevision = tightened
        let outcome = CheckWorkflow.run(fromTip)
        #expect(outcome.exitCode == 1)
        #expect(outcome.decision.policyName == "workflow")
    }

    @Test("the hook workflow refuses a push whose updates cannot be read, saying why, and exits 1")
    func hookRefusesUnreadableInput() throws {
        struct Unreadable: Error, CustomStringConvertible {
            var description: String { "the updates could not be read" }
        }
        let request = HookRequest(configuration: HookConfiguration(), environment: [:])
        let deadline = HookDeadline(seconds: 60) { _ in fatalError("the deadline must not expire in this test") }
        let outcome = HookWorkflow.preReceive(request, deadline: deadline) { throw Unreadable() }
        #expect(outcome.exitCode == 1)
        #expect(outcome.message.isEmpty)
        #expect(
            outcome.error == "changegate: REFUSED: the updates could not be read (the push was refused; no ref moved)")
    }
}
