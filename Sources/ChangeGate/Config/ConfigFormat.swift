/// The file formats ChangeGate reads.
public enum ConfigFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    case yaml
    case json
    case toml
    case ini
    /// Redis and Redis Sentinel's own syntax (`directive arg …`); never told by the extension
    /// (`.conf` is INI), only named (`as redis`, `detect sentinel`).
    case redis

    public var description: String { rawValue }

    /// The format a path's extension implies (`.conf.json` is JSON: the last extension counts).
    ///
    /// - Parameter path: A file's path; nil when its extension implies no format.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "yaml", "yml": self = .yaml
        case "json": self = .json
        case "toml": self = .toml
        case "ini", "conf", "cfg": self = .ini
        default: return nil
        }
    }

    /// Accepts the names a user or a policy may write (`yml` for YAML).
    ///
    /// - Parameter name: A format's name, any case; nil for an unknown name.
    public init?(name: String) {
        switch name.lowercased() {
        case "yaml", "yml": self = .yaml
        case "json": self = .json
        case "toml": self = .toml
        case "ini", "conf": self = .ini
        case "redis": self = .redis
        default: return nil
        }
    }
}
