import Foundation
import PolicyDSL

/// Judges a push before any ref moves: every update of a protected ref goes through the gate with
/// the policy from the ref's current tip (never from the pushed commits); approvals pushed to
/// `refs/changegate/approvals/` are checked and recorded; everything else passes untouched.
///
/// The push is accepted only when every update is, so that git refuses it atomically.
public struct PreReceiveHook {
    public var repository: Repository
    public var configuration: HookConfiguration
    public var journal: any HookJournal
    /// The authenticated pusher (see ``HookActor``); nil when the hosting says nothing.
    public var actor: String?
    public var pushOptions: [String]
    /// Seconds since the Unix epoch.
    public var now: Int
    /// Where CI leaves test results for a commit: `DIR/<commit>.json` (evidence JSON) and
    /// `DIR/<commit>/*.xml` (JUnit).
    public var evidenceDirectory: String

    public init(
        repository: Repository, configuration: HookConfiguration, journal: any HookJournal, actor: String?,
        pushOptions: [String], now: Int, evidenceDirectory: String
    ) {
        self.repository = repository
        self.configuration = configuration
        self.journal = journal
        self.actor = actor
        self.pushOptions = pushOptions
        self.now = now
        self.evidenceDirectory = evidenceDirectory
    }

    /// The verdict on one ref update.
    public struct RefVerdict: Sendable {
        public var update: RefUpdate
        public var accepted: Bool
        /// Nil for refs the gate does not judge (unprotected refs, approvals).
        public var decision: GateDecision?
        /// What the pusher reads, line by line.
        public var message: [String]
    }

    public struct Outcome: Sendable {
        public var verdicts: [RefVerdict]
        /// Set when the push was refused for a reason of its own (the journal could not be written).
        public var failure: String?
        public var accepted: Bool { failure == nil && verdicts.allSatisfy(\.accepted) }

        /// The text for standard error (git shows it as `remote:` lines).
        public var message: String {
            var lines: [String] = []
            for verdict in verdicts where !verdict.message.isEmpty { lines += verdict.message }
            if let failure { lines.append("changegate: REFUSED: \(failure)") }
            if !accepted, verdicts.count > 1 || failure != nil {
                lines.append("changegate: the whole push was refused; no ref moved.")
            }
            // Subjects, refs and names are the pusher's text: escaped before they reach a terminal.
            return lines.isEmpty ? "" : lines.map(TerminalText.escape).joined(separator: "\n") + "\n"
        }
    }

    /// Judges and records in one go (see ``judge(_:)`` and ``record(_:)``).
    public func run(_ updates: [RefUpdate]) -> Outcome {
        record(judge(updates))
    }

    /// The verdicts and the approvals to record if the push is accepted.
    public struct Judgement: Sendable {
        public var verdicts: [RefVerdict]
        public var approvals: [Approval]
    }

    /// Judges every update; writes nothing.
    public func judge(_ updates: [RefUpdate]) -> Judgement {
        var verdicts: [RefVerdict] = []
        var approvals: [Approval] = []
        for update in updates {
            if update.ref.hasPrefix("refs/changegate/") {
                let (verdict, approval) = judgeApproval(update)
                verdicts.append(verdict)
                if let approval { approvals.append(approval) }
            } else if configuration.isProtected(update.ref) {
                verdicts.append(judgeProtected(update))
            } else {
                verdicts.append(RefVerdict(update: update, accepted: true, decision: nil, message: []))
            }
        }
        return Judgement(verdicts: verdicts, approvals: approvals)
    }

    /// Records the decisions, and the approvals when the whole push is accepted. A journal that
    /// cannot be written refuses the push.
    public func record(_ judgement: Judgement) -> Outcome {
        var outcome = Outcome(verdicts: judgement.verdicts, failure: nil)
        let records = judgement.verdicts.compactMap { verdict in
            verdict.decision.map { entry(verdict, $0, pushAccepted: outcome.accepted) }
        }
        do {
            try journal.append(approvals: outcome.accepted ? judgement.approvals : [], decisions: records)
        } catch {
            // Fail closed: a decision that cannot be kept is no decision.
            outcome.failure = "cannot record the decision: \(error)"
        }
        return outcome
    }

    // MARK: - Approvals

    private func judgeApproval(_ update: RefUpdate) -> (RefVerdict, Approval?) {
        func refuse(_ why: String) -> (RefVerdict, Approval?) {
            (
                RefVerdict(
                    update: update, accepted: false, decision: nil,
                    message: ["changegate: \(update.ref): REFUSED: \(why)"]), nil
            )
        }
        guard update.ref.hasPrefix(HookConfiguration.approvalsNamespace),
            update.ref.count > HookConfiguration.approvalsNamespace.count
        else {
            return refuse("refs/changegate/ is ChangeGate's; only refs/changegate/approvals/NAME can be pushed")
        }
        guard update.kind == .create, let new = update.new else {
            return refuse("approvals are append-only: push a new name under refs/changegate/approvals/")
        }
        guard let actor else {
            return refuse("an approval needs an authenticated pusher, and this push has none")
        }
        let commit: CommitInfo
        do {
            commit = try repository.commit(repository.resolveCommit(new.hex))
        } catch {
            return refuse("an approval names a commit; \(new.short) is not one (\(error))")
        }
        let identity = actor.lowercased()
        if commit.author.email.lowercased() == identity || commit.committer.email.lowercased() == identity {
            return refuse("\(actor) wrote or committed \(commit.id.short) and cannot approve it")
        }
        let approval = Approval(commit: commit.id.hex, approver: actor, time: now, ref: update.ref)
        let verdict = RefVerdict(
            update: update, accepted: true, decision: nil,
            message: ["changegate: recorded \(actor)'s approval of \(commit.id.short) \"\(commit.subject)\""])
        return (verdict, approval)
    }

    // MARK: - Protected refs

    private func judgeProtected(_ update: RefUpdate) -> RefVerdict {
        let range = "\(update.old?.short ?? "(new)")..\(update.new?.short ?? "(deleted)")"
        func refuse(_ lines: [String], decision: GateDecision? = nil) -> RefVerdict {
            var message = ["changegate: \(update.ref) \(range): REFUSED"]
            message += lines.map { "  " + $0 }
            // A refusal before the gate could judge is still a decision, and the trail keeps it.
            let recorded =
                decision ?? GateDecision(verdict: .error, base: update.old, head: update.new, problems: lines)
            return RefVerdict(update: update, accepted: false, decision: recorded, message: message)
        }

        // The policy: the server's copy, or the protected ref's current tip (the default branch's
        // for a new ref) — never the pushed commits.
        let defaultTip = try? repository.resolveCommit("HEAD")
        let policyCommit = update.old ?? defaultTip
        let loaded: LoadedPolicy
        do {
            if let path = configuration.policyPath {
                loaded = try PolicyLoader.load(at: path)
            } else if let policyCommit {
                loaded = try PolicyLoader.load(in: repository, at: policyCommit)
            } else {
                return refuse([
                    "there is no policy to judge it by: \(update.ref) does not exist yet and neither does the default branch.",
                    "Install the hook with a server-side policy: changegate hook install --policy PATH",
                ])
            }
        } catch {
            return refuse(["the policy cannot be read: \(error)"])
        }
        guard let program = loaded.result.program else {
            return refuse(
                ["the policy has errors, so nothing can land until it is fixed:"]
                    + loaded.result.errors.map(\.description))
        }
        if actor == nil, !program.trustsUnauthenticatedPushes {
            return refuse([
                "no authenticated pusher: the hosting set none of \(HookActor.variables.joined(separator: ", ")).",
                "Push through an authenticated remote, or let the policy say `trust unauthenticated pushes`.",
            ])
        }
        let reason = PushOptions.overrideReason(pushOptions)
        let override = reason.map { OverrideRequest(actor: actor ?? "", reason: $0) }

        guard let new = update.new else {
            return judgeDeletion(update, program: program, override: override, refuse: refuse)
        }

        var base: ObjectID? = update.old
        var forced = false
        var extraRisk: [RiskItem] = []
        do {
            if let old = update.old {
                if try repository.mergeBase(old, new) != old {
                    forced = true
                    let dropped = try repository.commits(from: new, to: old).count
                    extraRisk.append(
                        RiskItem(
                            points: configuration.forcePushRisk,
                            reason:
                                "push rewrites history (not a fast-forward): \(dropped) commit\(dropped == 1 ? "" : "s") of \(update.ref) dropped"
                        ))
                }
            } else if let defaultTip {
                base = try repository.mergeBase(defaultTip, new)
            }
        } catch {
            return refuse(["cannot read the pushed history: \(error)"])
        }

        var reviewers: [ReviewerEvidence] = []
        var tests: [TestEvidence] = []
        do {
            for approval in try journal.approvals(of: new) {
                reviewers.append(
                    ReviewerEvidence(
                        identity: approval.approver,
                        source: "approval pushed to \(approval.ref) at \(Self.iso(approval.time))"))
            }
            let evidenceFile = "\(evidenceDirectory)/\(new.hex).json"
            if FileManager.default.fileExists(atPath: evidenceFile) {
                let file = try EvidenceFile.read(path: evidenceFile)
                reviewers += file.reviewers
                tests += file.tests
            }
            let junitDirectory = "\(evidenceDirectory)/\(new.hex)"
            if FileManager.default.fileExists(atPath: junitDirectory) {
                tests += try JUnitReport.read(matching: junitDirectory + "/*.xml")
            }
        } catch {
            return refuse(["the evidence for \(new.short) cannot be read: \(error)"])
        }

        let request = GateRequest(
            base: base?.hex ?? "", head: new.hex, policyPath: configuration.policyPath, ref: update.ref, actor: actor,
            now: now, reviewers: reviewers, tests: tests, override: override,
            revertLookBack: configuration.revertLookBack)
        let decision = Gate(repository: repository).decide(
            base: base, head: new, policy: loaded, request: request, forced: forced, extraRisk: extraRisk)
        let lines = HookMessage.lines(
            for: decision, update: update, program: program, evidenceDirectory: evidenceDirectory)
        return RefVerdict(update: update, accepted: decision.exitCode == 0, decision: decision, message: lines)
    }

    /// Deleting a protected ref needs an authorized override, whatever the policy's rules say.
    private func judgeDeletion(
        _ update: RefUpdate, program: Program, override: OverrideRequest?,
        refuse: ([String], GateDecision?) -> RefVerdict
    ) -> RefVerdict {
        let groups = Set(program.rules.compactMap(\.overrideGroup)).sorted()
        if let override, let actor,
            let group = groups.first(where: { program.group(named: $0)?.contains(actor) == true })
        {
            var decision = GateDecision(verdict: .allow, base: update.old)
            decision.override = override
            return RefVerdict(
                update: update, accepted: true, decision: decision,
                message: [
                    "changegate: \(update.ref): !!! OVERRIDE: deletion allowed for \(actor) (group \(group)): \(override.reason)"
                ])
        }
        let who =
            groups.isEmpty
            ? "no one (the policy names no override group)" : "a member of group " + groups.joined(separator: " or ")
        return refuse(
            [
                "deleting a protected ref needs an override by \(who):",
                "git push -o changegate.override=\"INC-…: why\" origin :\(update.ref)",
            ], nil)
    }

    /// The record of one decision for the audit trail.
    private func entry(_ verdict: RefVerdict, _ decision: GateDecision, pushAccepted: Bool) -> AuditRecord {
        var record = AuditRecord(
            decision, time: now, source: .hook, repository: repositoryName, ref: verdict.update.ref, actor: actor,
            accepted: pushAccepted && verdict.accepted)
        // A deletion goes through only by an override; no rule was evaluated to say so.
        if verdict.update.new == nil, verdict.accepted, decision.override != nil { record.overridden = true }
        return record
    }

    /// The repository as records name it: its git directory without a trailing slash.
    var repositoryName: String { repository.displayPath }

    static func iso(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
