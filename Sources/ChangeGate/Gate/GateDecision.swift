import PolicyDSL

/// What the gate decided, with everything a report needs to explain it.
public struct GateDecision: Sendable {
    public enum Verdict: String, Sendable, Hashable {
        case allow, warn, deny
        /// The change could not be judged (unknown revision, broken policy, unparsable file): denied.
        case error
    }

    public var verdict: Verdict
    public var base: ObjectID?
    public var head: ObjectID?
    public var policyName: String?
    /// Where the policy came from: `abc1234:policies/` or a path given with --policy.
    public var policySource: String?
    public var evaluation: Evaluation?
    public var changes: [SettingChange]
    public var commits: [CommitInfo]
    /// Why the change could not be judged, each with file:line where there is one.
    public var problems: [String]

    /// 0 allow or warn, 1 deny, 2 error (which denies too).
    public var exitCode: Int32 {
        switch verdict {
        case .allow, .warn: 0
        case .deny: 1
        case .error: 2
        }
    }
}
