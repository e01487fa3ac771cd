/// Computes ``FailoverAssessment``s from a configuration file's settings: the models of each
/// system (`PatroniFailoverModel`, `SentinelFailoverModel`, `CloudNativePGFailoverModel`,
/// `OrchestratorFailoverModel`, `HelmRedisFailoverModel`) and of the generic `failover.*` block
/// (`GenericFailoverModel`).
public enum FailoverModel {
    /// Every assessment `config` supports: one per system it is, and one for a `failover.*` block.
    ///
    /// - Parameters:
    ///   - config: The parsed file.
    ///   - limits: The bounds on flattening it.
    /// - Returns: The assessments; empty when no model applies.
    /// - Throws: ``ConfigError`` when the file's key paths pass the flattening limits.
    public static func assess(_ config: ParsedConfig, limits: ReaderLimits = .default) throws(ConfigError)
        -> [FailoverAssessment]
    {
        let settings = try SettingsFlattener.settingsByKey(of: config, limits: limits).mapValues(\.value)
        return assess(settings, systems: ConfigSystem.detect(in: config), file: config.path)
    }

    /// Every assessment of a file's flattened settings, read as `systems` say it is. `members`
    /// are the other members of a Patroni cluster (their files in the same tree), when known.
    ///
    /// - Parameters:
    ///   - settings: The file's flattened settings by key path.
    ///   - systems: The systems the file is (``ConfigSystem/detect(in:)``).
    ///   - file: The file's path, named in the assessments.
    ///   - members: The other members of its Patroni cluster.
    ///   - valuesDefaults: The `values.yaml` a Helm override file overrides, when there is one.
    /// - Returns: The assessments; empty when no model applies.
    public static func assess(
        _ settings: [String: ConfigValue], systems: Set<ConfigSystem>, file: String,
        members: [PatroniMember] = [], valuesDefaults: ValuesDefaults? = nil
    ) -> [FailoverAssessment] {
        var out: [FailoverAssessment] = []
        if systems.contains(.patroni) {
            out.append(PatroniFailoverModel.assess(settings, file: file, members: members))
        }
        if systems.contains(.sentinel) { out += SentinelFailoverModel.assess(settings, file: file) }
        if systems.contains(.cnpg) { out += CloudNativePGFailoverModel.assess(settings, file: file) }
        if systems.contains(.orchestrator) { out.append(OrchestratorFailoverModel.assess(settings, file: file)) }
        if !systems.contains(.sentinel),
            let helm = HelmRedisFailoverModel.assess(settings, file: file, defaults: valuesDefaults)
        {
            out.append(helm)
        }
        if let generic = GenericFailoverModel.assess(settings, file: file) { out.append(generic) }
        return out
    }

    /// The systems a flattened file is, by the keys each system's files cannot do without: for
    /// settings that come without their parse tree (a policy test's `files:`).
    ///
    /// - Parameter settings: The file's flattened settings by key path.
    /// - Returns: The systems whose telltale keys are there.
    public static func systems(ofSettings settings: [String: ConfigValue]) -> Set<ConfigSystem> {
        var found = Set<ConfigSystem>()
        for key in settings.keys {
            let inner = SettingPath.documentKey(key).map { String($0.key) } ?? key
            if inner.hasPrefix("bootstrap.dcs.") || inner == "postgresql.data_dir" { found.insert(.patroni) }
            if inner.hasPrefix("sentinel."), inner.hasSuffix(".monitor.quorum") { found.insert(.sentinel) }
            if ConfigSystem.orchestratorKeys.contains(KeyFolding.go(inner.prefix { $0 != "." && $0 != "[" })) {
                found.insert(.orchestrator)
            }
            if inner == "apiVersion", case .string(let api)? = settings[key], api.hasPrefix("postgresql.cnpg.io/") {
                found.insert(.cnpg)
            }
        }
        return found
    }

    /// The file's bytes read as its extension says (a `.conf` with `sentinel` lines as Redis's
    /// syntax), then assessed.
    ///
    /// - Parameters:
    ///   - file: The file's path; its extension decides the format.
    ///   - bytes: The file's content.
    ///   - reader: The reader, with its limits.
    /// - Returns: The assessments; empty when no model applies.
    /// - Throws: ``ConfigError`` when the format cannot be told from the name or the file does not
    ///   parse.
    public static func assess(file: String, bytes: [UInt8], reader: ConfigReader = ConfigReader()) throws(ConfigError)
        -> [FailoverAssessment]
    {
        guard var format = ConfigFormat(path: file) else {
            throw ConfigError(.unknownFormat, path: file, at: nil, "cannot tell the format from the file's name")
        }
        if format == .ini, ConfigSystem.looksLikeSentinel(bytes) { format = .redis }
        return try assess(reader.read(bytes, path: file, format: format), limits: reader.limits)
    }

    /// A setting's number of seconds (an integer, or a whole float).
    static func seconds(_ value: ConfigValue?) -> Int? {
        switch value {
        case .integer(let n)?: n
        case .float(let d)? where d.rounded() == d && abs(d) < 1e15: Int(d)
        case .string(let s)?: Int(s)
        default: nil
        }
    }

    /// ``seconds(_:)`` held within ±``largestTimer``, for the values that are not reported inputs.
    static func boundedSeconds(_ value: ConfigValue?) -> Int? {
        seconds(value).map { min(max($0, -largestTimer), largestTimer) }
    }

    static func truthy(_ value: ConfigValue?) -> Bool {
        switch value {
        case .bool(let b)?: b
        case .string(let s)?: ["true", "on", "yes", "1"].contains(s.lowercased())
        case .integer(let n)?: n != 0
        default: false
        }
    }
}
