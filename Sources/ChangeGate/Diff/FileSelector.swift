import PolicyDSL

/// Which files to read and how: a path glob and, optionally, the format to read them as
/// (the policy's `files "GLOB" as FORMAT`). Without a format, the extension decides.
public struct FileSelector: Sendable, Hashable {
    public var glob: String
    public var format: ConfigFormat?

    public init(_ glob: String, format: ConfigFormat? = nil) {
        self.glob = glob
        self.format = format
    }

    /// Every file whose extension ChangeGate can read, anywhere in the tree.
    public static let knownConfigFiles: [FileSelector] = [
        "**/*.yaml", "**/*.yml", "**/*.json", "**/*.toml", "**/*.ini", "**/*.conf", "**/*.cfg",
    ].map { FileSelector($0) }

    /// The format for `path` under the first selector that matches it (its `as FORMAT`, else the
    /// extension); nil when no selector matches or the format cannot be told.
    public static func format(for path: String, in selectors: [FileSelector]) -> ConfigFormat? {
        CompiledFileSelectors(selectors).format(for: path)
    }
}

/// File selectors with their globs compiled once, for the many paths of a diff.
struct CompiledFileSelectors {
    private let entries: [(glob: Glob, format: ConfigFormat?)]
    let paths: PathGlobs

    init(_ selectors: [FileSelector]) {
        entries = selectors.map { (Glob($0.glob), $0.format) }
        paths = PathGlobs(selectors.map(\.glob))
    }

    func format(for path: String) -> ConfigFormat? {
        // The path split once for every selector's glob.
        let parts = Glob.Parts(path)
        guard let entry = entries.first(where: { $0.glob.matches(parts) }) else { return nil }
        return entry.format ?? ConfigFormat(path: path)
    }
}
