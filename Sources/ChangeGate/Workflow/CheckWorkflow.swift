import Foundation
import PolicyDSL

/// Everything `changegate check` (and a server's check) asks: which change, judged by which
/// policy, with what evidence, recorded where. A value, so that a test, the CLI and a server build
/// one the same way.
public struct CheckRequest: Sendable {
    /// The repository; nil for the one the environment names or the one containing the working
    /// directory (``Repository/open(path:environment:)``).
    public var repositoryPath: String?
    /// The target branch before the change (any revision git accepts); the policy comes from here
    /// unless ``policyPath`` or ``policyRevision`` says otherwise.
    public var base: String
    /// The change's tip (any revision git accepts).
    public var head: String
    /// A policy file or directory outside the repository; nil for `policies/` at `policyRevision`.
    public var policyPath: String?
    /// The revision whose `policies/` judge the change; nil for the base.
    public var policyRevision: String?
    /// An evidence JSON file (docs/ci.md).
    public var evidenceFile: String?
    /// JUnit XML reports, each a path or a glob; one that matches nothing is an error.
    public var junitPatterns: [String] = []
    /// Evidence the caller already holds (a server's, from its own store); merged before the
    /// evidence file's and the reports'.
    public var reviewers: [ReviewerEvidence] = []
    /// Test results the caller already holds; merged before the evidence file's and the reports'.
    public var tests: [TestEvidence] = []
    /// Who runs the check.
    public var actor: String?
    /// An override reason given by the caller: it wins over the evidence file's override.
    public var overrideReason: String?
    /// The time the decision is judged as of, ISO 8601 as the caller wrote it; nil for the clock's.
    /// Text rather than a number so that a bad time is a decision too (an error, in the report).
    public var now: String?
    /// The ref being updated ("" for none): names the accepted tips the trail holds for it.
    public var ref: String = ""
    /// The trail (a path, or a URL ``AuditStores`` knows); nil for `$CHANGEGATE_AUDIT`, else
    /// `GIT_DIR/changegate/audit.sqlite` (``AuditLocation``). Read for accepted tips even in a dry run.
    public var auditLocation: String?
    /// Do not record the decision (`--no-audit`); the outcome's notes say so.
    public var dryRun = false
    /// Who records the decision: `ci` for `changegate check`, `service` for `changegate serve`, so
    /// that the trail tells a decision the service made from one a CI job asked for.
    public var source: AuditRecord.Source = .ci
    /// The repository as the hook's records in a shared trail name it; nil when the trail holds one.
    public var auditRepository: String?
    /// How long to wait for a trail another process holds.
    public var auditWait: Duration = .seconds(10)
    /// The most bytes of config files the decision reads (``ReadBudget``).
    public var maxReadBytes: Int = ReadBudget.defaultMaxBytes
    /// Exit 1 for an allow with warnings too (conftest's `--fail-on-warn`).
    public var failOnWarn = false
    /// The process environment: `GIT_DIR` and `$CHANGEGATE_AUDIT` are read from it.
    public var environment: [String: String] = [:]
    /// The machine's clock in seconds since the epoch: the record's time, and the decision's when
    /// `now` is nil. Injected so that a test can fix it; a caller cannot backdate a record with it
    /// any more than with `now`, since the CLI always passes the real clock.
    public var clock: @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }

    /// A request with the defaults: the policy from the base, no evidence, recorded in the default
    /// trail, the real clock.
    ///
    /// - Parameters:
    ///   - repositoryPath: The repository, or nil for the one the environment names or the one
    ///     containing the working directory.
    ///   - base: The target branch before the change.
    ///   - head: The change's tip.
    public init(repositoryPath: String?, base: String, head: String) {
        self.repositoryPath = repositoryPath
        self.base = base
        self.head = head
    }
}

/// What a check came to: the decision (an error when it could not be recorded), what was recorded,
/// the exit code, and the notes a CLI prints on standard error.
public struct CheckOutcome: Sendable {
    /// Where the decision went.
    public enum Recording: Sendable, Hashable {
        /// Appended to the trail at `location` as record `sequence`; `created` when the trail is new.
        case appended(location: String, sequence: Int, created: Bool)
        /// Not recorded on purpose (``CheckRequest/dryRun``).
        case dryRun
        /// No repository opened and no trail named: there is nothing to record next to.
        case nowhere
        /// The append failed; the decision is an error that says why.
        case failed(location: String)
    }

    /// The gate's decision; an error when it could not be recorded.
    public var decision: GateDecision
    /// Where the decision went.
    public var recording: Recording
    /// Allowed, denied (or warned, under `failOnWarn`), or not judged (``WorkflowExit/check(_:failOnWarn:)``).
    public var exit: WorkflowExit
    /// `exit`'s code: 0, 1 or 2.
    public var exitCode: Int32 { exit.rawValue }
    /// Lines for standard error (the dry run, a new trail's location), in order.
    public var notes: [String]
}

/// `changegate check`'s workflow, for every client: reads the evidence, looks up the trail's
/// accepted tips, asks the gate, and records the decision. Every failure is a decision (an error,
/// which denies), so that CI still gets a report in the format it asked for.
public enum CheckWorkflow {
    /// Runs `request` to its outcome; never throws: what went wrong is in the decision.
    ///
    /// - Parameter request: The change, the policy, the evidence and the trail.
    /// - Returns: The decision, where it was recorded, the exit and the notes for standard error.
    public static func run(_ request: CheckRequest) -> CheckOutcome {
        let (decided, repository, evaluatedAt) = decide(request)
        var decision = decided
        var notes: [String] = []
        let recording: CheckOutcome.Recording
        if request.dryRun {
            notes.append("changegate: --no-audit: this decision is not recorded in the audit trail (a dry run)")
            recording = .dryRun
        } else {
            recording = record(
                &decision, location: request.auditLocation, repository: repository, evaluatedAt: evaluatedAt,
                request: request, notes: &notes)
        }
        return CheckOutcome(
            decision: decision, recording: recording,
            exit: WorkflowExit.check(decision, failOnWarn: request.failOnWarn), notes: notes)
    }

    /// Why a check could not be judged; it becomes the error decision's problem.
    private struct Unjudged: Error {
        var problem: GateProblem
    }

    /// The decision, the repository it was made in (nil when none opened), and the time it was
    /// judged as of.
    private static func decide(_ request: CheckRequest) -> (GateDecision, Repository?, Int) {
        var seconds = request.clock()
        var repository: Repository?
        do throws(Unjudged) {
            if let now = request.now {
                guard let date = ISO8601DateFormatter().date(from: now) else {
                    throw Unjudged(
                        problem: GateProblem(
                            .invalidRequest, "--now \(now) is not an ISO 8601 time like 2024-06-04T13:55:00Z"))
                }
                seconds = Int(date.timeIntervalSince1970)
            }
            let opened: Repository
            do {
                opened = try Repository.open(path: request.repositoryPath, environment: request.environment)
            } catch {
                throw Unjudged(problem: .git(error))
            }
            repository = opened
            var gateRequest = GateRequest(
                base: request.base, head: request.head, policyPath: request.policyPath, ref: request.ref,
                actor: request.actor, now: seconds, override: requestedOverride(request),
                policyRevision: request.policyRevision)
            try mergeEvidence(request, in: opened, into: &gateRequest)
            gateRequest.knownGoodTips = try knownGoodTips(request, gitDirectory: opened.path, since: seconds)
            gateRequest.maxBytesRead = max(0, request.maxReadBytes)
            return (Gate(repository: opened).decide(gateRequest), opened, seconds)
        } catch {
            var decision = GateDecision(verdict: .error, problems: [error.problem])
            decision.override = requestedOverride(request)
            return (decision, repository, seconds)
        }
    }

    /// The caller's override, when it gave one.
    private static func requestedOverride(_ request: CheckRequest) -> OverrideRequest? {
        request.overrideReason.map { OverrideRequest(actor: request.actor ?? "", reason: $0) }
    }

    /// Adds the evidence file's and the JUnit reports' evidence to the caller's. The evidence
    /// file's override counts only when the caller gave none: an explicit reason wins.
    private static func mergeEvidence(_ request: CheckRequest, in repository: Repository, into gate: inout GateRequest)
        throws(Unjudged)
    {
        gate.reviewers = request.reviewers
        gate.tests = request.tests
        do {
            if let path = request.evidenceFile {
                let file = try EvidenceFile.read(path: path)
                gate.reviewers += file.reviewers
                gate.tests += file.tests
                if request.overrideReason == nil { gate.override = file.override }
            }
            if !request.junitPatterns.isEmpty {
                let headCommit = try repository.resolveCommit(request.head)
                for pattern in request.junitPatterns {
                    gate.tests += try JUnitReport.read(matching: pattern, notCommittedIn: repository, at: headCommit)
                }
            }
        } catch {
            throw Unjudged(problem: .from(error))
        }
    }

    /// The tips `reverts` may restore: the hook's accepted tips of the ref when the trail has them,
    /// else the base's first-parent history at its committer dates (docs/security.md).
    private static func knownGoodTips(_ request: CheckRequest, gitDirectory: String, since now: Int)
        throws(Unjudged) -> KnownGoodTips
    {
        let ref = request.ref
        let trail = AuditLocation.path(
            explicit: request.auditLocation, environment: request.environment, gitDirectory: gitDirectory)
        // A file that is not there has no tips yet; a URL (a shared store) is asked.
        guard !ref.isEmpty, !AuditStores.isPath(trail) || FileManager.default.fileExists(atPath: trail) else {
            return .firstParentHistory
        }
        do {
            let store = try AuditStores.open(trail, access: .readOnly, waitLimit: request.auditWait)
            let since = now - 366 * 86_400
            // A shared trail holds other repositories' tips of the same ref name: a sandbox's
            // would make its values known good here. Use this repository's, named or alone.
            var own = request.auditRepository
            if own == nil {
                let names = try store.hookRepositories(ref: ref, since: since)
                if names.count > 1 {
                    throw Unjudged(
                        problem: GateProblem(
                            .invalidRequest,
                            "the audit trail \(AuditStores.displayed(trail)) holds decisions on \(ref) from several repositories ("
                                + names.sorted().joined(separator: ", ")
                                + "): name this one with --audit-repository, as the hook's records name it"))
                }
                own = names.first
            }
            if let own {
                let accepted = try store.acceptedTips(ref: ref, repository: own, since: since)
                if !accepted.isEmpty { return .accepted(accepted) }
            }
            return .firstParentHistory
        } catch let unjudged as Unjudged {
            throw unjudged
        } catch {
            throw Unjudged(
                problem: GateProblem(
                    .auditRead,
                    "cannot read the accepted tips of \(ref) from the audit trail \(AuditStores.displayed(trail)): \(error)"
                ))
        }
    }

    /// Appends the decision to the trail. Fail closed: a decision that cannot be kept is no
    /// decision, so a failed append turns it into an error that says why.
    private static func record(
        _ decision: inout GateDecision, location: String?, repository: Repository?, evaluatedAt: Int,
        request: CheckRequest, notes: inout [String]
    ) -> CheckOutcome.Recording {
        guard repository != nil || location != nil || request.environment[AuditLocation.environmentVariable] != nil
        else {
            return .nowhere
        }
        let path = AuditLocation.path(
            explicit: location, environment: request.environment, gitDirectory: repository?.path ?? ".")
        // The record's time is the machine's clock, never `now`: a caller cannot backdate it.
        let record = AuditRecord(
            decision, time: request.clock(), evaluatedAt: evaluatedAt, source: request.source,
            repository: repository.map(\.displayPath) ?? (request.repositoryPath ?? "."),
            ref: request.ref.isEmpty ? nil : request.ref, actor: request.actor,
            accepted: WorkflowExit.check(decision, failOnWarn: request.failOnWarn) == .success)
        let created = AuditStores.isPath(path) && !FileManager.default.fileExists(atPath: path)
        do {
            let entries = try AuditStores.open(path, waitLimit: request.auditWait).append([record])
            if created {
                // A developer's clone gains a file under .git/: say where, and how not to.
                notes.append(
                    "changegate: recorded the decision in a new audit trail, \(path) (--audit PATH for another, "
                        + "--no-audit for a dry run)")
            }
            return .appended(
                location: AuditStores.displayed(path), sequence: entries.last?.record.sequence ?? 0, created: created)
        } catch {
            decision.verdict = .error
            decision.problems.append(.auditWrite(error, recovery: "use --no-audit for a dry run"))
            return .failed(location: AuditStores.displayed(path))
        }
    }
}
