/// Compares the settings of one file on two sides.
public enum SettingsDiff {
    /// The changes from `base` to `head` (either may be absent: an added or deleted file), ordered
    /// by key path. Reordered keys, comments, whitespace and quoting style are no change; a type
    /// change (`30` → `"30"`) is a modification.
    ///
    /// - Parameters:
    ///   - file: The file's path on the head side.
    ///   - previousFile: Its path on the base side when it was renamed.
    ///   - base: The file on the base side; nil when it was added.
    ///   - head: The file on the head side; nil when it was deleted.
    ///   - limits: The bounds on flattening either side.
    /// - Returns: The changed settings, ordered by key path.
    /// - Throws: ``ConfigError`` when either side's key paths pass the flattening limits.
    public static func changes(
        file: String, previousFile: String? = nil, base: ParsedConfig?, head: ParsedConfig?,
        limits: ReaderLimits = .default
    ) throws(ConfigError) -> [SettingChange] {
        let baseSettings =
            try base.map { (config) throws(ConfigError) in try SettingsFlattener.settings(of: config, limits: limits) }
            ?? []
        let headSettings =
            try head.map { (config) throws(ConfigError) in try SettingsFlattener.settings(of: config, limits: limits) }
            ?? []
        return changes(file: file, previousFile: previousFile, base: baseSettings, head: headSettings)
    }

    /// The changes between two files' settings already flattened, each in document order (see
    /// ``SettingsFlattener/settings(of:limits:)``), ordered by key.
    ///
    /// Two versions of a file mostly list their keys in the same order, so the settings are
    /// compared pairwise while the keys line up (no hashing); from the first key that differs, the
    /// rest is matched by key.
    ///
    /// - Precondition: no key appears twice on one side, as the flattener guarantees (a key path
    ///   names one setting of a file).
    ///
    /// With `movedWithRename` and a `previousFile`, every setting that is the same on both sides is a
    /// ``ChangeKind/renamed`` change (a rename moves the settings into another path's scope).
    ///
    /// - Parameters:
    ///   - file: The file's path on the head side.
    ///   - previousFile: Its path on the base side when it was renamed.
    ///   - base: The base side's settings, in document order.
    ///   - head: The head side's settings, in document order.
    ///   - movedWithRename: Whether an unchanged setting of a renamed file is a change.
    /// - Returns: The changed settings, ordered by key path.
    public static func changes(
        file: String, previousFile: String? = nil, base: [Setting], head: [Setting], movedWithRename: Bool = false
    ) -> [SettingChange] {
        let moved = movedWithRename && previousFile != nil
        var changes: [SettingChange] = []
        var aligned = 0
        let common = min(base.count, head.count)
        while aligned < common, base[aligned].key == head[aligned].key {
            let old = base[aligned]
            let new = head[aligned]
            if !old.value.isSameSetting(as: new.value) {
                changes.append(modified(file, previousFile, old, new))
            } else if moved {
                changes.append(modified(file, previousFile, old, new, kind: .renamed))
            }
            aligned += 1
        }
        if aligned < base.count || aligned < head.count {
            matchByKey(file, previousFile, base[aligned...], head[aligned...], moved: moved, into: &changes)
        }
        // Each key changes once, so the order is total. Sorting positions and moving each change
        // once costs less than sorting the changes themselves (large values, copied at every move).
        guard changes.count > 1 else { return changes }
        let order = changes.indices.sorted { changes[$0].key < changes[$1].key }
        return order.map { changes[$0] }
    }

    /// The changes between two runs of settings matched by key.
    private static func matchByKey(
        _ file: String, _ previousFile: String?, _ base: ArraySlice<Setting>, _ head: ArraySlice<Setting>,
        moved: Bool, into changes: inout [SettingChange]
    ) {
        var baseByKey: [String: Setting] = [:]
        baseByKey.reserveCapacity(base.count)
        for setting in base { baseByKey[setting.key] = setting }
        var headByKey: [String: Setting] = [:]
        headByKey.reserveCapacity(head.count)
        for setting in head { headByKey[setting.key] = setting }
        for (key, old) in baseByKey {
            if let new = headByKey[key] {
                if !old.value.isSameSetting(as: new.value) {
                    changes.append(modified(file, previousFile, old, new))
                } else if moved {
                    changes.append(modified(file, previousFile, old, new, kind: .renamed))
                }
            } else {
                changes.append(
                    SettingChange(
                        file: file, previousFile: previousFile, key: key, kind: .removed, old: old.value, new: nil,
                        baseLine: old.position.line, headLine: nil))
            }
        }
        for (key, new) in headByKey where baseByKey[key] == nil {
            changes.append(
                SettingChange(
                    file: file, previousFile: previousFile, key: key, kind: .added, old: nil, new: new.value,
                    baseLine: nil, headLine: new.position.line))
        }
    }

    private static func modified(
        _ file: String, _ previousFile: String?, _ old: Setting, _ new: Setting, kind: ChangeKind = .modified
    ) -> SettingChange {
        SettingChange(
            file: file, previousFile: previousFile, key: old.key, kind: kind, old: old.value, new: new.value,
            baseLine: old.position.line, headLine: new.position.line)
    }
}
