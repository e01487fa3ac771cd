import Foundation
import PolicyDSL

/// Joins the settings diff and the policy into a decision.
///
/// The policy comes from the base revision (`policies/` there) or from `GateRequest.policyPath`,
/// never from the head: a change cannot relax the rules that judge it. Anything that keeps the gate
/// from judging — an unknown revision, a broken policy, an unparsable file — is a decision of its own
/// (``GateDecision/Verdict/error``), which denies.
///
/// Thread safety: a gate holds its ``Repository`` and decides on one task at a time, as the
/// repository is used. A server takes a repository from a ``RepositoryPool`` for each request
/// (`try pool.withRepository(at: path) { Gate(repository: $0, sharedCache: cache).decide(request) }`)
/// and shares the parsed files of every request through one ``BlobSettingsCache``, which any
/// number of tasks may use at once.
public struct Gate {
    /// The repository whose changes the gate judges; not shared with another thread while the
    /// gate uses it (``Repository`` is not thread-safe).
    public let repository: Repository
    /// Parsed files shared with other requests (other repositories too); nil keeps each decision's
    /// own.
    public var sharedCache: BlobSettingsCache?

    /// A gate over `repository`.
    ///
    /// - Parameters:
    ///   - repository: The repository the commits are in, used by this gate's task alone.
    ///   - sharedCache: Parsed files shared with other requests (``sharedCache``).
    public init(repository: Repository, sharedCache: BlobSettingsCache? = nil) {
        self.repository = repository
        self.sharedCache = sharedCache
    }

    /// Judges the change `request` names, as `changegate check` does: the revisions resolved, the
    /// change taken from their merge base, the policy from ``GateRequest/policyPath``, else
    /// ``GateRequest/policyRevision``, else the base (with the last policy that compiled when the
    /// branch's own is broken).
    ///
    /// - Parameter request: The revisions, the policy, the evidence, who and when.
    /// - Returns: The decision. Never throws: anything that keeps the gate from judging is a
    ///   decision with ``GateDecision/Verdict/error``, whose problems say why.
    public func decide(_ request: GateRequest) -> GateDecision {
        var decision = GateDecision(verdict: .error)
        decision.override = request.override
        let base: ObjectID
        let head: ObjectID
        let ancestry: Ancestry
        do {
            base = try repository.resolveCommit(request.base)
            head = try repository.resolveCommit(request.head)
            ancestry = try repository.ancestry(of: base, and: head)
        } catch {
            decision.problems = [.git(error)]
            return decision
        }
        decision.base = base
        decision.head = head
        decision.ancestry = ancestry
        // Judged as a pull request is: the change is what the head added since it forked from the
        // base. Without a fork point there is no change to judge, only two unrelated trees.
        guard ancestry.mergeBase != nil else {
            decision.problems = [
                GateProblem(
                    .unrelatedHistories,
                    "--base \(request.base) (\(base.short)) and --head \(request.head) (\(head.short)) share no "
                        + "history (no merge base), so there is no fork point to judge the change from: pass as "
                        + "--base the branch the head was made from")
            ]
            return decision
        }
        var policyCommit = base
        let loaded: LoadedPolicy
        do {
            if let path = request.policyPath {
                if let problem = Self.insideWorkTree(path, of: repository) {
                    decision.problems = [GateProblem(.invalidRequest, problem)]
                    return decision
                }
                loaded = try PolicyLoader.load(at: path)
            } else if let revision = request.policyRevision {
                let commit = try repository.resolveCommit(revision)
                policyCommit = commit
                loaded = try PolicyLoader.load(in: repository, at: commit)
            } else {
                loaded = try PolicyLoader.load(in: repository, at: base)
            }
        } catch {
            decision.problems = [.from(error)]
            return decision
        }
        // The last policy that compiled is searched on the history of the revision the policy came
        // from (the target's tip with --policy-rev, not the merge base the author picked).
        if request.policyPath == nil, loaded.result.program == nil,
            let (last, commit) = PolicyLoader.lastCompiling(in: repository, before: policyCommit)
        {
            return decide(
                base: base, head: head, policy: last, request: request,
                brokenPolicy: Self.brokenPolicyText(loaded, lastCompiled: commit), ancestry: ancestry)
        }
        return decide(base: base, head: head, policy: loaded, request: request, ancestry: ancestry)
    }

    /// Judges the change from `base` (nil: the empty tree, for a new root) to `head` with a policy
    /// already loaded (the hook loads it from the protected ref's tip). `forced` marks a push that
    /// rewrites history; `extraRisk` holds the gate's own contributions for it. `request.base` and
    /// `request.head` are not read here.
    ///
    /// `brokenPolicy` is set when the target branch's own policy does not compile and `loaded` is the
    /// last one that did: only an override then lands the change (``brokenPolicyText(_:lastCompiled:)``).
    ///
    /// `ancestry` (from `check`) compares the settings from the merge base when `base` is not an
    /// ancestor of `head`, as a pull request does; the commits are still `base..head`. Without it
    /// (the hook) the settings are compared from `base` itself: the ref's old tip, whatever a
    /// rewrite dropped.
    ///
    /// - Parameters:
    ///   - base: The commit the change starts from; nil for the empty tree.
    ///   - head: The change's tip.
    ///   - loaded: The policy to judge with.
    ///   - request: The evidence, the actor, the time, the override and the bounds; its `base`,
    ///     `head` and policy fields are not read.
    ///   - forced: Whether the push rewrites history (the policy's `forced` field).
    ///   - extraRisk: The gate's own risk contributions, counted with the policy's.
    ///   - brokenPolicy: Why the target branch's own policy cannot judge, when `loaded` is the last
    ///     one that compiled; nil otherwise.
    ///   - ancestry: How `base` relates to `head`, to compare from their merge base; nil to compare
    ///     from `base` itself.
    /// - Returns: The decision; an error decision (never a throw) when the change cannot be judged.
    public func decide(
        base: ObjectID?, head: ObjectID, policy loaded: LoadedPolicy, request: GateRequest, forced: Bool = false,
        extraRisk: [RiskItem] = [], brokenPolicy: String? = nil, ancestry: Ancestry? = nil
    ) -> GateDecision {
        var decision = GateDecision(verdict: .error, base: base, head: head)
        decision.ancestry = ancestry
        let from = decision.comparedFrom
        decision.override = request.override
        decision.policySource = loaded.source
        decision.policySHA256 = loaded.sha256
        decision.policyFiles = loaded.files
        decision.policyInRepository = request.policyPath == nil
        guard let program = loaded.result.program else {
            decision.problems = loaded.result.errors.map(GateProblem.policy)
            return decision
        }
        decision.policyName = program.name
        do {
            let commits = try repository.commits(from: base, to: head)
            decision.commits = commits
            var differ = RepositorySettingsDiff(
                repository: repository, selectors: Self.selectors(of: program), sharedCache: sharedCache)
            // A rename moves every setting of the file into the new path's scope: the policy sees each.
            differ.reportsMovedSettings = true
            differ.secretPatterns = program.secretPatterns
            differ.maxBytesRead = request.maxBytesRead
            let report = try differ.diff(from: from, to: head)
            // Files that pass the bytes a decision reads are refused before any is read.
            if let refusal = differ.budgetRefusal {
                decision.problems = [GateProblem(.readBudget, refusal.description)]
                return decision
            }
            decision.changes = report.changes
            decision.touchedPaths = report.touchedPaths
            decision.fileWarnings = report.fileWarnings
            if !report.errors.isEmpty {
                decision.problems = report.errors.map(GateProblem.file)
                return decision
            }

            var changes: [ChangeInput] = []
            for change in report.changes {
                changes.append(
                    ChangeInput(
                        file: change.file, previousFile: change.previousFile, key: change.key,
                        kind: change.kind.rawValue,
                        old: change.old.map(PolicyValue.init) ?? .null, new: change.new.map(PolicyValue.init) ?? .null,
                        keyWithinDocument: report.singleDocumentFiles.contains(change.file)
                            ? SettingPath.documentKey(change.key).map { String($0.key) } : nil))
            }
            var files: [FileInput] = []
            // Only the settings `head(…)` and `base(…)` can read: a large file has thousands.
            let keysRead = program.settingsRead.keys
            // Each file's path on the base side, from its first change (one pass, not one per file).
            var previousPaths: [String: String] = [:]
            for change in report.changes where previousPaths[change.file] == nil {
                previousPaths[change.file] = change.previousFile ?? change.file
            }
            // The blobs come from the tree diff: no lookup of each path in each tree.
            var headBlobs: [String: ObjectID] = [:]
            var baseBlobs: [String: ObjectID] = [:]
            for delta in report.files {
                if let path = delta.newPath, let blob = delta.newBlob { headBlobs[path] = blob }
                if let path = delta.oldPath, let blob = delta.oldBlob { baseBlobs[path] = blob }
            }
            let failover = try Self.failoverChanges(
                files: previousPaths.keys.sorted().map { ($0, previousPaths[$0] ?? $0) }, headBlobs: headBlobs,
                baseBlobs: baseBlobs, head: head, base: from, differ: &differ)
            decision.failover = failover
            let failoverByPath = Dictionary(failover.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
            for path in previousPaths.keys.sorted() {
                let previous = previousPaths[path] ?? path
                let headSettings =
                    try headBlobs[path].flatMap { (blob) throws(GitError) in
                        try differ.values(ofBlob: blob, path: path, keys: keysRead)
                    } ?? [:]
                let baseSettings =
                    try baseBlobs[previous].flatMap { (blob) throws(GitError) in
                        try differ.values(ofBlob: blob, path: previous, keys: keysRead)
                    } ?? [:]
                files.append(
                    FileInput(
                        path: path, previousPath: previous == path ? nil : previous,
                        head: headSettings.mapValues(PolicyValue.init),
                        base: baseSettings.mapValues(PolicyValue.init), headFailover: failoverByPath[path]?.headFacts,
                        baseFailover: failoverByPath[path]?.baseFacts))
            }
            // Files the change did not touch but whose failover it changed (an override values
            // file over a changed `values.yaml`): the policy's `any file` sees them too.
            for change in failover where previousPaths[change.file] == nil {
                files.append(
                    FileInput(
                        path: change.file, head: [:], base: [:], headFailover: change.headFacts,
                        baseFailover: change.baseFacts))
            }
            let changedPaths = report.touchedPaths
            // Bytes git rewrites on their way out (attributes, submodules) are not the bytes judged:
            // such a change is refused, not judged.
            let unjudged = try CheckoutAttributes.problems(
                repository: repository, differ: &differ, report: report, head: head,
                selectors: Self.selectors(of: program))
            if !unjudged.isEmpty {
                decision.problems = unjudged
                return decision
            }
            // The policy is a protected setting of its own: editing the repository's policy files
            // needs their owners, and a push may not leave a policy that does not compile.
            let policyChange =
                request.policyPath == nil && changedPaths.contains { $0.hasPrefix(Self.policyDirectory + "/") }
            if policyChange {
                let left = try? PolicyLoader.load(in: repository, at: head)
                if let problem = Self.leftBroken(left) {
                    decision.problems = [GateProblem(.policyLeftBroken, problem)]
                    return decision
                }
            }

            let trailers = TrailerEvidence(
                commits: commits, trust: program.trustedTrailers, groups: program.groups,
                identities: program.identities,
                signatures: signatures(of: commits, trust: program.trustedTrailers))
            var input = EvaluationInput(
                changes: changes, files: files, ref: request.ref,
                authors: unique(commits.map(\.author.email)), committers: unique(commits.map(\.committer.email)),
                actor: request.actor, now: request.now, reviewers: request.reviewers + trailers.reviewers,
                tests: request.tests + trailers.tests, changedPaths: changedPaths, override: request.override)
            input.forced = forced
            input.extraRisk = extraRisk
            input.policyChange = policyChange
            input.brokenPolicy = brokenPolicy
            // `reverts` is worked out for the changes a condition asks about, when it asks: the
            // look-back reads and parses the earlier versions of the file.
            var detector = RevertDetector(
                lookBack: request.revertLookBack.with(program.revertWindow), tips: request.knownGoodTips)
            var prepared = false
            var known: [Int: Bool] = [:]
            var lookBackError: GitError?
            let reverts: Evaluator.RevertsLookup = { index in
                if let answer = known[index] { return answer }
                let change = report.changes[index]
                guard let base, lookBackError == nil, let new = change.new,
                    change.kind == .added || change.kind == .modified
                else {
                    return false
                }
                do throws(GitError) {
                    if !prepared {
                        let files = Set(report.changes.filter { $0.new != nil }.map { $0.previousFile ?? $0.file })
                        try detector.prepare(files: files, base: base, now: request.now, differ: &differ)
                        prepared = true
                    }
                    let answer = try detector.reverts(
                        file: change.previousFile ?? change.file, key: change.key, to: new, differ: &differ)
                    known[index] = answer
                    return answer
                } catch {
                    lookBackError = error
                    return false
                }
            }
            // A value a `deny` denies now is never a revert: judge first as if nothing reverted, and
            // keep that judgement when it denies (a deny that reads `not reverts` cannot be dodged).
            var askedReverts = false
            let strict = Evaluator.evaluate(program, input) { _ in
                askedReverts = true
                return false
            }
            var evaluation = strict
            if askedReverts, strict.verdicts.allSatisfy({ !($0.kind == .deny && $0.applies) }) {
                evaluation = Evaluator.evaluate(program, input, reverts: reverts)
            }
            // A look-back a condition needed and that could not read the history fails the decision
            // closed (a policy that never reads `reverts` never reads that history).
            if let lookBackError { throw lookBackError }
            // So does a look-back whose earlier versions would pass the bytes a decision reads.
            if let refusal = differ.budgetRefusal {
                decision.problems = [GateProblem(.readBudget, refusal.description)]
                return decision
            }
            decision.evaluation = evaluation
            decision.evidence = evidenceUses(input, ignoredTests: trailers.ignoredTests, identities: program.identities)
            switch evaluation.outcome {
            case .allow: decision.verdict = .allow
            case .warn: decision.verdict = .warn
            case .deny: decision.verdict = .deny
            }
        } catch {
            decision.problems.append(.from(error))
            decision.verdict = .error
        }
        return decision
    }

    /// Where a repository keeps its policy.
    public static let policyDirectory = "policies"

    /// Why the policy a change leaves behind cannot stand: it does not compile (or there is none);
    /// nil when it compiles.
    static func leftBroken(_ left: LoadedPolicy?) -> String? {
        guard let left else {
            return "this change leaves no readable policy under \(policyDirectory)/: every later push would be "
                + "refused. Keep at least one .policy file that compiles."
        }
        guard left.result.program == nil else { return nil }
        return "the policy this change leaves behind does not compile, which would refuse every later push "
            + "(the fix included): " + left.result.errors.map(\.description).joined(separator: "; ")
            + ". Run `changegate policy lint \(policyDirectory)/` and push the fix with this change."
    }

    /// What a decision says when the branch's own policy is broken and an older one judges.
    ///
    /// - Parameters:
    ///   - broken: The branch's own policy, which does not compile.
    ///   - commit: The commit whose policy judges instead.
    /// - Returns: The sentence, with the broken policy's errors.
    public static func brokenPolicyText(_ broken: LoadedPolicy, lastCompiled commit: ObjectID) -> String {
        let errors = broken.result.errors.map(\.description).joined(separator: "; ")
        return "the policy at \(broken.source) does not compile (\(errors)); judged by the last policy that "
            + "compiled (\(commit.short):\(policyDirectory)/), and only an override lands a change until it is fixed"
    }

    /// Why `path` cannot be the policy: it is inside the judged repository's work tree, where the
    /// checked-out files are the head's own (a change would relax the policy that judges it).
    static func insideWorkTree(_ path: String, of repository: Repository) -> String? {
        guard repository.workTreeRelativePath(of: path) != nil else { return nil }
        return "--policy \(path) is inside the repository being judged, whose checked-out files are the change's "
            + "own: a change could relax the policy that judges it. Drop --policy (the policy then comes from "
            + "the base revision), name the target branch with --policy-rev, or keep the server's policy outside "
            + "the work tree."
    }

    /// The policy's `files` lines as file selectors; every known config file (less its `ignore`
    /// globs) when it has none.
    /// Public for the commands that read settings the way the gate does (`changegate history`).
    ///
    /// - Parameter program: The checked policy.
    /// - Returns: One selector per glob of each `files` line, with its format, exclusions and
    ///   detection; ``FileSelector/knownConfigFiles`` less the `ignore` globs when there is none.
    public static func selectors(of program: Program) -> [FileSelector] {
        let declared = program.fileSelectors.flatMap { rule in
            rule.patterns.map {
                FileSelector(
                    $0, format: rule.format.flatMap(ConfigFormat.init(name:)), excluded: rule.excluded,
                    detect: rule.detect.flatMap(ConfigSystem.init(rawValue:)))
            }
        }
        // `ignore` holds for the default selection too.
        return declared.isEmpty
            ? FileSelector.excluding(program.ignoredPaths, from: FileSelector.knownConfigFiles) : declared
    }

    /// Each piece of evidence with whether it counted: reviewers who made the change, untrusted
    /// trailers and repeats of the same person are set aside (group membership is per rule and
    /// said in the rule's verdict).
    private func evidenceUses(
        _ input: EvaluationInput, ignoredTests: [TrailerEvidence.IgnoredTest], identities: IdentityMap
    ) -> [EvidenceUse] {
        let makers = Set((input.authors + input.committers).map(identities.person))
        var countedFrom: [String: String] = [:]
        var uses: [EvidenceUse] = []
        for reviewer in input.reviewers {
            let identity = identities.person(reviewer.identity)
            var reason: String? = nil
            if makers.contains(identity) {
                reason = "an author or committer of the change cannot review it"
            } else if !reviewer.counts {
                reason = reviewer.reason ?? "does not count"
            } else if let first = countedFrom[identity] {
                reason = "the same person already counted through \(first)"
            } else {
                countedFrom[identity] = reviewer.source
            }
            uses.append(
                EvidenceUse(
                    kind: .reviewer, subject: reviewer.identity, status: nil, source: reviewer.source,
                    counted: reason == nil, reason: reason))
        }
        for test in input.tests {
            uses.append(
                EvidenceUse(
                    kind: .test, subject: test.name, status: test.status.rawValue, source: test.source, counted: true,
                    reason: nil))
        }
        for ignored in ignoredTests {
            uses.append(
                EvidenceUse(
                    kind: .test, subject: ignored.test.name, status: ignored.test.status.rawValue,
                    source: ignored.test.source, counted: false, reason: ignored.reason))
        }
        return uses
    }

    /// The signatures of the commits that carry trailers, when the policy names keys to trust them by.
    private func signatures(of commits: [CommitInfo], trust: TrailerTrust?) -> [ObjectID: SignatureStatus] {
        guard let keys = trust?.allowedSigners else { return [:] }
        let carrying = commits.filter { !$0.trailers.isEmpty }.map(\.id)
        return CommitSignatures.verify(carrying, gitDirectory: repository.path, allowedSigners: keys)
    }

    private func unique(_ identities: [String]) -> [String] {
        var seen = Set<String>()
        return identities.filter { seen.insert($0.lowercased()).inserted }
    }
}
