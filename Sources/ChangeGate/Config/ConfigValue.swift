/// A position in a configuration file, 1-based, as editors and compilers count.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    /// A position.
    ///
    /// - Parameters:
    ///   - line: The line, from 1.
    ///   - column: The column in characters, from 1.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// One node of a parsed configuration file: a typed value and where it starts.
public struct ConfigNode: Sendable, Hashable {
    public var value: ConfigValue
    public var position: SourcePosition

    /// A node.
    ///
    /// - Parameters:
    ///   - value: Its value.
    ///   - position: Where it starts in the file.
    public init(_ value: ConfigValue, at position: SourcePosition) {
        self.value = value
        self.position = position
    }
}

/// The typed tree every reader (YAML, JSON, TOML, INI) produces.
public enum ConfigValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
    case list([ConfigNode])
    case map(ConfigMap)

    /// The type's name as reports show it ("integer", "string", …).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .integer: "integer"
        case .float: "float"
        case .string: "string"
        case .list: "list"
        case .map: "map"
        }
    }

    /// The text of a scalar as key paths and messages write it (`true`, `30`, `1.5`, `inf`);
    /// `nil` for lists and maps.
    public var scalarText: String? {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .float(let d):
            if d.isNaN { "nan" } else if d.isInfinite { d < 0 ? "-inf" : "inf" } else { d.description }
        case .string(let s): s
        case .list, .map: nil
        }
    }

    public var isScalar: Bool {
        switch self {
        case .list, .map: false
        default: true
        }
    }

    /// Equality as a settings diff needs it: types must match, and NaN equals NaN
    /// (a file that keeps `.nan` has not changed).
    ///
    /// - Parameter other: The value on the other side.
    /// - Returns: Whether the two are the same setting.
    public func isSameSetting(as other: ConfigValue) -> Bool {
        switch (self, other) {
        case (.float(let a), .float(let b)):
            return a == b || (a.isNaN && b.isNaN)
        default:
            return self == other
        }
    }
}

/// An insertion-ordered map with unique keys; when a key repeats, the last value wins
/// (as PyYAML and Go's encoding/json read it) and the earlier positions are kept.
public struct ConfigMap: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var keyPosition: SourcePosition
        public var node: ConfigNode
        /// Where the same key was defined before in this map (duplicates; the last one wins).
        public var overriddenPositions: [SourcePosition]
    }

    public private(set) var entries: [Entry] = []
    /// Built once the map passes ``linearSearchLimit`` entries: most config maps are smaller, and
    /// a scan of a few keys costs less than hashing (a large file has thousands of small maps).
    private var indexByKey: [String: Int]?
    private static let linearSearchLimit = 8

    /// An empty map.
    public init() {}

    /// The number of keys.
    public var count: Int { entries.count }
    /// True when the map has no key.
    public var isEmpty: Bool { entries.isEmpty }

    /// The node of `key`; nil when the map has none.
    public subscript(key: String) -> ConfigNode? {
        index(of: key).map { entries[$0].node }
    }

    /// The entry of `key`, with its position and overridden definitions.
    ///
    /// - Parameter key: The key.
    /// - Returns: The entry; nil when the map has none.
    public func entry(for key: String) -> Entry? {
        index(of: key).map { entries[$0] }
    }

    private func index(of key: String) -> Int? {
        if let indexByKey { return indexByKey[key] }
        return entries.firstIndex { $0.key == key }
    }

    /// Sets `key`. Returns the previous entry when the key was already present.
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - node: Its value.
    ///   - keyPosition: Where the key is written.
    ///   - recordDuplicate: Whether a previous definition counts as overridden (a duplicate key).
    /// - Returns: The previous entry; nil when the key is new.
    @discardableResult
    public mutating func set(
        _ key: String, _ node: ConfigNode, keyPosition: SourcePosition, recordDuplicate: Bool = true
    ) -> Entry? {
        if let index = index(of: key) {
            let previous = entries[index]
            var overridden = previous.overriddenPositions
            if recordDuplicate { overridden.append(previous.keyPosition) }
            entries[index] = Entry(
                key: key, keyPosition: keyPosition, node: node, overriddenPositions: overridden)
            return previous
        }
        entries.append(Entry(key: key, keyPosition: keyPosition, node: node, overriddenPositions: []))
        if indexByKey != nil {
            indexByKey![key] = entries.count - 1
        } else if entries.count > Self.linearSearchLimit {
            var index: [String: Int] = [:]
            index.reserveCapacity(entries.count * 2)
            for (i, entry) in entries.enumerated() { index[entry.key] = i }
            indexByKey = index
        }
        return nil
    }

    /// Records that `key` was also defined at `positions` before (used when merges rebuild a map).
    ///
    /// - Parameters:
    ///   - key: The key; nothing happens when the map has none.
    ///   - positions: The earlier definitions.
    public mutating func markOverridden(_ key: String, _ positions: [SourcePosition]) {
        guard let index = index(of: key) else { return }
        entries[index].overriddenPositions.append(contentsOf: positions)
    }

    public static func == (lhs: ConfigMap, rhs: ConfigMap) -> Bool { lhs.entries == rhs.entries }
    public func hash(into hasher: inout Hasher) { hasher.combine(entries) }
}
