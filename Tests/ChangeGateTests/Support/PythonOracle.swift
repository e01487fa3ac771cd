import ChangeGate
import Foundation

/// The flattened settings of a file as one reader sees them, or its error.
enum FlatResult: Equatable, CustomStringConvertible {
    case settings([String: ConfigValue])
    case error(String)

    var isError: Bool { if case .error = self { true } else { false } }

    /// Equal outcomes: both errors, or the same key paths with the same types and values.
    func agrees(with other: FlatResult) -> Bool {
        switch (self, other) {
        case (.error, .error): return true
        case (.settings(let a), .settings(let b)):
            return a.count == b.count
                && a.allSatisfy { key, value in b[key].map { value.isSameSetting(as: $0) } ?? false }
        default: return false
        }
    }

    var description: String {
        switch self {
        case .error(let message): return "error: \(message)"
        case .settings(let settings):
            return settings.keys.sorted().map { "\($0) = \(settings[$0]!)" }.joined(separator: "\n")
        }
    }

    /// The first difference, for a readable failure.
    func difference(from other: FlatResult) -> String {
        guard case .settings(let a) = self, case .settings(let b) = other else { return "\(self)\n-- vs --\n\(other)" }
        for key in Set(a.keys).union(b.keys).sorted()
        where !(a[key].flatMap { x in b[key].map { x.isSameSetting(as: $0) } } ?? false) {
            return "\(key): \(a[key].map { "\($0)" } ?? "absent") vs \(b[key].map { "\($0)" } ?? "absent")"
        }
        return "no difference"
    }
}

/// ChangeGate's own reading of a file, flattened.
func changegateReading(_ url: URL, format: ConfigFormat) -> FlatResult {
    do {
        let bytes = Array(try Data(contentsOf: url))
        let parsed = try ConfigReader().read(bytes, path: url.path, format: format)
        var settings: [String: ConfigValue] = [:]
        for setting in try SettingsFlattener.settings(of: parsed) { settings[setting.key] = setting.value }
        return .settings(settings)
    } catch {
        return .error("\(error)")
    }
}

/// `scripts/oracle/flatten.py`: PyYAML's `SafeLoader` and Python's `json`, flattened by an
/// independent implementation of the key-path rules.
enum PythonOracle {
    /// `libyaml: true` parses with PyYAML's C loader (libyaml, the parser ChangeGate uses) instead of
    /// the pure-Python one; construction and resolution are PyYAML's either way.
    static func read(_ urls: [URL], format: ConfigFormat, libyaml: Bool = false) throws -> [String: FlatResult] {
        var results: [String: FlatResult] = [:]
        // Chunks keep the command line short.
        for start in stride(from: 0, to: urls.count, by: 500) {
            let chunk = urls[start..<min(urls.count, start + 500)]
            let script = Paths.packageRoot.appendingPathComponent("scripts/oracle/flatten.py").path
            let output = try Shell.check(
                ["python3", script, "--format", format.rawValue] + (libyaml ? ["--libyaml"] : []) + chunk.map(\.path))
            for line in output.split(separator: "\n") {
                let parsed = try ConfigReader().read(Array(line.utf8), path: "oracle-output.json")
                guard case .map(let object) = parsed.documents[0].value, case .string(let file)? = object["file"]?.value
                else { continue }
                if case .bool(true)? = object["ok"]?.value, case .list(let entries)? = object["entries"]?.value {
                    var settings: [String: ConfigValue] = [:]
                    for entry in entries {
                        guard case .list(let triple) = entry.value, triple.count == 3,
                            case .string(let path) = triple[0].value, case .string(let type) = triple[1].value
                        else { continue }
                        settings[path] = value(type: type, triple[2].value)
                    }
                    results[file] = .settings(settings)
                } else {
                    results[file] = .error(object["error"]?.value.scalarText ?? "error")
                }
            }
        }
        return results
    }

    private static func value(type: String, _ raw: ConfigValue) -> ConfigValue {
        switch (type, raw) {
        case ("float", .string("inf")): return .float(.infinity)
        case ("float", .string("-inf")): return .float(-.infinity)
        case ("float", .string("nan")): return .float(.nan)
        case ("float", .integer(let i)): return .float(Double(i))
        default: return raw
        }
    }
}
