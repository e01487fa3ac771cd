import ChangeGate

/// Reads `text` as a file of `format` and flattens it: key path → value.
func settings(_ text: String, _ format: ConfigFormat = .yaml, limits: ReaderLimits = .default) throws
    -> [String: ConfigValue]
{
    let parsed = try ConfigReader(limits: limits).read(Array(text.utf8), path: "test.\(format)", format: format)
    return try SettingsFlattener.settingsByKey(of: parsed).mapValues(\.value)
}

/// The error reading `text` raises, or nil when it reads.
func readError(_ text: String, _ format: ConfigFormat = .yaml, limits: ReaderLimits = .default) -> ConfigError? {
    readError(Array(text.utf8), format, limits: limits)
}

func readError(_ bytes: [UInt8], _ format: ConfigFormat = .yaml, limits: ReaderLimits = .default) -> ConfigError? {
    do {
        _ = try ConfigReader(limits: limits).read(bytes, path: "bad.\(format)", format: format)
        return nil
    } catch {
        return error
    }
}
