/// Redis Sentinel deployed by the Bitnami `redis` Helm chart, from its values (bitnami/charts
/// bitnami/redis/values.yaml and README; Sentinel's own timers as in ``SentinelFailoverModel``).
/// Every one of the `replica.replicaCount` pods runs a Sentinel beside Redis, so the Sentinels
/// deployed are the pods. A values file is read over the chart's documented defaults and, for an
/// override file (`values-prod.yaml`), over the `values.yaml` beside it (``FailoverModel/valuesDefaults(for:)``).
enum HelmRedisFailoverModel {
    static let source = "bitnami/charts bitnami/redis/values.yaml; Redis docs: sentinel.md"

    /// The file's values, read over `defaults` (the `values.yaml` it overrides); nil when they are not
    /// the chart's Sentinel values: a `sentinel.enabled` or `sentinel.quorum`, and the chart's own
    /// `replica.replicaCount` or `architecture` (other charts name them otherwise).
    static func assess(_ values: [String: ConfigValue], file: String, defaults: ValuesDefaults? = nil)
        -> FailoverAssessment?
    {
        var merged = defaults?.settings ?? [:]
        for (key, value) in values { merged[key] = value }
        guard merged["sentinel.enabled"] != nil || merged["sentinel.quorum"] != nil,
            merged["replica.replicaCount"] != nil || merged["architecture"] != nil
        else { return nil }
        var result = FailoverAssessment(system: .sentinel, file: file)
        result.cluster = "(Helm values, bitnami/redis)"
        // The chart renders each value into sentinel.conf, which Sentinel reads with atoi.
        func read(_ key: String, default value: Int) -> Int {
            if values[key] != nil {
                return result.input([(key, values[key])], default: value, reported: key, semantics: .atoi)
            }
            if let defaults, defaults.settings[key] != nil {
                let read = result.input(
                    [(key, defaults.settings[key])], default: value, reported: key, semantics: .atoi)
                if let last = result.inputs.indices.last {
                    result.inputs[last].value += " (\(defaults.path))"
                }
                return read
            }
            result.inputs.append(.init(key: key, value: String(value), assumed: true))
            return value
        }
        let quorum = read("sentinel.quorum", default: 2)
        let pods = read("replica.replicaCount", default: 3)
        let downAfter = read("sentinel.downAfterMilliseconds", default: 60_000)
        let failoverTimeout = read("sentinel.failoverTimeout", default: 180_000)
        let seconds = (downAfter + 999) / 1000 + SentinelFailoverModel.electAndPromote
        result.bounds.append(
            .init(
                mode: .nodeLost, seconds: seconds,
                formula: "sentinel.downAfterMilliseconds / 1000 + election and promotion = \(downAfter / 1000) + "
                    + "\(SentinelFailoverModel.electAndPromote) (a failed election retries after 2 × failoverTimeout = "
                    + "\(2 * failoverTimeout / 1000) s)",
                source: source))
        if case .string(let architecture)? = merged["architecture"], architecture == "standalone" {
            result.impossibleBecause.append("architecture is \"standalone\": there is no replica to promote")
        }
        if let enabled = merged["sentinel.enabled"], !FailoverModel.truthy(enabled) {
            result.impossibleBecause.append(
                "sentinel.enabled is false: without Sentinel the chart's replicas are never promoted")
        } else if merged["sentinel.enabled"] == nil {
            result.impossibleBecause.append(
                "sentinel.enabled is unset (the chart's default is false): without Sentinel no replica is promoted")
        }
        if pods < 2 {
            result.impossibleBecause.append("replica.replicaCount is \(pods): there is no second pod to promote")
        }
        // A quorum no deployment can reach is a mistake, not a choice: both impossible and broken.
        if quorum < 1 {
            result.impossibleBecause.append("sentinel.quorum is \(quorum): the master is never agreed down")
            result.violations.append("sentinel.quorum is \(quorum): a quorum is at least 1")
        } else if quorum > pods {
            let reason =
                "sentinel.quorum is \(quorum) with \(pods) Sentinels (one per replica.replicaCount pod): "
                + "the master is never agreed down"
            result.impossibleBecause.append(reason)
            result.violations.append(reason)
        } else if quorum > pods / 2 + 1 {
            result.limits.append(
                "sentinel.quorum \(quorum) is above a majority of \(pods): failover needs \(quorum) Sentinels up")
        }
        result.limits.append("the chart's version is not read: the defaults are those of bitnami/redis's values.yaml")
        return result
    }
}

/// The `values.yaml` an override values file (`values-prod.yaml`) is layered on, flattened.
public struct ValuesDefaults: Sendable, Hashable {
    /// The `values.yaml` file's path.
    public var path: String
    /// Its flattened settings.
    public var settings: [String: ConfigValue]

    /// A chart's defaults.
    ///
    /// - Parameters:
    ///   - path: The file's path.
    ///   - settings: Its flattened settings.
    public init(path: String, settings: [String: ConfigValue]) {
        self.path = path
        self.settings = settings
    }

    /// The `values.yaml` (or `values.yml`) beside `path` that Helm would layer it over
    /// (`helm -f values.yaml -f values-prod.yaml`), in the order to try: for the usual override
    /// names (`values-prod.yaml`, `values.prod.yml`, `values_prod.yaml`, `prod.values.yaml`,
    /// `prod-values.yaml`), and for any other YAML file whose own `settings` are the chart's
    /// (`sentinel.…`, `replica.…`, `master.…`, `architecture`, `auth.…`), as `prod.yaml`. Empty for
    /// `values.yaml` itself and for files that are neither.
    ///
    /// - Parameters:
    ///   - path: An override file's path.
    ///   - settings: Its flattened settings.
    /// - Returns: The paths to try, nearest first.
    public static func defaultsCandidates(for path: String, settings: [String: ConfigValue] = [:]) -> [String] {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let ext = [".yaml", ".yml"].first(where: { name.hasSuffix($0) }) else { return [] }
        let stem = name.dropLast(ext.count)
        guard stem != "values", stem != "Chart" else { return [] }
        let conventional =
            ["values-", "values.", "values_"].contains { stem.hasPrefix($0) }
            || [".values", "-values", "_values"].contains { stem.hasSuffix($0) }
        let chartValues = settings.keys.contains { key in
            ["sentinel.", "replica.", "master.", "auth."].contains { key.hasPrefix($0) } || key == "architecture"
        }
        guard conventional || chartValues else { return [] }
        return [folder + "values.yaml", folder + "values.yml"]
    }
}
