import Foundation

/// Patroni's failover, from its documentation (docs/dynamic_configuration.rst, yaml_configuration.rst,
/// replication_modes.rst, pause.rst, watchdog.rst; ../shared/reference/failover-timers.md § 1).
enum PatroniFailoverModel {
    static let source = "Patroni docs: dynamic_configuration.rst"
    /// Seconds the winner of the leader race takes to promote: Patroni's own acceptance test allows
    /// ttl + 5 s for a new primary after the old one's Patroni is killed
    /// (features/dcs_failsafe_mode.feature).
    static let promote = 5

    static func assess(_ settings: [String: ConfigValue], file: String, members: [PatroniMember] = [])
        -> FailoverAssessment
    {
        var result = FailoverAssessment(system: .patroni, file: file)
        if case .string(let scope)? = settings["scope"] { result.cluster = scope }
        // The dynamic configuration sits under bootstrap.dcs in a member's file; a dump of the DCS
        // (`patronictl show-config`) has it at the top.
        let prefix = settings.keys.contains { $0.hasPrefix("bootstrap.dcs.") } ? "bootstrap.dcs." : ""
        func number(_ key: String, default value: Int, aliases: [String] = []) -> Int {
            result.input(
                ([key] + aliases).map { (prefix + $0, settings[prefix + $0]) }, default: value, reported: prefix + key,
                semantics: .python)
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

        // Never: no member left that may be promoted, maintenance mode, lag allowance of nothing.
        let this = PatroniMember(file: file, settings: settings)
        if members.isEmpty {
            // Alone in the tree: only this member's own tags are known.
            if let reason = this.ineligibleBecause {
                result.impossibleBecause.append("\(reason): this member never takes part in the leader race")
            }
            result.limits.append(
                "no other member's file shares this `scope` in the tree: the other members are assumed promotable")
        } else {
            // Whichever member leads, another must be promotable when it fails: two at least.
            let all = [this] + members
            let eligible = all.filter { $0.ineligibleBecause == nil }
            for member in all {
                result.inputs.append(
                    .init(
                        key: "member \(member.name) (\(member.file))",
                        value: member.ineligibleBecause ?? "may be promoted", assumed: false))
            }
            if eligible.count < 2 {
                let blocked = all.compactMap { member in
                    member.ineligibleBecause.map { "\(member.name): \($0)" }
                }
                let lead =
                    eligible.first.map {
                        "only \($0.name) may be promoted, so when it is the primary and fails no member takes over"
                    } ?? "no member of the cluster may be promoted"
                result.impossibleBecause.append(lead + " (" + blocked.joined(separator: "; ") + ")")
            }
        }
        // Patroni tests the DCS's `pause` with Python's truthiness: "false", a string, pauses too.
        if FailoverModel.pythonTruthy(prefix + "pause", in: settings) {
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
            let margin = FailoverModel.boundedSeconds(settings["watchdog.safety_margin"]) ?? 5
            if ttl - margin - loopWait - retryTimeout < 0 {
                result.violations.append(
                    "ttl − safety_margin − loop_wait − retry_timeout = \(ttl - margin - loopWait - retryTimeout) < 0: "
                        + "the watchdog can fire on a healthy leader (watchdog.rst)")
            }
        }
        result.limits.append("replication lag at the time of the failure is not in the configuration")
        return result
    }
}

/// One member of a Patroni cluster as its own file describes it: the `name`, and the tags that keep
/// it out of the leader race (Patroni docs: yaml_configuration.rst § Tags).
public struct PatroniMember: Sendable, Hashable {
    public var file: String
    public var name: String
    /// `tags.nofailover is true`, `tags.failover_priority is 0`; nil when the member may be promoted.
    public var ineligibleBecause: String?

    /// A member from its file's settings.
    ///
    /// - Parameters:
    ///   - file: The member's file.
    ///   - settings: Its flattened settings.
    public init(file: String, settings: [String: ConfigValue]) {
        self.file = file
        if case .string(let name)? = settings["name"] { self.name = name } else { self.name = file }
        // As Patroni reads them (patroni/tags.py): `bool(nofailover)`, so "false", [false] and
        // {x: 0} keep a member out too; `parse_int(failover_priority)`, so 0.4 is 0.
        if FailoverModel.pythonTruthy("tags.nofailover", in: settings) {
            switch settings["tags.nofailover"] {
            case .bool(true)?: ineligibleBecause = "tags.nofailover is true"
            case let value?: ineligibleBecause = "tags.nofailover is \(value.scalarText ?? "set") (true to Patroni)"
            case nil: ineligibleBecause = "tags.nofailover is a non-empty list or map (true to Patroni)"
            }
        } else if let value = settings["tags.failover_priority"],
            let priority = FailoverModel.number(value, as: .pythonRounded), priority <= 0
        {
            ineligibleBecause =
                "tags.failover_priority is \(value.scalarText ?? String(priority))"
                + (value == .integer(priority) ? "" : " (\(priority) to Patroni)")
        } else {
            ineligibleBecause = nil
        }
    }

    /// The cluster a member's file joins: its `namespace` (Patroni's default `/service/`), its
    /// `scope`, and the DCS it keeps them in (the DCS section's kind and the endpoints it names,
    /// order aside): a staging copy with the same scope on another etcd is another cluster, and
    /// must not count as a member that could take over. Nil without a scope.
    ///
    /// - Parameter settings: A member's flattened settings.
    /// - Returns: The cluster's identity, or nil.
    public static func cluster(of settings: [String: ConfigValue]) -> String? {
        guard let scope = settings["scope"]?.scalarText else { return nil }
        var namespace = "/service/"
        if let set = settings["namespace"]?.scalarText { namespace = set }
        return namespace + "\u{0}" + scope + "\u{0}" + dcs(of: settings)
    }

    /// Patroni's DCS sections (yaml_configuration.rst), the first present; `raft`'s addresses
    /// differ from member to member by design, so only its kind counts.
    static let dcsKinds = ["etcd3", "etcd", "consul", "zookeeper", "exhibitor", "kubernetes", "raft"]
    static let endpointKeys: Set<String> = ["host", "hosts", "url", "urls", "proxy", "srv", "srv_suffix", "namespace"]

    static func dcs(of settings: [String: ConfigValue]) -> String {
        for kind in dcsKinds where settings.keys.contains(where: { $0.hasPrefix(kind + ".") }) {
            guard kind != "raft" else { return kind }
            var endpoints = Set<String>()
            for (key, value) in settings where key.hasPrefix(kind + ".") {
                let name = key.dropFirst(kind.count + 1).prefix { $0 != "[" && $0 != "." }
                guard endpointKeys.contains(String(name)), let text = value.scalarText else { continue }
                for part in text.split(separator: ",") {
                    endpoints.insert(String(name) + "=" + part.trimmingCharacters(in: .whitespaces).lowercased())
                }
            }
            return kind + ":" + endpoints.sorted().joined(separator: ",")
        }
        return "no DCS section"
    }
}
