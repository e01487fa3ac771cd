/// The systems a `files … detect SYSTEM` line recognises by content, and where their files usually
/// are. The recognising itself reads configuration, so it lives with the readers (ChangeGate's
/// `ConfigSystem`); the language only knows the names.
public enum FileDetection {
    /// The names `detect` accepts.
    public static let systems = ["patroni", "cnpg", "orchestrator", "sentinel"]

    /// The globs a `files detect SYSTEM` line without globs of its own looks at: every file of the
    /// formats the system writes its configuration in, anywhere in the tree.
    ///
    /// - Parameter system: One of ``systems``.
    /// - Returns: The globs.
    public static func defaultGlobs(for system: String) -> [String] {
        switch system {
        case "patroni": ["**/*.yaml", "**/*.yml"]
        // kubectl applies JSON manifests as well as YAML ones.
        case "cnpg": ["**/*.yaml", "**/*.yml", "**/*.json"]
        case "orchestrator": ["**/*.json"]
        case "sentinel": ["**/*.conf"]
        default: []
        }
    }

    /// The format a system's files are read as when the line names none (Sentinel's own syntax is
    /// not INI, whatever the extension says).
    ///
    /// - Parameter system: One of ``systems``.
    /// - Returns: The format's name, or nil to follow the extension.
    public static func defaultFormat(for system: String) -> String? {
        system == "sentinel" ? "redis" : nil
    }
}
