/// The outcome of a policy.
public enum Outcome: String, Sendable, Hashable, Comparable {
    case allow, warn, deny

    private var rank: Int {
        switch self {
        case .allow: 0
        case .warn: 1
        case .deny: 2
        }
    }

    public static func < (lhs: Outcome, rhs: Outcome) -> Bool { lhs.rank < rhs.rank }
}

/// One contribution to the risk total.
public struct RiskItem: Sendable, Hashable {
    /// Where the points come from, so a report can single some out without reading ``reason``.
    public enum Kind: String, Sendable, Hashable {
        /// A watched setting changed: the watch's weight.
        case watchedSetting
        /// A `risk` line of the policy held.
        case policyLine
        /// The push rewrites the ref's history (not a fast-forward): the gate's own points.
        case rewritesHistory
        /// A new ref starts behind the default branch, judged like a force push.
        case behindDefaultBranch
    }

    public var kind: Kind
    public var points: Int
    public var reason: String
    /// The change it was counted for; nil for a per-change-set line.
    public var file: String?
    public var key: String?

    /// A contribution.
    ///
    /// - Parameters:
    ///   - kind: Where the points come from (a policy's `risk` line unless said otherwise).
    ///   - points: The points it adds (negative to take away).
    ///   - reason: The risk line's reason.
    ///   - file: The file of the change it was counted for.
    ///   - key: The key of that change.
    public init(kind: Kind = .policyLine, points: Int, reason: String, file: String? = nil, key: String? = nil) {
        self.kind = kind
        self.points = points
        self.reason = reason
        self.file = file
        self.key = key
    }

    /// True for the points a push earns by rewriting history or starting behind the default branch.
    public var isForcePush: Bool { kind == .rewritesHistory || kind == .behindDefaultBranch }
}

/// What one rule decided, and why, in words.
public struct RuleVerdict: Sendable, Hashable {
    public var kind: Rule.Kind
    public var name: String
    /// Whether the rule's condition held (for `require`, whether the block applies).
    public var applies: Bool
    /// True when the rule lets the change through: a deny that does not apply, a requirement met.
    public var satisfied: Bool
    /// True when an authorized override let an unmet requirement or a freeze through.
    public var overridden: Bool
    /// The decision in plain words.
    public var reason: String
    /// For an unmet rule: each thing it still needs, typed, with the sentence that says what to do.
    public var missing: [Shortfall]
    public var range: SourceRange
    /// The change (or file) that made the rule's condition hold, for reports that point at a line.
    public var witness: RuleWitness? = nil
}

/// The first change or file for which a rule's `any` condition held.
public struct RuleWitness: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// Nil when the condition was about a file (`any file (…)`).
    public var key: String?

    public var description: String { key.map { "\(file): \($0)" } ?? file }
}

/// Every rule's verdict, the risk and its parts, and the outcome.
public struct Evaluation: Sendable, Hashable {
    public var outcome: Outcome
    public var risk: Int
    public var riskItems: [RiskItem]
    public var verdicts: [RuleVerdict]
    /// Settings that matched a watch: (file, key, weight, tags).
    public var watched: [WatchedChange]
}

/// A change matched to its most specific watch.
public struct WatchedChange: Sendable, Hashable {
    public var file: String
    public var key: String
    public var weight: Int
    public var tags: [String]
}
