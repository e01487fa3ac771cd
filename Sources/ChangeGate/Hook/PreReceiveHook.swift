import Foundation
import PolicyDSL

/// Judges a push before any ref moves: every update of a protected ref goes through the gate with
/// the policy from the ref's current tip (never from the pushed commits); approvals pushed to
/// `refs/changegate/approvals/` are checked and recorded; everything else passes untouched.
///
/// The push is accepted only when every update is, so that git refuses it atomically.
public struct PreReceiveHook {
    /// The server's repository, opened from git's environment.
    public var repository: Repository
    /// How to judge.
    public var configuration: HookConfiguration
    /// Where verdicts and approvals are recorded.
    public var journal: any HookJournal
    /// The authenticated pusher (see ``HookActor``); nil when the hosting says nothing.
    public var actor: String?
    /// `git push -o` options (``PushOptions``).
    public var pushOptions: [String]
    /// Seconds since the Unix epoch.
    public var now: Int
    /// Where CI leaves test results for a commit: `DIR/<commit>.json` (evidence JSON) and
    /// `DIR/<commit>/*.xml` (JUnit).
    public var evidenceDirectory: String

    /// A hook run.
    ///
    /// - Parameters:
    ///   - repository: The server's repository.
    ///   - configuration: How to judge.
    ///   - journal: Where verdicts are recorded.
    ///   - actor: The authenticated pusher; nil when the hosting says nothing.
    ///   - pushOptions: The push options.
    ///   - now: The time, in seconds since the Unix epoch.
    ///   - evidenceDirectory: Where CI leaves test results per commit.
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
        /// True when the records could not be committed before the deadline.
        public var pastDeadline = false
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

    /// Judges and records in one go (see ``judge(_:)`` and ``record(_:commit:)``).
    ///
    /// - Parameters:
    ///   - updates: The push's ref updates.
    ///   - commit: The wait limit and the last-moment claim of the records' commit.
    /// - Returns: The verdicts, and whether the push is accepted.
    public func run(_ updates: [RefUpdate], commit: HookCommit = .unbounded) -> Outcome {
        record(judge(updates), commit: commit)
    }

    /// The verdicts, to record; approvals are recorded by post-receive, once their refs landed.
    public struct Judgement: Sendable {
        public var verdicts: [RefVerdict]
    }

    /// Judges every update; writes nothing.
    ///
    /// - Parameter updates: The push's ref updates.
    /// - Returns: The verdict on each.
    public func judge(_ updates: [RefUpdate]) -> Judgement {
        var verdicts: [RefVerdict] = []
        for update in updates {
            if update.ref.hasPrefix("refs/changegate/") {
                verdicts.append(judgeApproval(update))
            } else if update.new != nil, let why = configuration.refusalOfSpecialRef(update.ref) {
                // Deleting one is fine: git then serves what ChangeGate judged.
                let decision = GateDecision(
                    verdict: .error, base: update.old, head: update.new, problems: [GateProblem(.refusedRef, why)])
                verdicts.append(
                    RefVerdict(
                        update: update, accepted: false, decision: decision,
                        message: ["changegate: \(update.ref): REFUSED: \(why)"]))
            } else if configuration.isProtected(update.ref) {
                verdicts.append(judgeProtected(update))
            } else {
                verdicts.append(RefVerdict(update: update, accepted: true, decision: nil, message: []))
            }
        }
        return Judgement(verdicts: verdicts)
    }

    /// Records the decisions. A journal that cannot be written, or not before `commit` says time is
    /// up, refuses the push.
    ///
    /// - Parameters:
    ///   - judgement: What ``judge(_:)`` gave.
    ///   - commit: The wait limit and the last-moment claim of the records' commit.
    /// - Returns: The verdicts, refused as a whole when they could not be recorded.
    public func record(_ judgement: Judgement, commit: HookCommit = .unbounded) -> Outcome {
        var outcome = Outcome(verdicts: judgement.verdicts, failure: nil)
        let records = judgement.verdicts.compactMap { verdict in
            verdict.decision.map { entry(verdict, $0, pushAccepted: outcome.accepted) }
        }
        do {
            try journal.append(approvals: [], arrivals: [], decisions: records, commit: commit)
        } catch .deadline {
            outcome.failure = HookError.deadline.description
            outcome.pastDeadline = true
        } catch {
            // Fail closed: a decision that cannot be kept is no decision.
            outcome.failure = "cannot record the decision: \(error)"
        }
        return outcome
    }

    // MARK: - Approvals

    /// Checks an approval; post-receive records it once the ref landed (a chained hook, or an
    /// `update` hook, may still refuse it after this).
    private func judgeApproval(_ update: RefUpdate) -> RefVerdict {
        switch ApprovalCheck.check(update, actor: actor, repository: repository, now: now) {
        case .success:
            return RefVerdict(update: update, accepted: true, decision: nil, message: [])
        case .failure(let refusal):
            return RefVerdict(
                update: update, accepted: false, decision: nil,
                message: ["changegate: \(update.ref): REFUSED: \(refusal.reason)"])
        }
    }

    // MARK: - Protected refs

    private func judgeProtected(_ update: RefUpdate) -> RefVerdict {
        let range = "\(update.old?.short ?? "(new)")..\(update.new?.short ?? "(deleted)")"
        func refuse(_ kind: GateProblem.Kind, _ lines: [String], decision: GateDecision? = nil) -> RefVerdict {
            var message = ["changegate: \(update.ref) \(range): REFUSED"]
            message += lines.map { "  " + $0 }
            // A refusal before the gate could judge is still a decision, and the trail keeps it.
            let recorded =
                decision
                ?? GateDecision(
                    verdict: .error, base: update.old, head: update.new,
                    problems: lines.map { GateProblem(kind, $0) })
            return RefVerdict(update: update, accepted: false, decision: recorded, message: message)
        }

        // The policy: the server's copy, or the protected ref's current tip (the default branch's
        // for a new ref) — never the pushed commits.
        let defaultTip = try? repository.resolveCommit("HEAD")
        // A ref may hold an annotated tag: what lands is the commit it names, so that is judged.
        let old: ObjectID?
        do {
            old = try update.old.map(peeled)
        } catch {
            return refuse(.unknownRevision, ["\(update.ref) holds \(update.old?.short ?? "?"), which is \(error)"])
        }
        let policyCommit = old ?? defaultTip
        let loaded: LoadedPolicy
        do {
            if let path = configuration.policyPath {
                loaded = try PolicyLoader.load(at: path)
            } else if let policyCommit {
                loaded = try PolicyLoader.load(in: repository, at: policyCommit)
            } else {
                return refuse(
                    .policyError,
                    [
                        "there is no policy to judge it by: \(update.ref) does not exist yet and neither does the default branch.",
                        "Install the hook with a server-side policy: changegate hook install --policy PATH",
                    ])
            }
        } catch {
            return refuse(.policyError, ["the policy cannot be read: \(error)"])
        }
        // A broken policy on the branch: the last one that compiled judges, and only an override
        // lands a change (the fix included); with no such policy, nothing can land.
        var judging = loaded
        var brokenPolicy: String? = nil
        if loaded.result.program == nil, configuration.policyPath == nil, let policyCommit,
            let (last, commit) = PolicyLoader.lastCompiling(in: repository, before: policyCommit)
        {
            judging = last
            brokenPolicy = Gate.brokenPolicyText(loaded, lastCompiled: commit)
        }
        guard let program = judging.result.program else {
            return refuse(
                .policyError,
                ["the policy has errors, so nothing can land until it is fixed:"]
                    + loaded.result.errors.map(\.description))
        }
        if actor == nil, !program.trustsUnauthenticatedPushes {
            return refuse(
                .refusedRef,
                [
                    "no authenticated pusher: the hosting set none of \(HookActor.variables.joined(separator: ", ")).",
                    "Push through an authenticated remote, or let the policy say `trust unauthenticated pushes`.",
                ])
        }
        let reason = PushOptions.overrideReason(pushOptions)
        let override = reason.map { OverrideRequest(actor: actor ?? "", reason: $0) }

        guard let pushed = update.new else {
            return judgeDeletion(update, program: program, override: override, refuse: refuse)
        }
        let new: ObjectID
        do {
            new = try peeled(pushed)
        } catch {
            return refuse(
                .unknownRevision,
                [
                    "\(pushed.short) is \(error): only a commit, or a tag of a commit, can land on \(update.ref)"
                ])
        }

        var base: ObjectID? = old
        var forced = false
        var extraRisk: [RiskItem] = []
        /// How many commits of `tip` the push leaves out; nil when `new` contains them all.
        func missing(from tip: ObjectID) throws(GitError) -> Int? {
            guard try repository.mergeBase(tip, new) != tip else { return nil }
            return try repository.commits(from: new, to: tip).count
        }
        func scoreLikeForcePush(_ kind: RiskItem.Kind, _ reason: String) {
            forced = true
            extraRisk.append(RiskItem(kind: kind, points: configuration.forcePushRisk, reason: reason))
        }
        do {
            if let old {
                if let dropped = try missing(from: old) {
                    scoreLikeForcePush(
                        .rewritesHistory,
                        "\(Self.rewritesHistory) (not a fast-forward): \(dropped) commit\(dropped == 1 ? "" : "s") of \(update.ref) dropped"
                    )
                }
            } else if let defaultTip {
                // A new ref is judged against the default branch's tip, not their merge base: a new
                // branch at an old commit (the incident's) would otherwise change nothing.
                base = defaultTip
                if let behind = try missing(from: defaultTip) {
                    scoreLikeForcePush(
                        .behindDefaultBranch,
                        "\(Self.behindDefaultBranch): \(behind) commit\(behind == 1 ? "" : "s") of it missing from \(update.ref)"
                    )
                }
            }
        } catch {
            return refuse(.repository, ["cannot read the pushed history: \(error)"])
        }

        var reviewers: [ReviewerEvidence] = []
        var tests: [TestEvidence] = []
        do {
            let defaultBranch = repository.defaultBranch()
            for approval in try journal.approvals(of: new) {
                let target = HookConfiguration.approvalTarget(of: approval.ref, defaultBranch: defaultBranch)
                // An approval counts for the ref it was given for; one for another ref is shown, not counted.
                reviewers.append(
                    ReviewerEvidence(
                        identity: approval.approver,
                        source: "approval pushed to \(approval.ref) at \(Self.iso(approval.time))",
                        counts: target == update.ref,
                        reason: "approved it for \(target ?? "no ref"), not \(update.ref)"))
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
            reviewers = try excludingPushers(reviewers, base: base, head: new, identities: program.identities)
        } catch {
            return refuse(.evidence, ["the evidence for \(new.short) cannot be read: \(error)"])
        }

        // `reverts` may restore only what this hook accepted as the ref's tip (never a commit seen
        // only inside a push): the trail knows those.
        let lookBack = configuration.revertLookBack.with(program.revertWindow)
        // Read only for a policy that asks `reverts`: on a busy server that is months of records.
        var tips: [ObjectID: Int] = [:]
        if program.readsReverts {
            do {
                tips = try journal.acceptedTips(ref: update.ref, since: now - lookBack.seconds)
            } catch {
                return refuse(.auditRead, ["\(error)"])
            }
        }
        var request = GateRequest(
            base: base?.hex ?? "", head: new.hex, policyPath: configuration.policyPath, ref: update.ref, actor: actor,
            now: now, reviewers: reviewers, tests: tests, override: override,
            revertLookBack: configuration.revertLookBack, knownGoodTips: .accepted(tips))
        request.maxBytesRead = configuration.maxBytesRead
        let decision = Gate(repository: repository).decide(
            base: base, head: new, policy: judging, request: request, forced: forced, extraRisk: extraRisk,
            brokenPolicy: brokenPolicy)
        let lines = HookMessage.lines(
            for: decision, update: update, program: program, evidenceDirectory: evidenceDirectory,
            defaultBranch: repository.defaultBranch())
        return RefVerdict(update: update, accepted: decision.exitCode == 0, decision: decision, message: lines)
    }

    /// The reviewers, with the pusher of this ref and whoever first pushed one of its commits to the
    /// server marked as not counting: someone who lands or brings a change under another e-mail
    /// than they commit with must not review it either.
    private func excludingPushers(
        _ reviewers: [ReviewerEvidence], base: ObjectID?, head: ObjectID, identities: IdentityMap
    ) throws -> [ReviewerEvidence] {
        guard !reviewers.isEmpty else { return reviewers }
        // The commits of the change that are already on the server, reachable from a ref before this
        // push; the rest come with it, from `actor`.
        let change = try repository.commits(to: head, hiding: base.map { [$0] } ?? [])
        let bringing = Set(
            try repository.commits(
                to: head, hiding: (base.map { [$0] } ?? []) + (try repository.referenceCommits().map(\.commit))))
        var firstPushed: [String: Arrival] = [:]
        for commit in change where !bringing.contains(commit) {
            guard let arrival = try journal.firstArrival(of: commit) else {
                // Fail closed: whoever brought it is unknown (its post-receive recorded nothing, or it
                // came before the hook), so no one can be shown not to have pushed it.
                return reviewers.map { reviewer in
                    var reviewer = reviewer
                    reviewer.counts = false
                    reviewer.reason =
                        "who first pushed \(commit.short) to the server is not recorded, so no review of it counts "
                        + "(amend it to a new commit and push that)"
                    return reviewer
                }
            }
            guard let pusher = arrival.pusher.map(identities.person) else { continue }
            if firstPushed[pusher] == nil { firstPushed[pusher] = arrival }
        }
        // People, not spellings: a login and its e-mails are one (the policy's identity map).
        let pusher = actor.map(identities.person)
        return reviewers.map { reviewer in
            var reviewer = reviewer
            let identity = identities.person(reviewer.identity)
            if identity == pusher {
                reviewer.counts = false
                reviewer.reason = "pushed this ref and cannot review it"
            } else if let arrival = firstPushed[identity] {
                reviewer.counts = false
                reviewer.reason =
                    "first pushed these commits to the server (\(String(arrival.commit.prefix(7))) with "
                    + "\(arrival.ref) at \(Self.iso(arrival.time))) and cannot review them"
            }
            return reviewer
        }
    }

    /// The commit `id` names: itself, or the commit an annotated tag (or a chain of them) points to.
    private func peeled(_ id: ObjectID) throws(PeelError) -> ObjectID {
        do {
            return try repository.resolveCommit(id.hex)
        } catch {
            throw PeelError(description: "not a commit (\(error))")
        }
    }

    struct PeelError: Error, CustomStringConvertible {
        var description: String
    }

    /// Deleting a protected ref needs an authorized override, whatever the policy's rules say.
    private func judgeDeletion(
        _ update: RefUpdate, program: Program, override: OverrideRequest?,
        refuse: (GateProblem.Kind, [String], GateDecision?) -> RefVerdict
    ) -> RefVerdict {
        let groups = Set(program.rules.compactMap(\.overrideGroup)).sorted()
        if let override, let actor,
            let group = groups.first(where: {
                program.group(named: $0)?.contains(actor, identities: program.identities) == true
            })
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
            .refusedRef,
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
        // Written before git moves the ref: post-receive's `landed` record says whether it did.
        if record.accepted { record.awaitsLanding = true }
        return record
    }

    /// The repository as records name it: its git directory without a trailing slash.
    var repositoryName: String { repository.displayPath }

    /// How the risk item of a new protected ref that lacks commits of the default branch starts.
    static let behindDefaultBranch = "new ref behind the default branch (judged like a force push)"
    /// How the risk item of a push that is not a fast-forward starts.
    static let rewritesHistory = "push rewrites history"

    static func iso(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
