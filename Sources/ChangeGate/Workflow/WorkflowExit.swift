/// The exit codes of ChangeGate's workflows, mapped in one place so that the CLI, the hook and a
/// server's status codes agree on what each outcome means.
public enum WorkflowExit: Int32, Sendable, Hashable {
    /// Allowed (warnings may have been printed), accepted, or done.
    case success = 0
    /// The answer is no: denied, a push refused, a check that found what it looks for (a tampered
    /// or damaged trail, an unformatted policy, a failing policy test, failover not possible).
    case refused = 1
    /// Not judged: a usage or configuration error, a repository, policy or trail that could not be
    /// read. A check that ends here denies too.
    case error = 2

    /// A check's exit: the decision's verdict, and 1 for warnings too under `failOnWarn`.
    ///
    /// - Parameters:
    ///   - decision: The gate's decision.
    ///   - failOnWarn: Whether an allow with warnings fails (conftest's `--fail-on-warn`).
    /// - Returns: ``success`` for an allow (and a warn, unless `failOnWarn`), ``refused`` for a
    ///   deny, ``error`` for a change that could not be judged.
    public static func check(_ decision: GateDecision, failOnWarn: Bool) -> WorkflowExit {
        switch decision.verdict {
        case .allow: .success
        case .warn: failOnWarn ? .refused : .success
        case .deny: .refused
        case .error: .error
        }
    }

    /// A hook's exit: git reads only zero or not, and every failure refuses, so it is 0 or 1.
    ///
    /// - Parameter accepted: Whether the hook accepts the push (or recorded everything).
    /// - Returns: ``success`` or ``refused``.
    public static func hook(accepted: Bool) -> WorkflowExit { accepted ? .success : .refused }
}
