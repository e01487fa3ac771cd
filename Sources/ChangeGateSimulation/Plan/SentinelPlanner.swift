import ChangeGate

/// Makes a ``SentinelPlan`` from a `sentinel.conf`: reads it as the gate does (Redis's own word
/// splitting), keeps the first monitored master's quorum and timers, and asks the failover model
/// (``FailoverModel``) for its bounds, on the file and on what runs.
public enum SentinelPlanner {
    /// The per-master options the Sentinels get from the file, with Sentinel's defaults
    /// (src/sentinel.c): they decide when and how a failover happens.
    static let defaults: [(option: String, value: Int)] = [
        ("down-after-milliseconds", 30_000), ("failover-timeout", 180_000), ("parallel-syncs", 1),
    ]
    /// `--timers fast` caps `failover-timeout` (it only spaces a retried failover and bounds the
    /// replicas' reconfiguration); `down-after-milliseconds`, what a scenario measures, stays the file's.
    static let fastFailoverTimeout = 10_000

    /// The plan for `bytes`, the file at `path`.
    ///
    /// - Parameters:
    ///   - bytes: The file's content, read as Redis configuration whatever its name.
    ///   - path: Its path, for the report.
    ///   - timers: Which timers to run with.
    /// - Returns: The plan.
    /// - Throws: ``SimulationError`` (`configuration`) when the file does not parse, monitors no
    ///   master, or has a value Sentinel itself refuses.
    public static func plan(bytes: [UInt8], path: String, timers: TimerProfile) throws(SimulationError)
        -> SentinelPlan
    {
        let ordered: [ChangeGate.Setting]
        let assessments: [FailoverAssessment]
        do {
            let config = try ConfigReader().read(bytes, path: path, format: .redis)
            guard ConfigSystem.detect(in: config).contains(.sentinel) else {
                throw SimulationError(
                    .configuration,
                    "\(path) is not Redis Sentinel configuration (no \(ConfigSystem.sentinel.signature)): "
                        + "`simulate sentinel` runs a Sentinel's file")
            }
            ordered = try SettingsFlattener.settings(of: config)
            assessments = try FailoverModel.assess(config)
        } catch let error as ConfigError {
            throw SimulationError(.configuration, error.description)
        } catch let error as SimulationError {
            throw error
        } catch {
            throw SimulationError(.configuration, "\(path): \(error)")
        }
        var settings: [String: ConfigValue] = [:]
        for setting in ordered { settings[setting.key] = setting.value }
        // The first master in file order; a file that monitors several gets one simulated, said.
        let masters = ordered.compactMap { setting -> String? in
            guard setting.key.hasPrefix("sentinel."), setting.key.hasSuffix(".monitor.quorum") else { return nil }
            return String(setting.key.dropFirst("sentinel.".count).dropLast(".monitor.quorum".count))
        }
        guard let master = masters.first else {
            throw SimulationError(.configuration, "\(path) has no `sentinel monitor NAME HOST PORT QUORUM` line")
        }
        let base = "sentinel.\(master)."
        var rewrites: [PlanNote] = []
        var adjustments: [PlanNote] = []
        let host = settings[base + "monitor.host"]?.scalarText ?? "?"
        let port = settings[base + "monitor.port"]?.scalarText ?? "?"
        rewrites.append(
            .init(
                key: base + "monitor",
                text: "master \(master) at \(host):\(port) → \(SentinelPlan.masterName) at 127.0.0.1 on a port of "
                    + "the run's own (the quorum is the file's)"))
        for other in masters.dropFirst() {
            rewrites.append(.init(key: "sentinel.\(other).monitor", text: "not simulated: one master a run"))
        }
        let quorum = try integer(settings[base + "monitor.quorum"], key: base + "monitor.quorum", path: path) ?? 2
        guard quorum >= 1 else {
            throw SimulationError(
                .configuration,
                "\(path): \(base)monitor.quorum is \(quorum): Sentinel refuses to start with it "
                    + "(\"Quorum must be 1 or greater.\"), so there is nothing to simulate")
        }
        var values: [String: Int] = [:]
        for (option, fallback) in defaults {
            let key = base + option
            let value = try integer(settings[key], key: key, path: path) ?? fallback
            // Sentinel refuses these at start-up when they are not positive (sentinelHandleConfiguration).
            guard value > 0 || (option == "parallel-syncs" && value >= 0) else {
                throw SimulationError(.configuration, "\(path): \(key) is \(value): Sentinel refuses to start with it")
            }
            values[option] = value
        }
        var failoverTimeout = values["failover-timeout"]!
        if timers == .fast, failoverTimeout > fastFailoverTimeout {
            adjustments.append(
                .init(
                    key: base + "failover-timeout",
                    text: "\(failoverTimeout) → \(fastFailoverTimeout) (shortened for the run: --timers fast)"))
            failoverTimeout = fastFailoverTimeout
        }
        let fileAssessments = assessments.filter { $0.system != .sentinel || $0.cluster == master }
        let ignored = ordered.map(\.key).filter(UntrustedKeys.isRedisCommand)
        return SentinelPlan(
            file: path, master: master, fileAddress: "\(host):\(port)", quorum: quorum,
            downAfterMilliseconds: values["down-after-milliseconds"]!, failoverTimeout: failoverTimeout,
            parallelSyncs: values["parallel-syncs"]!, rewrites: rewrites, adjustments: adjustments,
            ignoredCommands: ignored,
            fileAssessments: fileAssessments,
            runAssessment: runAssessment(
                quorum: quorum, downAfter: values["down-after-milliseconds"]!, failoverTimeout: failoverTimeout,
                parallelSyncs: values["parallel-syncs"]!))
    }

    /// The model's assessment of what the cluster runs: one of its Sentinels' files, the other two
    /// as the `known-sentinel` lines Sentinel writes.
    static func runAssessment(quorum: Int, downAfter: Int, failoverTimeout: Int, parallelSyncs: Int)
        -> FailoverAssessment
    {
        let base = "sentinel.\(SentinelPlan.masterName)."
        var settings: [String: ConfigValue] = [
            base + "monitor.host": .string("127.0.0.1"), base + "monitor.port": .integer(6379),
            base + "monitor.quorum": .integer(quorum), base + "down-after-milliseconds": .integer(downAfter),
            base + "failover-timeout": .integer(failoverTimeout), base + "parallel-syncs": .integer(parallelSyncs),
        ]
        for other in 0..<(SentinelPlan.sentinelCount - 1) {
            settings[base + "known-sentinel[\(other)]"] = .string("127.0.0.1 \(26380 + other) sentinel-\(other)")
        }
        return FailoverModel.assess(settings, systems: [.sentinel], file: "the simulated cluster")
            .first { $0.system == .sentinel }!
    }

    /// A value as Sentinel's `atoi` reads it, where it must be a number; nil when absent.
    static func integer(_ value: ConfigValue?, key: String, path: String) throws(SimulationError) -> Int? {
        guard let value else { return nil }
        switch value {
        case .integer(let n) where abs(n) < 1 << 40: return n
        case .string(let text):
            if let n = Int(text), abs(n) < 1 << 40 { return n }
        default: break
        }
        throw SimulationError(
            .configuration, "\(path): \(key) is \(value.scalarText.map { "\"\($0)\"" } ?? "a list"): not a number")
    }
}
