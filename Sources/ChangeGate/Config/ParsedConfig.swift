/// A configuration file read into typed trees.
public struct ParsedConfig: Sendable, Hashable {
    public var path: String
    public var format: ConfigFormat
    /// One tree per document. Only YAML has several; an empty YAML file has none.
    public var documents: [ConfigNode]
    /// Non-fatal findings, such as a key defined twice in one map.
    public var warnings: [ConfigDiagnostic]

    public init(path: String, format: ConfigFormat, documents: [ConfigNode], warnings: [ConfigDiagnostic] = []) {
        self.path = path
        self.format = format
        self.documents = documents
        self.warnings = warnings
    }
}

/// A finding about a configuration file, with where it is.
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var position: SourcePosition
    public var message: String

    public init(path: String, position: SourcePosition, message: String) {
        self.path = path
        self.position = position
        self.message = message
    }

    public var description: String { "\(path):\(position.line):\(position.column): warning: \(message)" }
}
