import ChangeGate
import PolicyDSL

/// A commit status as the server posts it: one state, a short description, the status's name.
struct CommitStatus: Sendable, Hashable {
    /// The states every forge has, in ChangeGate's words; each forge spells them its own way
    /// (``forgeState(_:)``).
    enum State: String, Sendable, Hashable {
        case success, failure, error, pending
    }

    var state: State
    var description: String
    var context: String

    /// The status a decision posts: allowed (with warnings or not) is success, denied failure, not
    /// judged error.
    init(_ decision: GateDecision, context: String) {
        switch decision.verdict {
        case .allow, .warn: state = .success
        case .deny: state = .failure
        case .error: state = .error
        }
        // GitHub keeps 140 characters of a description: the verdict and the rules not met first.
        var summary = DecisionRenderer.summary(decision).split(separator: "\n").first.map(String.init) ?? ""
        let unmet = (decision.evaluation?.verdicts ?? []).filter { $0.applies && !$0.satisfied }.map(\.name)
        if decision.verdict == .deny, !unmet.isEmpty {
            summary = "denied: not met: " + unmet.joined(separator: "; ")
        }
        description = summary.count > 140 ? String(summary.prefix(139)) + "…" : summary
        self.context = context
    }

    init(state: State, description: String, context: String) {
        self.state = state
        self.description = description
        self.context = context
    }

    /// The state's spelling on `kind`: GitLab says `failed` where GitHub and Gitea say `failure`,
    /// and has no `error`.
    func forgeState(_ kind: ServerConfiguration.ForgeKind) -> String {
        switch (kind, state) {
        case (.gitlab, .failure), (.gitlab, .error): "failed"
        default: state.rawValue
        }
    }
}
