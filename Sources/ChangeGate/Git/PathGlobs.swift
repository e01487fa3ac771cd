import PolicyDSL

/// Path globs that limit a tree diff (`db/**/*.yaml`), with the literal directory prefixes that let
/// libgit2 skip whole subtrees before any glob is tried.
public struct PathGlobs: Sendable, Hashable {
    public let patterns: [String]
    private let globs: [Glob]

    /// `nil` or an empty list means every path.
    ///
    /// - Parameter patterns: Path globs (`**` any depth, `*` within one folder).
    public init(_ patterns: [String]?) {
        self.patterns = patterns ?? []
        self.globs = self.patterns.map { Glob($0) }
    }

    public static let all = PathGlobs(nil)

    public var matchesEverything: Bool { patterns.isEmpty }

    /// Whether a path is selected.
    ///
    /// - Parameter path: A path from the repository's root.
    /// - Returns: True when any pattern matches it, or there are none.
    public func matches(_ path: String) -> Bool {
        guard !globs.isEmpty else { return true }
        // Split once for every glob.
        let parts = Glob.Parts(path)
        return globs.contains { $0.matches(parts) }
    }

    /// Directory prefixes to hand libgit2 as a pathspec; empty when some pattern can match anywhere.
    var directoryPrefixes: [String] {
        var prefixes: [String] = []
        for glob in globs {
            guard let prefix = glob.literalDirectoryPrefix, !prefix.isEmpty else { return [] }
            prefixes.append(prefix)
        }
        return prefixes
    }
}
