/// One setting of a file after flattening: a key path and its leaf value (a scalar, or an empty
/// list or map), with where it is written.
public struct Setting: Sendable, Hashable {
    public var key: String
    public var value: ConfigValue
    public var position: SourcePosition
    /// Earlier definitions of the same key that the last one overrode (a duplicate key).
    public var overriddenPositions: [SourcePosition]

    /// A setting.
    ///
    /// - Parameters:
    ///   - key: Its key path.
    ///   - value: Its value.
    ///   - position: Where the value is.
    ///   - overriddenPositions: Earlier definitions of the same key.
    public init(key: String, value: ConfigValue, position: SourcePosition, overriddenPositions: [SourcePosition] = []) {
        self.key = key
        self.value = value
        self.position = position
        self.overriddenPositions = overriddenPositions
    }
}
