import ChangeGate
import Foundation

/// A map of the configuration file being read: hands out its fields by name, each once, and
/// refuses the keys nobody asked for (``finish()``), so that a misspelt key is an error rather
/// than a setting silently left at its default.
struct ConfigurationFields {
    let path: String
    let map: ConfigMap
    /// Where the map itself is, for "missing key" errors.
    let position: SourcePosition
    /// What the map is, in messages ("forge github").
    let context: String
    private var asked: Set<String> = []

    init(_ node: ConfigNode, path: String, context: String) throws(ServerConfigurationError) {
        guard case .map(let map) = node.value else {
            throw ServerConfigurationError(
                path: path, at: node.position, "\(context) must be a map of keys, not a \(node.value.typeName)")
        }
        self.path = path
        self.map = map
        self.position = node.position
        self.context = context
    }

    func error(_ node: ConfigNode, _ message: String) -> ServerConfigurationError {
        ServerConfigurationError(path: path, at: node.position, message)
    }

    /// The node of `key`, if the map has it.
    mutating func node(_ key: String) -> ConfigNode? {
        asked.insert(key)
        return map[key]
    }

    mutating func required(_ key: String) throws(ServerConfigurationError) -> ConfigNode {
        guard let node = node(key) else {
            throw ServerConfigurationError(path: path, at: position, "\(context) has no `\(key)`, which it needs")
        }
        return node
    }

    mutating func string(_ key: String) throws(ServerConfigurationError) -> String? {
        guard let node = node(key) else { return nil }
        guard case .string(let text) = node.value, !text.isEmpty else {
            throw error(node, "`\(key)` of \(context) must be a non-empty string, not \(describe(node.value))")
        }
        return text
    }

    mutating func requiredString(_ key: String) throws(ServerConfigurationError) -> String {
        let node = try required(key)
        guard case .string(let text) = node.value, !text.isEmpty else {
            throw error(node, "`\(key)` of \(context) must be a non-empty string, not \(describe(node.value))")
        }
        return text
    }

    mutating func positiveInteger(_ key: String) throws(ServerConfigurationError) -> Int? {
        guard let node = node(key) else { return nil }
        guard case .integer(let value) = node.value, value > 0 else {
            throw error(node, "`\(key)` of \(context) must be a whole number above 0, not \(describe(node.value))")
        }
        return value
    }

    mutating func strings(_ key: String) throws(ServerConfigurationError) -> [String]? {
        guard let node = node(key) else { return nil }
        guard case .list(let items) = node.value else {
            throw error(node, "`\(key)` of \(context) must be a list of strings, not a \(node.value.typeName)")
        }
        var result: [String] = []
        for item in items {
            guard case .string(let text) = item.value, !text.isEmpty else {
                throw error(
                    item, "each of `\(key)` of \(context) must be a non-empty string, not \(describe(item.value))")
            }
            result.append(text)
        }
        return result
    }

    /// The entries of a map-valued key, each with its name.
    mutating func entries(_ key: String) throws(ServerConfigurationError) -> [ConfigMap.Entry] {
        guard let node = node(key) else { return [] }
        guard case .map(let map) = node.value else {
            throw error(node, "`\(key)` must be a map of names to settings, not a \(node.value.typeName)")
        }
        return map.entries
    }

    /// Refuses every key no one asked for.
    func finish() throws(ServerConfigurationError) {
        for entry in map.entries where !asked.contains(entry.key) {
            let known = asked.sorted().map { "`\($0)`" }.joined(separator: ", ")
            throw ServerConfigurationError(
                path: path, at: entry.keyPosition, "unknown key `\(entry.key)` in \(context) (known: \(known))")
        }
    }

    private func describe(_ value: ConfigValue) -> String {
        if case .string(let text) = value { return text.isEmpty ? "an empty string" : "a string" }
        return "\(value.typeName) \(value.scalarText ?? "")".trimmingCharacters(in: .whitespaces)
    }
}
