/// Computes ``FailoverAssessment``s from a configuration file's settings: the models of each
/// system (``PatroniFailoverModel``, ``SentinelFailoverModel``, ``CloudNativePGFailoverModel``, ``OrchestratorFailoverModel``) and of the generic `failover.*`
/// block (``GenericFailoverModel``).
public enum FailoverModel {
    /// Every assessment `config` supports: one per system it is, and one for a `failover.*` block.
    public static func assess(_ config: ParsedConfig, limits: ReaderLimits = .default) throws(ConfigError)
        -> [FailoverAssessment]
    {
        let settings = try SettingsFlattener.settingsByKey(of: config, limits: limits).mapValues(\.value)
        var out: [FailoverAssessment] = []
        let systems = ConfigSystem.detect(in: config)
        if systems.contains(.patroni) { out.append(PatroniFailoverModel.assess(settings, file: config.path)) }
        if systems.contains(.sentinel) { out += SentinelFailoverModel.assess(settings, file: config.path) }
        if systems.contains(.cnpg) { out += CloudNativePGFailoverModel.assess(settings, file: config.path) }
        if systems.contains(.orchestrator) { out.append(OrchestratorFailoverModel.assess(settings, file: config.path)) }
        if let generic = GenericFailoverModel.assess(settings, file: config.path) { out.append(generic) }
        return out
    }

    /// The file's bytes read as its extension says (a `.conf` with `sentinel` lines as Redis's
    /// syntax), then assessed.
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

    static func truthy(_ value: ConfigValue?) -> Bool {
        switch value {
        case .bool(let b)?: b
        case .string(let s)?: ["true", "on", "yes", "1"].contains(s.lowercased())
        case .integer(let n)?: n != 0
        default: false
        }
    }
}
