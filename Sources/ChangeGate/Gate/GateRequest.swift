import PolicyDSL

/// Everything the gate decides on: the two revisions, the policy, the evidence, who and when.
public struct GateRequest: Sendable {
    /// The target branch before the change: the policy comes from here unless `policyPath` is set.
    public var base: String
    /// The change's tip.
    public var head: String
    /// A policy file or directory outside the repository (the server's own copy); never the head's:
    /// a path inside the judged repository's work tree is refused.
    public var policyPath: String?
    /// The revision whose `policies/` judge the change, when not the base: the target branch's tip,
    /// while the diff runs from the merge base (a change cannot escape a policy the target branch
    /// tightened after it forked).
    public var policyRevision: String?
    /// The ref being updated (`refs/heads/main`); "" for none. The policy's `ref` field.
    public var ref: String
    /// Who asks for the change to go through (the pusher, CI's user).
    public var actor: String?
    /// Seconds since the Unix epoch.
    public var now: Int
    /// The reviewers' approvals offered as evidence.
    public var reviewers: [ReviewerEvidence]
    /// The test results offered as evidence.
    public var tests: [TestEvidence]
    /// An emergency override asked for; whether it is honoured is each rule's.
    public var override: OverrideRequest?
    /// How far back `reverts` looks; a policy's `reverts within …` line narrows it.
    public var revertLookBack: RevertLookBack
    /// The branch tips `reverts` may restore; the hook passes the ones its trail recorded.
    public var knownGoodTips: KnownGoodTips
    /// The most bytes of config files the decision reads from git, both sides of every selected
    /// file and the look-back's earlier versions together (``ReadBudget``): a change over it is
    /// refused before its files are read.
    public var maxBytesRead: Int = ReadBudget.defaultMaxBytes

    /// A request.
    ///
    /// - Parameters:
    ///   - base: The target branch before the change.
    ///   - head: The change's tip.
    ///   - policyPath: A policy file or directory outside the repository; nil for the repository's
    ///     own `policies/`.
    ///   - ref: The ref being updated; "" for none.
    ///   - actor: Who asks.
    ///   - now: The time the change is judged as of, in seconds since the Unix epoch.
    ///   - reviewers: The approvals offered.
    ///   - tests: The test results offered.
    ///   - override: An emergency override asked for.
    ///   - revertLookBack: How far back `reverts` looks.
    ///   - knownGoodTips: The branch tips `reverts` may restore.
    ///   - policyRevision: The revision whose `policies/` judge the change; nil for the base.
    public init(
        base: String, head: String, policyPath: String? = nil, ref: String = "", actor: String? = nil, now: Int,
        reviewers: [ReviewerEvidence] = [], tests: [TestEvidence] = [], override: OverrideRequest? = nil,
        revertLookBack: RevertLookBack = RevertLookBack(), knownGoodTips: KnownGoodTips = .firstParentHistory,
        policyRevision: String? = nil
    ) {
        self.policyRevision = policyRevision
        self.knownGoodTips = knownGoodTips
        self.base = base
        self.head = head
        self.policyPath = policyPath
        self.ref = ref
        self.actor = actor
        self.now = now
        self.reviewers = reviewers
        self.tests = tests
        self.override = override
        self.revertLookBack = revertLookBack
    }
}

/// How far back `reverts` looks on the base branch's first-parent history, and how long a value
/// must have stood at the branch's tips to count as known good. A policy's `reverts within …
/// stable … over … commits` line sets each part (``with(_:)``).
public struct RevertLookBack: Sendable, Hashable {
    /// 90 days.
    public static let defaultSeconds = 90 * 86_400
    /// One day.
    public static let defaultStable = 86_400
    /// 500 commits.
    public static let defaultCommits = 500

    /// The look-back in seconds.
    public var seconds: Int
    /// Seconds a value must have stood at the tips.
    public var stable: Int
    /// The most first-parent commits looked at.
    public var commits: Int

    /// Bounds for `reverts`.
    ///
    /// - Parameters:
    ///   - seconds: The look-back in seconds.
    ///   - stable: Seconds a value must have stood at the tips to count as known good.
    ///   - commits: The most first-parent commits looked at.
    public init(
        seconds: Int = RevertLookBack.defaultSeconds, stable: Int = RevertLookBack.defaultStable,
        commits: Int = RevertLookBack.defaultCommits
    ) {
        self.seconds = seconds
        self.stable = stable
        self.commits = commits
    }

    /// These bounds with the parts a policy sets.
    ///
    /// - Parameter window: The policy's `reverts within … stable … over … commits` line.
    /// - Returns: The bounds, each part the window sets replaced.
    public func with(_ window: RevertWindow) -> RevertLookBack {
        RevertLookBack(
            seconds: window.within ?? seconds, stable: window.stable ?? stable, commits: window.commits ?? commits)
    }
}
