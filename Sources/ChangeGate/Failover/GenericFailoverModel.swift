/// The generic `failover:` block of the demo repository's files (`enabled`, `mode`,
/// `promotion_timeout`, `health_checks`, `members[].priority`): no system documents it, so the
/// model concludes only what the block says of itself.
enum GenericFailoverModel {
    static func assess(_ settings: [String: ConfigValue], file: String) -> FailoverAssessment? {
        guard settings.keys.contains(where: { $0.hasPrefix("failover.") }) else { return nil }
        var result = FailoverAssessment(system: nil, file: file)
        if let enabled = settings["failover.enabled"], !FailoverModel.truthy(enabled) {
            result.impossibleBecause.append("failover.enabled is \(enabled.scalarText ?? "false")")
        }
        if case .string(let mode)? = settings["failover.mode"], mode.lowercased() != "automatic" {
            result.impossibleBecause.append("failover.mode is \"\(mode)\": a person must promote")
        }
        // Members that could take over: every one that is not the primary, with a priority above 0.
        let members = Set(
            settings.keys.compactMap { key -> String? in
                guard key.hasPrefix("failover.members["), let close = key.firstIndex(of: "]") else { return nil }
                return String(key[..<key.index(after: close)])
            })
        if !members.isEmpty {
            var blocked: [String] = []
            var candidates = 0
            for member in members.sorted() {
                if case .string(let role)? = settings[member + ".role"], role == "primary" { continue }
                if let priority = FailoverModel.seconds(settings[member + ".priority"]), priority <= 0 {
                    blocked.append("\(member).priority is \(priority)")
                } else {
                    candidates += 1
                }
            }
            if candidates == 0 {
                result.impossibleBecause.append(
                    "no member but the primary may be promoted (" + blocked.joined(separator: ", ") + ")")
            }
        }
        let interval = FailoverModel.boundedSeconds(settings["failover.health_checks.interval"])
        let threshold = FailoverModel.boundedSeconds(settings["failover.health_checks.failure_threshold"])
        let promotion = FailoverModel.boundedSeconds(settings["failover.promotion_timeout"])
        if let interval, let threshold, let promotion {
            for (key, value) in [
                ("failover.health_checks.interval", interval), ("failover.health_checks.failure_threshold", threshold),
                ("failover.promotion_timeout", promotion),
            ] {
                result.inputs.append(.init(key: key, value: String(value), assumed: false))
            }
            result.bounds.append(
                .init(
                    mode: .nodeLost, seconds: interval * threshold + promotion,
                    formula: "health_checks.interval × failure_threshold + promotion_timeout = \(interval) × "
                        + "\(threshold) + \(promotion)",
                    source: "the block's own meaning (no system documents it)"))
        } else {
            result.limits.append("without health_checks and promotion_timeout, no time bound")
        }
        result.limits.append(
            "what reads this block (a controller, a runbook) is not known: its bound is the block's own")
        return result
    }
}
