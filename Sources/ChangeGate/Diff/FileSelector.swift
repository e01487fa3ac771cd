import PolicyDSL

/// Which files to read and how: a path glob, the paths it leaves out and, optionally, the format to
/// read them as (the policy's `files "GLOB" except "GLOB" as FORMAT`) and the system whose
/// configuration a file must be (`detect SYSTEM`). Without a format, the extension decides.
public struct FileSelector: Sendable, Hashable {
    /// The paths to read (`**` any depth, `*` within one folder).
    public var glob: String
    /// The format to read them as; nil to follow the extension.
    public var format: ConfigFormat?
    /// Globs of paths this selector does not read (`except`, `ignore`, `--exclude`).
    public var excluded: [String]
    /// When set, a path is read only when one side's content is this system's configuration.
    public var detect: ConfigSystem?

    /// A selector.
    ///
    /// - Parameters:
    ///   - glob: The paths to read.
    ///   - format: The format to read them as; nil to follow the extension.
    ///   - excluded: Globs of paths left out.
    ///   - detect: The system a file's content must be; nil for any file.
    public init(_ glob: String, format: ConfigFormat? = nil, excluded: [String] = [], detect: ConfigSystem? = nil) {
        self.glob = glob
        self.format = format
        self.excluded = excluded
        self.detect = detect
    }

    /// Every file whose extension ChangeGate can read, anywhere in the tree.
    public static let knownConfigFiles: [FileSelector] = [
        "**/*.yaml", "**/*.yml", "**/*.json", "**/*.toml", "**/*.ini", "**/*.conf", "**/*.cfg",
    ].map { FileSelector($0) }

    /// What `diff` and `history` leave out when no `--files` and no policy names the files: what the
    /// trial on five projects' histories met beside their configuration and could not, or need not,
    /// read — Helm templates (`{{ }}` is not YAML until rendered), tool settings (`tox.ini`,
    /// `setup.cfg`), HAProxy's and nginx's own syntaxes, and vendored or generated JSON.
    public static let notConfiguration: [String] = [
        "**/templates/**", "**/tox.ini", "**/setup.cfg", "**/haproxy*.cfg", "**/nginx*.conf",
        "**/node_modules/**", "**/vendor/**", "**/package.json", "**/package-lock.json", "**/.github/**",
    ]

    /// ``knownConfigFiles`` without ``notConfiguration``: the default of `diff` and `history`.
    public static let likelyConfigFiles: [FileSelector] = knownConfigFiles.map {
        FileSelector($0.glob, excluded: notConfiguration)
    }

    /// `selectors` with `excluded` left out of each as well.
    ///
    /// - Parameters:
    ///   - excluded: Globs of paths to leave out.
    ///   - selectors: The selectors.
    /// - Returns: The selectors, each with `excluded` added to its exclusions.
    public static func excluding(_ excluded: [String], from selectors: [FileSelector]) -> [FileSelector] {
        guard !excluded.isEmpty else { return selectors }
        return selectors.map { selector in
            var copy = selector
            copy.excluded += excluded
            return copy
        }
    }

    /// The format for `path` under the first selector that reads it by path (its `as FORMAT`, else
    /// the extension); nil when none does or the format cannot be told.
    ///
    /// - Parameters:
    ///   - path: A path in the repository.
    ///   - selectors: The selectors, in order.
    /// - Returns: The format; nil when no selector reads `path` by path or the format cannot be told.
    public static func format(for path: String, in selectors: [FileSelector]) -> ConfigFormat? {
        if case .path(let format) = CompiledFileSelectors(selectors).selection(for: path) { return format }
        return nil
    }
}

/// File selectors with their globs compiled once, for the many paths of a diff.
struct CompiledFileSelectors {
    private struct Entry {
        var glob: Glob
        var excluded: [Glob]
        var format: ConfigFormat?
        var detect: ConfigSystem?
    }

    /// How the selection takes a path.
    enum Selection: Hashable {
        case none
        /// Read, as this format (nil: the extension does not tell).
        case path(ConfigFormat?)
        /// Read only when the content is one of these systems' configuration, as the format given.
        case ifDetected([Candidate])
    }

    struct Candidate: Hashable {
        var system: ConfigSystem
        var format: ConfigFormat?
    }

    private let entries: [Entry]

    init(_ selectors: [FileSelector]) {
        entries = selectors.map {
            Entry(glob: Glob($0.glob), excluded: $0.excluded.map { Glob($0) }, format: $0.format, detect: $0.detect)
        }
    }

    /// A path is read by path when a selector without `detect` takes it (whatever their order);
    /// else it is a candidate of every `detect` selector that takes it.
    func selection(for path: String) -> Selection {
        // The path split once for every selector's glob.
        let parts = Glob.Parts(path)
        var candidates: [Candidate] = []
        for entry in entries where entry.glob.matches(parts) && !entry.excluded.contains(where: { $0.matches(parts) }) {
            guard let system = entry.detect else { return .path(entry.format ?? ConfigFormat(path: path)) }
            let candidate = Candidate(system: system, format: entry.format ?? ConfigFormat(path: path))
            if !candidates.contains(candidate) { candidates.append(candidate) }
        }
        return candidates.isEmpty ? .none : .ifDetected(candidates)
    }
}
