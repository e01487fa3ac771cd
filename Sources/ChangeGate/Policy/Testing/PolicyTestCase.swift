import PolicyDSL

/// One test case of a policy: the change set, the evidence, who and when, and what the policy must
/// decide. Read from a `*.test.yaml` file by ``PolicyTestFile``.
public struct PolicyTestCase: Sendable, Hashable {
    public var name: String
    /// Where the case starts, `file:line`, for failure messages.
    public var location: String
    public var input: EvaluationInput
    public var expectation: Expectation

    /// What the case expects; a nil field is not checked.
    public struct Expectation: Sendable, Hashable {
        public var decision: Outcome?
        public var risk: Int?
        /// Names of the rules that must fail (not satisfied); exactly these.
        public var failing: [String]?
        /// Names of the `warn` rules that must fire; exactly these.
        public var warnings: [String]?
        /// Names of the rules an override must have let through; exactly these.
        public var overridden: [String]?
        /// Risk reasons that must appear among the contributions (others may too).
        public var riskReasons: [String]?

        public init() {}

        var isEmpty: Bool {
            decision == nil && risk == nil && failing == nil && warnings == nil && overridden == nil
                && riskReasons == nil
        }
    }
}
