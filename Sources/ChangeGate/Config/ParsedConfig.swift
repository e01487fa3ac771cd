/// A configuration file read into typed trees.
public struct ParsedConfig: Sendable, Hashable {
    public var path: String
    public var format: ConfigFormat
    /// One tree per document. Only YAML has several; an empty YAML file has none.
    public var documents: [ConfigNode]
    /// Non-fatal findings, such as a key defined twice in one map.
    public var warnings: [ConfigDiagnostic]

    /// A parsed file.
    ///
    /// - Parameters:
    ///   - path: The file's path.
    ///   - format: The format it was read as.
    ///   - documents: One tree per document.
    ///   - warnings: Non-fatal findings.
    public init(path: String, format: ConfigFormat, documents: [ConfigNode], warnings: [ConfigDiagnostic] = []) {
        self.path = path
        self.format = format
        self.documents = documents
        self.warnings = warnings
    }
}

/// A finding about a configuration file, with where it is.
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// A key defined twice in one map (`earlier` is the first definition): readers disagree on
        /// it, so the settings diff refuses it in the version a change brings.
        case duplicateKey = "duplicate-key"
        case other
    }

    public var kind: Kind
    public var path: String
    public var position: SourcePosition
    /// The other place a finding involves (the first definition of a duplicated key).
    public var earlier: SourcePosition?
    /// The key a finding is about, as the file writes it.
    public var key: String?
    public var message: String

    /// A finding.
    ///
    /// - Parameters:
    ///   - kind: What it is.
    ///   - path: The file.
    ///   - position: Where.
    ///   - earlier: The other place it involves.
    ///   - key: The key it is about.
    ///   - message: What to say.
    public init(
        _ kind: Kind = .other, path: String, position: SourcePosition, earlier: SourcePosition? = nil,
        key: String? = nil, message: String
    ) {
        self.kind = kind
        self.path = path
        self.position = position
        self.earlier = earlier
        self.key = key
        self.message = message
    }

    public var description: String { "\(path):\(position.line):\(position.column): warning: \(message)" }
}
