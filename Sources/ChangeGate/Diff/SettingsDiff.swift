/// Compares the settings of one file on two sides.
public enum SettingsDiff {
    /// The changes from `base` to `head` (either may be absent: an added or deleted file), ordered
    /// by key path. Reordered keys, comments, whitespace and quoting style are no change; a type
    /// change (`30` → `"30"`) is a modification.
    public static func changes(
        file: String, previousFile: String? = nil, base: ParsedConfig?, head: ParsedConfig?,
        limits: ReaderLimits = .default
    ) throws(ConfigError) -> [SettingChange] {
        let baseSettings =
            try base.map { (config) throws(ConfigError) in
                try SettingsFlattener.settingsByKey(of: config, limits: limits)
            } ?? [:]
        let headSettings =
            try head.map { (config) throws(ConfigError) in
                try SettingsFlattener.settingsByKey(of: config, limits: limits)
            } ?? [:]
        return changes(file: file, previousFile: previousFile, base: baseSettings, head: headSettings)
    }

    /// The changes between two files' settings already flattened (see
    /// ``SettingsFlattener/settingsByKey(of:limits:)``), ordered by key.
    public static func changes(
        file: String, previousFile: String? = nil, base baseSettings: [String: Setting],
        head headSettings: [String: Setting]
    ) -> [SettingChange] {
        var changes: [SettingChange] = []
        for (key, old) in baseSettings {
            if let new = headSettings[key] {
                if !old.value.isSameSetting(as: new.value) {
                    changes.append(
                        SettingChange(
                            file: file, previousFile: previousFile, key: key, kind: .modified, old: old.value,
                            new: new.value, baseLine: old.position.line, headLine: new.position.line))
                }
            } else {
                changes.append(
                    SettingChange(
                        file: file, previousFile: previousFile, key: key, kind: .removed, old: old.value, new: nil,
                        baseLine: old.position.line, headLine: nil))
            }
        }
        for (key, new) in headSettings where baseSettings[key] == nil {
            changes.append(
                SettingChange(
                    file: file, previousFile: previousFile, key: key, kind: .added, old: nil, new: new.value,
                    baseLine: nil, headLine: new.position.line))
        }
        changes.sort { $0.key < $1.key }
        return changes
    }
}
