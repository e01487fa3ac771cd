import PolicyDSL

/// What the gate decided, with everything a report needs to explain it.
///
/// A decision the gate could not reach has the verdict ``Verdict/error`` and no evaluation: its
/// `problems` say what kept the gate from judging (an unknown revision, a policy that does not
/// compile, a file that does not parse, a trail that could not be written), each with its
/// `file:line` where there is one. Every report renders them, and an error denies.
public struct GateDecision: Sendable {
    /// What the gate decided.
    public enum Verdict: String, Sendable, Hashable {
        /// `allow`: the change may go through; `warn`: it may, and a `warn` rule applies (a
        /// failure under `--fail-on-warn`); `deny`: a rule is not met, it may not.
        case allow, warn, deny
        /// The change could not be judged (unknown revision, broken policy, unparsable file): denied.
        case error
    }

    /// What the gate decided.
    public var verdict: Verdict
    /// The base commit; nil when it did not resolve, or for a new ref's first push.
    public var base: ObjectID?
    /// The head commit; nil when it did not resolve.
    public var head: ObjectID?
    /// How `base` relates to `head`, for `check` (which judges from their merge base); nil for the
    /// hook, which compares the ref's old tip with the new.
    public var ancestry: Ancestry?
    /// The policy's name (`policy "…"`); nil when none compiled.
    public var policyName: String?
    /// Where the policy came from: `abc1234:policies/` or a path given with --policy.
    public var policySource: String?
    /// The fingerprint of the policy and group files (see ``LoadedPolicy/sha256``).
    public var policySHA256: String?
    /// Every file the policy was built from, with its digest.
    public var policyFiles: [LoadedPolicy.File] = []
    /// The policy's evaluation; nil when the change could not be judged.
    public var evaluation: Evaluation?
    /// The changed settings.
    public var changes: [SettingChange]
    /// The commits of the change, newest first.
    public var commits: [CommitInfo]
    /// Every piece of evidence offered, where it came from and whether it counted.
    public var evidence: [EvidenceUse] = []
    /// The override asked for, if any; whether it was honoured is in the rules' verdicts.
    public var override: OverrideRequest?
    /// Why the change could not be judged, each typed, with file:line where there is one.
    public var problems: [GateProblem]
    /// Warnings about the changed files (a formatting-only change, a duplicate the base had).
    public var fileWarnings: [FileWarning] = []
    /// Every repository path the change touched: the files a report may point at.
    public var touchedPaths: [String] = []
    /// True when the policy came from the repository (`policies/` at a commit), so that a report may
    /// point at its files; false for `--policy PATH`, which lives outside the repository.
    public var policyInRepository = false
    /// The failover model's view of each changed file it reads, before and after.
    public var failover: [FailoverChange] = []

    /// A decision; the gate fills in the rest as it goes.
    ///
    /// - Parameters:
    ///   - verdict: What was decided.
    ///   - base: The base commit.
    ///   - head: The head commit.
    ///   - policyName: The policy's name.
    ///   - policySource: Where the policy came from.
    ///   - evaluation: The policy's evaluation.
    ///   - changes: The changed settings.
    ///   - commits: The commits of the change.
    ///   - problems: Why the change could not be judged.
    public init(
        verdict: Verdict, base: ObjectID? = nil, head: ObjectID? = nil, policyName: String? = nil,
        policySource: String? = nil, evaluation: Evaluation? = nil, changes: [SettingChange] = [],
        commits: [CommitInfo] = [], problems: [GateProblem] = []
    ) {
        self.verdict = verdict
        self.base = base
        self.head = head
        self.policyName = policyName
        self.policySource = policySource
        self.evaluation = evaluation
        self.changes = changes
        self.commits = commits
        self.problems = problems
    }

    /// The commit the settings were compared from: the merge base when `base` is not an ancestor
    /// of `head`, else `base`.
    public var comparedFrom: ObjectID? {
        guard let ancestry, !ancestry.baseIsAncestor, let mergeBase = ancestry.mergeBase else { return base }
        return mergeBase
    }

    /// What a report says about a base that is not an ancestor of the head; nil when it is.
    public var ancestryNote: String? {
        // Unrelated histories are a problem of the decision, said there.
        guard let ancestry, ancestry.mergeBase != nil, let note = ancestry.note else { return nil }
        if ancestry.headIsAncestor { return note }
        return note + "; the changes are the head's since then (as a pull request shows them: "
            + "`git diff BASE...HEAD`), the commits `BASE..HEAD`"
    }

    /// 0 allow or warn, 1 deny, 2 error (which denies too).
    public var exitCode: Int32 {
        switch verdict {
        case .allow, .warn: 0
        case .deny: 1
        case .error: 2
        }
    }

    /// True when an override let at least one rule through.
    public var overridden: Bool { evaluation?.verdicts.contains(where: \.overridden) ?? false }

    /// The line of a changed setting in its file (the head side, or the base side for a removal).
    ///
    /// - Parameters:
    ///   - file: The file's path in the repository.
    ///   - key: The setting's key path.
    /// - Returns: The line; nil when the decision has no such change, or it has no line.
    public func line(file: String, key: String) -> Int? {
        guard let change = changes.first(where: { $0.file == file && $0.key == key }) else { return nil }
        return change.headLine ?? change.baseLine
    }
}

/// One piece of evidence as the decision saw it.
public struct EvidenceUse: Sendable, Hashable {
    /// What the evidence is.
    public enum Kind: String, Sendable, Hashable {
        /// `reviewer`: an approval; `test`: a test result.
        case reviewer, test
    }

    /// What the evidence is.
    public var kind: Kind
    /// The reviewer's identity or the test's name.
    public var subject: String
    /// A test's result (passed, failed, error, skipped); nil for a reviewer.
    public var status: String?
    /// Where it came from: the evidence file, a JUnit report, a trailer in a commit.
    public var source: String
    /// False when the gate set it aside; `reason` says why.
    public var counted: Bool
    /// Why it was set aside; nil when it counted.
    public var reason: String?
}
