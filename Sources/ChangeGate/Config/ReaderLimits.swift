/// Bounds that keep a hostile or broken file from exhausting the gate.
public struct ReaderLimits: Sendable, Hashable {
    /// Largest file read, in bytes.
    public var maxFileSize: Int
    /// Deepest nesting of maps and lists.
    public var maxDepth: Int
    /// Most nodes that YAML aliases may add in one file (a "billion laughs" file exceeds it).
    public var maxAliasExpansion: Int

    public init(maxFileSize: Int = 8 << 20, maxDepth: Int = 256, maxAliasExpansion: Int = 100_000) {
        self.maxFileSize = maxFileSize
        self.maxDepth = maxDepth
        self.maxAliasExpansion = maxAliasExpansion
    }

    public static let `default` = ReaderLimits()
}
