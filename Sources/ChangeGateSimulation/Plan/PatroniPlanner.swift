import ChangeGate
import Foundation

/// Makes a ``PatroniPlan`` from a configuration file: reads it as the gate does, keeps the
/// settings that decide failover, translates the generic `failover:` block into Patroni's own,
/// and asks the failover model (``FailoverModel``) for its bounds, on the file and on what runs.
public enum PatroniPlanner {
    /// The dynamic settings the cluster gets from the file (Patroni docs: dynamic_configuration.rst).
    /// The rest of `bootstrap.dcs` (PostgreSQL's parameters sized for production machines, slots,
    /// `archive_command`) is not failover timing, and some of it runs programs.
    static let dcsKeys = [
        "ttl", "loop_wait", "retry_timeout", "primary_start_timeout", "master_start_timeout",
        "primary_stop_timeout", "maximum_lag_on_failover", "maximum_lag_on_syncnode", "pause", "synchronous_mode",
        "synchronous_mode_strict", "synchronous_node_count", "failsafe_mode", "check_timeline",
    ]
    /// The tags that decide a member's part in the leader race (yaml_configuration.rst § Tags).
    static let tagKeys = ["nofailover", "failover_priority", "nosync", "nostream", "noloadbalance"]
    /// Members a cluster runs: enough that one lost leaves a leader and a replica.
    public static let memberCount = 3

    /// The plan for `bytes`, the file at `path`.
    ///
    /// - Parameters:
    ///   - bytes: The file's content.
    ///   - path: Its path, for the format and the report.
    ///   - timers: Which timers to run with.
    /// - Returns: The plan.
    /// - Throws: ``SimulationError`` (`configuration`) when the file does not parse or is not
    ///   Patroni configuration.
    public static func plan(bytes: [UInt8], path: String, timers: TimerProfile) throws(SimulationError) -> PatroniPlan {
        let ordered: [ChangeGate.Setting]
        let fileAssessments: [FailoverAssessment]
        do {
            let config = try ConfigReader().read(bytes, path: path)
            guard ConfigSystem.detect(in: config).contains(.patroni) else {
                throw SimulationError(
                    .configuration,
                    "\(path) is not Patroni configuration (no \(ConfigSystem.patroni.signature)): `simulate patroni` "
                        + "runs a Patroni member's file")
            }
            ordered = try SettingsFlattener.settings(of: config)
            fileAssessments = try FailoverModel.assess(config)
        } catch let error as ConfigError {
            throw SimulationError(.configuration, error.description)
        } catch let error as SimulationError {
            throw error
        } catch {
            throw SimulationError(.configuration, "\(path): \(error)")
        }
        var settings: [String: ConfigValue] = [:]
        for setting in ordered { settings[setting.key] = setting.value }
        let scope = settings["scope"]?.scalarText ?? "simulated"
        var translations: [PatroniPlan.Note] = []
        var adjustments: [PatroniPlan.Note] = []

        // bootstrap.dcs, from the allow-list, with the profile's ceilings.
        var dcs: [PatroniPlan.Setting] = []
        for key in dcsKeys {
            guard let value = settings["bootstrap.dcs." + key], value.scalarText != nil else { continue }
            var kept = value
            // Patroni raises a ttl under 20 to 20 itself (config.py _validate_and_adjust_timeouts):
            // the cluster runs with 20, and the model's bound is computed on that.
            if key == "ttl", let ttl = pythonInt(value), ttl < 20 {
                kept = .integer(20)
                adjustments.append(
                    .init(key: "bootstrap.dcs.ttl", text: "\(ttl) → 20 (Patroni's minimum: Patroni raises it itself)"))
            }
            if let ceiling = timers.ceiling(of: key), let seconds = pythonInt(value), seconds > ceiling {
                kept = .integer(ceiling)
                adjustments.append(
                    .init(
                        key: "bootstrap.dcs." + key,
                        text: "\(seconds) → \(ceiling) (shortened for the run: --timers fast)"))
            }
            dcs.append(.init(key: key, value: kept))
        }
        for key in ["loop_wait", "retry_timeout"] where !dcs.contains(where: { $0.key == key }) {
            if let ceiling = timers.ceiling(of: key) {
                dcs.append(.init(key: key, value: .integer(ceiling)))
                adjustments.append(
                    .init(
                        key: "bootstrap.dcs." + key,
                        text: "10 (default) → \(ceiling) (shortened for the run: --timers fast)"))
            }
        }

        // The generic block: Patroni has no `failover.mode`; its maintenance mode is what keeps a
        // cluster from promoting anyone automatically.
        let enabled = settings["failover.enabled"]
        let mode = settings["failover.mode"]?.scalarText
        if enabled == .bool(false) || (mode != nil && mode != "automatic") {
            let why = enabled == .bool(false) ? "failover.enabled is false" : "failover.mode is \"\(mode ?? "")\""
            dcs.removeAll { $0.key == "pause" }
            adjustments.append(
                .init(
                    key: "bootstrap.dcs.pause",
                    text: "set once the cluster runs (patronictl pause): Patroni does not initialise a paused cluster"))
            dcs.append(.init(key: "pause", value: .bool(true)))
            translations.append(
                .init(
                    key: enabled == .bool(false) ? "failover.enabled" : "failover.mode",
                    text: "\(why) → bootstrap.dcs.pause: true (Patroni's maintenance mode: no automatic promotion)"))
        }
        let members = Self.members(ordered: ordered, settings: settings, translations: &translations)
        if settings.keys.contains(where: {
            $0.hasPrefix("failover.health_checks.") || $0.hasPrefix("failover.promotion_timeout")
        }) {
            translations.append(
                .init(
                    key: "failover.health_checks, failover.promotion_timeout",
                    text: "not translated: Patroni detects a lost leader by its key's ttl, not by health checks"))
        }
        let ignored = ordered.map(\.key).filter(UntrustedKeys.isCommand)
        return PatroniPlan(
            file: path, scope: scope, dcs: dcs, members: members, translations: translations,
            adjustments: adjustments, ignoredCommands: ignored, fileAssessments: fileAssessments,
            runAssessment: runAssessment(scope: scope, dcs: dcs, members: members))
    }

    /// The three members: those the generic block lists (in its order, with its priorities), or
    /// the file's own member and two more like it. A member the block does not list is no failover
    /// candidate: the block names who may take over.
    static func members(
        ordered: [ChangeGate.Setting], settings: [String: ConfigValue], translations: inout [PatroniPlan.Note]
    ) -> [PatroniPlan.Member] {
        let own = settings["name"]?.scalarText ?? "member"
        let ownTags = tagKeys.compactMap { key in
            settings["tags." + key].map { PatroniPlan.Setting(key: key, value: $0) }
        }
        var listed: [(name: String, priority: ConfigValue?, role: String?)] = []
        for setting in ordered where setting.key.hasPrefix("failover.members[name=") {
            let rest = setting.key.dropFirst("failover.members[name=".count)
            guard let close = rest.firstIndex(of: "]") else { continue }
            let name = String(rest[..<close])
            if !listed.contains(where: { $0.name == name }) { listed.append((name, nil, nil)) }
            let index = listed.firstIndex { $0.name == name }!
            switch rest[rest.index(after: close)...] {
            case ".priority": listed[index].priority = setting.value
            case ".role": listed[index].role = setting.value.scalarText
            default: break
            }
        }
        var members: [PatroniPlan.Member] = []
        if listed.isEmpty {
            members.append(.init(name: own, tags: ownTags, origin: "the file's own member"))
        } else {
            // The primary first: it is started alone and takes the leader key.
            let sorted = listed.filter { $0.role == "primary" } + listed.filter { $0.role != "primary" }
            for entry in sorted.prefix(memberCount) {
                var tags = entry.name == own ? ownTags.filter { $0.key != "failover_priority" } : []
                if let priority = entry.priority {
                    tags.append(.init(key: "failover_priority", value: priority))
                    translations.append(
                        .init(
                            key: "failover.members[name=\(entry.name)].priority",
                            text: "\(priority.scalarText ?? "?") → member \(entry.name) tags.failover_priority: "
                                + "\(priority.scalarText ?? "?") (0: never promoted)"))
                }
                members.append(.init(name: entry.name, tags: tags, origin: "failover.members[name=\(entry.name)]"))
            }
        }
        var number = members.count + 1
        while members.count < memberCount {
            var name = "\(own)-sim\(number)"
            while members.contains(where: { $0.name == name }) { name += "x" }
            number += 1
            if listed.isEmpty {
                members.append(.init(name: name, tags: [], origin: "added for the run, Patroni's default tags"))
            } else {
                members.append(
                    .init(
                        name: name, tags: [.init(key: "nofailover", value: .bool(true))],
                        origin: "added for the run: not in failover.members, so tags.nofailover: true"))
            }
        }
        return members
    }

    /// The model's assessment of what the cluster runs: the first member's settings, with the
    /// others as members of its cluster.
    static func runAssessment(scope: String, dcs: [PatroniPlan.Setting], members: [PatroniPlan.Member])
        -> FailoverAssessment
    {
        func settings(of member: PatroniPlan.Member) -> [String: ConfigValue] {
            var out: [String: ConfigValue] = ["scope": .string(scope), "name": .string(member.name)]
            for setting in dcs { out["bootstrap.dcs." + setting.key] = setting.value }
            for tag in member.tags { out["tags." + tag.key] = tag.value }
            return out
        }
        let others = members.dropFirst().map { PatroniMember(file: "member \($0.name)", settings: settings(of: $0)) }
        return FailoverModel.assess(
            settings(of: members[0]), systems: [.patroni], file: "the simulated cluster", members: Array(others)
        ).first { $0.system == .patroni }!
    }

    /// A flag as Python's `bool()` reads it (Patroni's `pause`).
    static func pythonTruthy(_ value: ConfigValue) -> Bool {
        switch value {
        case .bool(let b): b
        case .integer(let n): n != 0
        case .float(let d): d != 0
        case .string(let s): !s.isEmpty
        case .null: false
        case .list(let items): !items.isEmpty
        case .map(let map): !map.isEmpty
        }
    }

    /// A timer as Patroni's `int()` reads it, for the ceilings.
    static func pythonInt(_ value: ConfigValue) -> Int? {
        switch value {
        case .integer(let n): n
        case .float(let d) where d.isFinite && abs(d) < 1e12: Int(d)
        case .bool(let b): b ? 1 : 0
        case .string(let s): Int(s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: ""))
        default: nil
        }
    }
}
