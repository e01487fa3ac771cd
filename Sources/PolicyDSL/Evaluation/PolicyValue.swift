/// A value the evaluator works with: what config files hold, plus durations and timestamps.
public enum PolicyValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
    case list([PolicyValue])
    /// Seconds.
    case duration(Int)
    /// Seconds since the Unix epoch.
    case timestamp(Int)

    var isTruthy: Bool {
        if case .bool(true) = self { return true }
        return false
    }

    var number: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .float(let d): d
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .float(let d): d.description
        case .string(let s): PolicyFormatter.quote(s)
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .duration(let s): "\(s)s"
        case .timestamp(let t): Timestamp.iso(t)
        }
    }
}
