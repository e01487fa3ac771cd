import ChangeGate

/// Why the configuration file cannot be used, and where: `FILE:LINE:COLUMN: error: …`, as the
/// policy's and the config readers' diagnostics say it.
public struct ServerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration file.
    public var path: String
    /// Where in it; nil when it concerns the whole file (it cannot be read).
    public var position: SourcePosition?
    /// What is wrong, and what would be right.
    public var message: String

    init(path: String, at position: SourcePosition?, _ message: String) {
        self.path = path
        self.position = position
        self.message = message
    }

    /// `FILE:LINE:COLUMN: error: MESSAGE`.
    public var description: String {
        if let position { return "\(path):\(position.line):\(position.column): error: \(message)" }
        return "\(path): error: \(message)"
    }
}
