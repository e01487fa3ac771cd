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
            if let split = SettingPath.documentKey(key) {
                documents[String(split.document), default: [:]][String(split.key)] = value
            } else {
                documents["", default: [:]][key] = value
            }
        }
        // A `kind: List` document's items are documents of their own: `items[0].spec.instances`.
        for (name, document) in documents where document["kind"] == .string("List") {
            for (key, value) in document {
                guard key.hasPrefix("items["), let close = key.firstIndex(of: "]") else { continue }
                let item = String(key[...close])
                let rest = key[key.index(after: close)...]
                guard rest.hasPrefix(".") else { continue }
                documents[(name.isEmpty ? "" : name + ".") + item, default: [:]][String(rest.dropFirst())] = value
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

    /// Quorum-based failover (failover.md § Failover Quorum): a replica is promoted only when
    /// R + W > N, R the promotable replicas, W `synchronous.number`, N the potentially synchronous
    /// replicas. With every replica up R = N, so the file decides only how many replicas may be down
    /// besides the primary (W − 1), and whether W leaves any (W < 1: no standby is synchronous).
    private static func quorum(
        _ cluster: [String: ConfigValue], prefix: String, instances: Int, into result: inout FailoverAssessment
    ) {
        let annotation = cluster["metadata.annotations." + SettingPath.segment("alpha.cnpg.io/failoverQuorum")]
        // The deprecated annotation takes precedence over the field (failover.md).
        let enabled: Bool
        if case .string(let text)? = annotation {
            enabled = text.lowercased() == "true"
        } else {
            enabled = FailoverModel.truthy(cluster["spec.postgresql.synchronous.failoverQuorum"])
        }
        guard enabled else { return }
        let key = "spec.postgresql.synchronous.number"
        var potential = instances - 1
        if let cap = FailoverModel.seconds(cluster["spec.postgresql.synchronous.maxStandbyNamesFromCluster"]) {
            potential = min(potential, cap)
        }
        guard let written = FailoverModel.seconds(cluster[key]) else {
            result.limits.append("failoverQuorum is on without \(prefix)\(key): admission refuses such a Cluster")
            return
        }
        result.inputs.append(.init(key: prefix + key, value: String(written), assumed: false))
        if written < 1 || potential < 1 {
            result.impossibleBecause.append(
                "failoverQuorum with \(prefix)\(key) \(written) and \(potential) potentially synchronous "
                    + "replica(s): R + W > N can never hold, so no replica is promoted (failover.md § Failover Quorum)")
        } else {
            result.limits.append(
                "failoverQuorum: R + W > N with W = \(written), N = \(potential): failover waits while more than "
                    + "\(written - 1) replica(s) are down besides the primary")
        }
    }

    private static func assessCluster(_ cluster: [String: ConfigValue], prefix: String, file: String)
        -> FailoverAssessment
    {
        var result = FailoverAssessment(system: .cnpg, file: file)
        func number(_ key: String, default value: Int) -> Int {
            result.input([(prefix + key, cluster[key])], default: value, reported: prefix + key, semantics: .integer)
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
        if case .string(let loop)? = cluster[annotations + SettingPath.segment("cnpg.io/reconciliationLoop")],
            loop.lowercased() == "disabled"
        {
            result.impossibleBecause.append(
                "the annotation cnpg.io/reconciliationLoop is \"disabled\": no self-healing and no failover "
                    + "(failure_modes.md)")
        }
        if case .string(let fenced)? = cluster[annotations + SettingPath.segment("cnpg.io/fencedInstances")] {
            let trimmed = fenced.filter { !$0.isWhitespace }
            if trimmed.contains("\"*\"") {
                result.impossibleBecause.append(
                    "the annotation cnpg.io/fencedInstances fences every instance (fencing.md)")
            } else if trimmed != "[]", !trimmed.isEmpty {
                // Which instance is the primary is not in the file, and a fenced primary is shut down
                // with no failover: fencing any instance may stop writes for good.
                result.impossibleBecause.append(
                    "the annotation cnpg.io/fencedInstances fences \(fenced): a fenced primary is shut down and no "
                        + "failover happens (fencing.md), and which instance is the primary is not in the file")
            }
        }
        let renew = FailoverModel.boundedSeconds(cluster["spec.primaryLease.renewDeadlineSeconds"]) ?? 10
        let retry = FailoverModel.boundedSeconds(cluster["spec.primaryLease.retryPeriodSeconds"]) ?? 2
        if !(lease > renew && Double(renew) > 1.2 * Double(retry)) {
            result.violations.append(
                "the primary lease needs leaseDuration \(lease) > renewDeadline \(renew) > 1.2 × retryPeriod \(retry) "
                    + "(admission refuses the Cluster)")
        }
        quorum(cluster, prefix: prefix, instances: instances, into: &result)
        result.limits.append("the replicas' readiness and the node's Kubernetes version are not in the file")
        return result
    }
}
