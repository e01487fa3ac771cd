/// CloudNativePG's failover for each `Cluster` document, from its documentation (docs/src/failover.md,
/// instance_manager.md, failure_modes.md, fencing.md; ../shared/reference/failover-timers.md § 2).
enum CloudNativePGFailoverModel {
    static let source = "CloudNativePG docs: failover.md, instance_manager.md"
    /// The readiness probe: 3 failures 10 s apart before the primary counts as unready.
    static let readiness = 30
    /// Kubernetes marks a lost node's pods unready after the node monitor grace period (40 s on
    /// 1.29–1.31, 50 s on 1.32+) and a 5 s poll: the later bound.
    static let nodeGrace = 55
    /// Promotion once the lease is held.
    static let promote = 5

    static func assess(_ settings: [String: ConfigValue], file: String) -> [FailoverAssessment] {
        // Each document's settings by their key within it.
        var documents: [String: [String: ConfigValue]] = [:]
        for (key, value) in settings {
            if let split = KeyPath.documentKey(key) {
                documents[String(split.document), default: [:]][String(split.key)] = value
            } else {
                documents["", default: [:]][key] = value
            }
        }
        return documents.keys.sorted().compactMap { name in
            let cluster = documents[name]!
            guard case .string(let api)? = cluster["apiVersion"], api.hasPrefix("postgresql.cnpg.io/"),
                cluster["kind"] == .string("Cluster")
            else { return nil }
            var result = assessCluster(cluster, prefix: name.isEmpty ? "" : name + ".", file: file)
            if case .string(let named)? = cluster["metadata.name"] { result.cluster = named }
            return result
        }
    }

    private static func assessCluster(_ cluster: [String: ConfigValue], prefix: String, file: String)
        -> FailoverAssessment
    {
        var result = FailoverAssessment(system: .cnpg, file: file)
        func number(_ key: String, default value: Int) -> Int {
            result.input([(prefix + key, cluster[key])], default: value, reported: prefix + key)
        }
        let instances = number("spec.instances", default: 1)
        let failoverDelay = number("spec.failoverDelay", default: 0)
        let switchoverDelay = number("spec.switchoverDelay", default: 3600)
        let lease = number("spec.primaryLease.leaseDurationSeconds", default: 15)
        result.bounds.append(
            .init(
                mode: .databaseCrashed, seconds: readiness + failoverDelay + switchoverDelay + lease + promote,
                formula: "readiness + failoverDelay + fast shutdown (≤ switchoverDelay) + lease + promote = "
                    + "\(readiness) + \(failoverDelay) + \(switchoverDelay) + \(lease) + \(promote)",
                source: source))
        result.bounds.append(
            .init(
                mode: .nodeLost, seconds: nodeGrace + failoverDelay + lease + promote,
                formula: "node grace + failoverDelay + lease + promote = \(nodeGrace) + \(failoverDelay) + \(lease) + "
                    + "\(promote)",
                source: "CloudNativePG docs: failover.md § Detection of node-level failures"))
        if instances < 2 {
            result.impossibleBecause.append(
                "\(prefix)spec.instances is \(instances): there is no standby to promote")
        }
        let annotations = "metadata.annotations."
        if case .string(let loop)? = cluster[annotations + KeyPath.segment("cnpg.io/reconciliationLoop")],
            loop.lowercased() == "disabled"
        {
            result.impossibleBecause.append(
                "the annotation cnpg.io/reconciliationLoop is \"disabled\": no self-healing and no failover "
                    + "(failure_modes.md)")
        }
        if case .string(let fenced)? = cluster[annotations + KeyPath.segment("cnpg.io/fencedInstances")],
            fenced.contains("\"*\"")
        {
            result.impossibleBecause.append("the annotation cnpg.io/fencedInstances fences every instance (fencing.md)")
        }
        let renew = FailoverModel.seconds(cluster["spec.primaryLease.renewDeadlineSeconds"]) ?? 10
        let retry = FailoverModel.seconds(cluster["spec.primaryLease.retryPeriodSeconds"]) ?? 2
        if !(lease > renew && Double(renew) > 1.2 * Double(retry)) {
            result.violations.append(
                "the primary lease needs leaseDuration \(lease) > renewDeadline \(renew) > 1.2 × retryPeriod \(retry) "
                    + "(admission refuses the Cluster)")
        }
        result.limits.append(
            "failoverQuorum's R + W ≤ N rule, readiness of the replicas and the node's Kubernetes version are not read")
        return result
    }
}
