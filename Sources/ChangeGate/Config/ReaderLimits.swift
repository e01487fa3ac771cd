/// Bounds that keep a hostile or broken file from exhausting the gate.
public struct ReaderLimits: Sendable, Hashable {
    /// Largest file read, in bytes.
    public var maxFileSize: Int
    /// Deepest nesting of maps and lists.
    public var maxDepth: Int
    /// Most nodes that YAML aliases may add in one file (a "billion laughs" file exceeds it).
    public var maxAliasExpansion: Int
    /// Most bytes of key paths one file may flatten into. Long keys over many leaves (or aliases of
    /// them) would otherwise turn a small file into gigabytes of paths.
    public var maxFlattenedBytes: Int

    /// Bounds; the defaults are ``default``'s.
    ///
    /// - Parameters:
    ///   - maxFileSize: Largest file read, in bytes (8 MiB).
    ///   - maxDepth: Deepest nesting of maps and lists (256).
    ///   - maxAliasExpansion: Most nodes YAML aliases may add in one file (100,000).
    ///   - maxFlattenedBytes: Most bytes of key paths one file may flatten into (64 MiB).
    public init(
        maxFileSize: Int = 8 << 20, maxDepth: Int = 256, maxAliasExpansion: Int = 100_000,
        maxFlattenedBytes: Int = 64 << 20
    ) {
        self.maxFileSize = maxFileSize
        self.maxDepth = maxDepth
        self.maxAliasExpansion = maxAliasExpansion
        self.maxFlattenedBytes = maxFlattenedBytes
    }

    public static let `default` = ReaderLimits()
}
