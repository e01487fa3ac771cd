/// How a setting changed between two sides.
public enum ChangeKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The setting is on the head side only.
    case added
    /// The setting is on the base side only.
    case removed
    /// The setting's value (or its type) differs.
    case modified
    /// The file was renamed and the setting moved with it unchanged: a change of where it applies
    /// (`db/prod-next/x.yml` → `db/prod/x.yml` puts every setting in production), so the policy sees it.
    case renamed
}

/// One changed setting: which file, which key, and its typed values on each side.
public struct SettingChange: Sendable, Hashable {
    /// The file's path on the head side (on the base side for a deleted file).
    public var file: String
    /// The path on the base side when the file was renamed.
    public var previousFile: String?
    /// The setting's key path (``SettingPath``), as `diff` prints it: `bootstrap.dcs.ttl`.
    public var key: String
    /// How it changed.
    public var kind: ChangeKind
    /// The value on the base side; `nil` when the setting was added.
    public var old: ConfigValue?
    /// The value on the head side; `nil` when the setting was removed.
    public var new: ConfigValue?
    /// The setting's line on the base side; nil when it was added.
    public var baseLine: Int?
    /// The setting's line on the head side; nil when it was removed.
    public var headLine: Int?

    /// A change.
    ///
    /// - Parameters:
    ///   - file: The file's path on the head side (the base side for a deleted file).
    ///   - previousFile: Its path on the base side when it was renamed.
    ///   - key: The setting's key path.
    ///   - kind: How it changed.
    ///   - old: The value on the base side.
    ///   - new: The value on the head side.
    ///   - baseLine: The line on the base side.
    ///   - headLine: The line on the head side.
    public init(
        file: String, previousFile: String? = nil, key: String, kind: ChangeKind, old: ConfigValue?, new: ConfigValue?,
        baseLine: Int?, headLine: Int?
    ) {
        self.file = file
        self.previousFile = previousFile
        self.key = key
        self.kind = kind
        self.old = old
        self.new = new
        self.baseLine = baseLine
        self.headLine = headLine
    }

    /// True when both sides hold a value but of different types (`30` → `"30"`).
    public var typeChanged: Bool {
        guard let old, let new else { return false }
        return old.typeName != new.typeName
    }
}
