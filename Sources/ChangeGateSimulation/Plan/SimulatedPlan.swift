import ChangeGate

/// The plan a simulation ran, whichever system: what a report says of it.
public enum SimulatedPlan: Sendable, Hashable {
    case patroni(PatroniPlan)
    case sentinel(SentinelPlan)

    /// The system the file is.
    public var system: ConfigSystem {
        switch self {
        case .patroni: .patroni
        case .sentinel: .sentinel
        }
    }

    /// What each scenario's cluster is, for the report's first line.
    public var cluster: String {
        switch self {
        case .patroni(let plan): "etcd and \(plan.members.count) Patroni members over PostgreSQL"
        case .sentinel:
            "a Redis master, \(SentinelPlan.serverCount - 1) replicas and \(SentinelPlan.sentinelCount) Sentinels"
        }
    }

    /// The settings that ran, in one line.
    public var ranWith: String {
        switch self {
        case .patroni(let plan):
            let timers = plan.dcs.map { "\($0.key) \($0.value.scalarText ?? "?")" }.joined(separator: ", ")
            var members: [String] = []
            for member in plan.members {
                let tags = member.tags.map { "\($0.key): \($0.value.scalarText ?? "?")" }
                members.append(tags.isEmpty ? member.name : "\(member.name) (\(tags.joined(separator: ", ")))")
            }
            return "\(timers); members \(members.joined(separator: ", "))"
        case .sentinel(let plan):
            return "quorum \(plan.quorum), down-after-milliseconds \(plan.downAfterMilliseconds), "
                + "failover-timeout \(plan.failoverTimeout), parallel-syncs \(plan.parallelSyncs)"
        }
    }

    public var fileAssessments: [FailoverAssessment] {
        switch self {
        case .patroni(let plan): plan.fileAssessments
        case .sentinel(let plan): plan.fileAssessments
        }
    }

    public var runAssessment: FailoverAssessment {
        switch self {
        case .patroni(let plan): plan.runAssessment
        case .sentinel(let plan): plan.runAssessment
        }
    }

    public var modelSaysPossible: Bool {
        switch self {
        case .patroni(let plan): plan.modelSaysPossible
        case .sentinel(let plan): plan.modelSaysPossible
        }
    }

    public var adjustments: [PlanNote] {
        switch self {
        case .patroni(let plan): plan.adjustments
        case .sentinel(let plan): plan.adjustments
        }
    }

    public var translations: [PlanNote] {
        switch self {
        case .patroni(let plan): plan.translations
        case .sentinel(let plan): plan.rewrites
        }
    }

    public var ignoredCommands: [String] {
        switch self {
        case .patroni(let plan): plan.ignoredCommands
        case .sentinel(let plan): plan.ignoredCommands
        }
    }
}
