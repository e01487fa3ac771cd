import PolicyDSL

/// Everything the gate decides on: the two revisions, the policy, the evidence, who and when.
public struct GateRequest: Sendable {
    /// The target branch before the change: the policy comes from here unless `policyPath` is set.
    public var base: String
    public var head: String
    /// A policy file or directory outside the repository (the server's own copy); never the head's.
    public var policyPath: String?
    public var ref: String
    public var actor: String?
    /// Seconds since the Unix epoch.
    public var now: Int
    public var reviewers: [ReviewerEvidence]
    public var tests: [TestEvidence]
    public var override: OverrideRequest?
    public var revertLookBack: RevertLookBack

    public init(
        base: String, head: String, policyPath: String? = nil, ref: String = "", actor: String? = nil, now: Int,
        reviewers: [ReviewerEvidence] = [], tests: [TestEvidence] = [], override: OverrideRequest? = nil,
        revertLookBack: RevertLookBack = RevertLookBack()
    ) {
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

/// How far back `reverts` looks on the base branch's first-parent history.
public struct RevertLookBack: Sendable, Hashable {
    public var days: Int
    public var commits: Int

    public init(days: Int = 90, commits: Int = 500) {
        self.days = days
        self.commits = commits
    }
}
