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
