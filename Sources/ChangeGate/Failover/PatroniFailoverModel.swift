/// Patroni's failover, from its documentation (docs/dynamic_configuration.rst, yaml_configuration.rst,
/// replication_modes.rst, pause.rst, watchdog.rst; ../shared/reference/failover-timers.md § 1).
enum PatroniFailoverModel {
    static let source = "Patroni docs: dynamic_configuration.rst"
    /// Seconds the winner of the leader race takes to promote: Patroni's own acceptance test allows
    /// ttl + 5 s for a new primary after the old one's Patroni is killed
    /// (features/dcs_failsafe_mode.feature).
    static let promote = 5

    static func assess(_ settings: [String: ConfigValue], file: String) -> FailoverAssessment {
        var result = FailoverAssessment(system: .patroni, file: file)
        // The dynamic configuration sits under bootstrap.dcs in a member's file; a dump of the DCS
        // (`patronictl show-config`) has it at the top.
        let prefix = settings.keys.contains { $0.hasPrefix("bootstrap.dcs.") } ? "bootstrap.dcs." : ""
        func number(_ key: String, default value: Int, aliases: [String] = []) -> Int {
            result.input(
                ([key] + aliases).map { (prefix + $0, settings[prefix + $0]) }, default: value, reported: prefix + key)
        }
        let ttl = number("ttl", default: 30)
        let loopWait = number("loop_wait", default: 10)
        let retryTimeout = number("retry_timeout", default: 10)
        let startTimeout = number("primary_start_timeout", default: 300, aliases: ["master_start_timeout"])
        let maximumLag = number("maximum_lag_on_failover", default: 1_048_576)

        result.bounds.append(
            .init(
                mode: .nodeLost, seconds: ttl + loopWait + promote,
                formula: "ttl + loop_wait + promote = \(ttl) + \(loopWait) + \(promote)",
                source: "the leader key expires within ttl, then the leader race and promotion (\(source))"))
        let crashed = startTimeout == 0 ? loopWait : loopWait + startTimeout + loopWait
        result.bounds.append(
            .init(
                mode: .databaseCrashed, seconds: crashed,
                formula: startTimeout == 0
                    ? "loop_wait = \(loopWait) (primary_start_timeout is 0)"
                    : "loop_wait + primary_start_timeout + loop_wait = \(loopWait) + \(startTimeout) + \(loopWait)",
                source: source))

        // Never: the member may not be promoted, maintenance mode, lag allowance of nothing.
        if FailoverModel.truthy(settings["tags.nofailover"]) {
            result.impossibleBecause.append("tags.nofailover is true: this member never takes part in the leader race")
        }
        if let priority = FailoverModel.seconds(settings["tags.failover_priority"]), priority <= 0 {
            result.impossibleBecause.append(
                "tags.failover_priority is \(priority): this member never takes part in the leader race")
        }
        if FailoverModel.truthy(settings[prefix + "pause"]) {
            result.impossibleBecause.append("\(prefix)pause is true: Patroni promotes no replica in maintenance mode")
        }
        if maximumLag <= 0 {
            result.impossibleBecause.append(
                "\(prefix)maximum_lag_on_failover is \(maximumLag): every replica is too far behind to be promoted")
        }
        if FailoverModel.truthy(settings[prefix + "synchronous_mode"]),
            let count = FailoverModel.seconds(settings[prefix + "synchronous_node_count"]), count <= 0
        {
            result.impossibleBecause.append(
                "\(prefix)synchronous_mode with synchronous_node_count \(count): no standby is synchronous, and in "
                    + "this mode only a synchronous standby is promoted (replication_modes.rst)")
        }

        // The rules Patroni documents.
        if loopWait + 2 * retryTimeout > ttl {
            result.violations.append(
                "loop_wait + 2 × retry_timeout = \(loopWait + 2 * retryTimeout) > ttl = \(ttl): a healthy leader can "
                    + "lose its key and the cluster fail over for nothing")
        }
        if ttl < 20 { result.violations.append("ttl \(ttl) is below Patroni's minimum of 20") }
        if loopWait < 1 { result.violations.append("loop_wait \(loopWait) is below Patroni's minimum of 1") }
        if retryTimeout < 3 {
            result.violations.append("retry_timeout \(retryTimeout) is below Patroni's minimum of 3")
        }
        if FailoverModel.truthy(settings["watchdog.mode"]) || settings["watchdog.mode"] == .string("required")
            || settings["watchdog.mode"] == .string("automatic")
        {
            let margin = FailoverModel.seconds(settings["watchdog.safety_margin"]) ?? 5
            if ttl - margin - loopWait - retryTimeout < 0 {
                result.violations.append(
                    "ttl − safety_margin − loop_wait − retry_timeout = \(ttl - margin - loopWait - retryTimeout) < 0: "
                        + "the watchdog can fire on a healthy leader (watchdog.rst)")
            }
        }
        result.limits.append(
            "a member's file knows only its own tags: whether another member can be promoted needs their files")
        result.limits.append("replication lag at the time of the failure is not in the configuration")
        return result
    }
}
