/// Why a configuration file could not be read, and where.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case syntax
        case tooLarge
        case tooDeep
        case aliasExpansion
        case invalidUTF8
        case unsupported
        case unknownFormat
    }

    public var kind: Kind
    public var path: String
    /// Where the problem is; `nil` when it concerns the whole file (its size, say).
    public var position: SourcePosition?
    public var message: String

    /// An error.
    ///
    /// - Parameters:
    ///   - kind: What went wrong.
    ///   - path: The file.
    ///   - position: Where in it; nil when it concerns the whole file.
    ///   - message: What to say.
    public init(_ kind: Kind, path: String, at position: SourcePosition?, _ message: String) {
        self.kind = kind
        self.path = path
        self.position = position
        self.message = message
    }

    public var description: String {
        if let position {
            return "\(path):\(position.line):\(position.column): error: \(message)"
        }
        return "\(path): error: \(message)"
    }
}
