/// MySQL Orchestrator's automated master recovery, from its documentation
/// (docs/configuration-recovery.md, configuration-failure-detection.md, go/config/config.go;
/// ../shared/reference/failover-timers.md § 3).
enum OrchestratorFailoverModel {
    static let source = "Orchestrator docs: configuration-failure-detection.md, configuration-recovery.md"
    /// How long the replicas may take to notice a dead master: "without [slave_net_timeout and a
    /// heartbeat] some scenarios may take up to a minute to detect". MySQL settings are not in this file.
    static let replicaDetection = 60
    /// Recovery "immediately follows detection"; promotion and repointing replicas, assumed.
    static let recover = 5

    static func assess(_ settings: [String: ConfigValue], file: String) -> FailoverAssessment {
        var result = FailoverAssessment(system: .orchestrator, file: file)
        // Go's encoding/json matches keys in any case, Unicode-wide (``KeyFolding``).
        var byName: [String: (key: String, value: ConfigValue)] = [:]
        for (key, value) in settings where !key.contains("[") { byName[KeyFolding.go(key)] = (key, value) }
        func number(_ name: String, default value: Int) -> Int {
            let found = byName[KeyFolding.go(name)]
            return result.input(
                [(found?.key ?? name, found?.value)], default: value, reported: name, semantics: .integer)
        }
        let poll = number("InstancePollSeconds", default: 5)
        let block = number("RecoveryPeriodBlockSeconds", default: 3600)
        result.bounds.append(
            .init(
                mode: .nodeLost, seconds: poll + replicaDetection + recover,
                formula: "InstancePollSeconds + replicas' detection (assumed ≤ \(replicaDetection) s) + recovery = "
                    + "\(poll) + \(replicaDetection) + \(recover); a second failure within RecoveryPeriodBlockSeconds = "
                    + "\(block) s is not recovered",
                source: source))
        // Recovery is opt-in: the default filter list is empty.
        let filters = settings.keys.filter { KeyFolding.go($0).hasPrefix("recovermasterclusterfilters[") }
        if filters.isEmpty {
            result.impossibleBecause.append(
                "RecoverMasterClusterFilters is empty or unset: no cluster's master is recovered automatically "
                    + "(recovery is opt-in, configuration-recovery.md)")
        }
        result.inputs.append(
            .init(key: "RecoverMasterClusterFilters", value: "\(filters.count) filter(s)", assumed: filters.isEmpty))
        if block == 0 {
            result.violations.append(
                "RecoveryPeriodBlockSeconds is 0: no anti-flapping, a recovered cluster can fail over again at once")
        }
        for name in ["PreventCrossDataCenterMasterFailover", "PreventCrossRegionMasterFailover"]
        where FailoverModel.truthy(byName[KeyFolding.go(name)]?.value) {
            result.limits.append(
                "\(name) is on: without a candidate in the same data center or region, recovery aborts")
        }
        result.limits.append(
            "whether the filters match this cluster's name, downtimes and promotion rules are not in the file")
        return result
    }
}
