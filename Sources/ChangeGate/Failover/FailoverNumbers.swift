import Foundation

/// How each system turns a setting into a number, so that the model reads a timer as the system
/// does: a value ChangeGate read otherwise (a default for `ttl: 15.5`, which Patroni reads as 15)
/// would let a change past the rules that read it.
enum NumberSemantics: Sendable {
    /// Python's `int(value)`: Patroni's dynamic settings (`config[name] = int(value)`,
    /// patroni/config.py `_safe_copy_dynamic_configuration`). Floats truncate, booleans are 0 and
    /// 1, strings may have spaces around and `_` between digits; anything else raises.
    case python
    /// Patroni's `parse_int` (patroni/utils.py): a number or numeric string, rounded half to even.
    case pythonRounded
    /// C's `atoi`: Redis and Sentinel (`atoi(argv[…])` in src/sentinel.c). Leading spaces and a
    /// sign, then digits up to the first non-digit; none is 0.
    case atoi
    /// An integer, or a whole float: what Go's encoding/json and the Kubernetes API accept for an
    /// integer field (Orchestrator, CloudNativePG); a numeric string as well.
    case integer
}

extension FailoverModel {
    /// The largest magnitude a timer may have before the model calls it out: past it no failover
    /// happens in any useful time, and sums of a few such values stay far from overflow.
    static let largestTimer = 1_000_000_000

    /// The number `value` is under `semantics`, or nil when the system cannot read it as one.
    static func number(_ value: ConfigValue, as semantics: NumberSemantics) -> Int? {
        switch semantics {
        case .python:
            switch value {
            case .integer(let n): return n
            case .bool(let b): return b ? 1 : 0
            case .float(let d): return d.isFinite && abs(d) < 9e18 ? Int(d.rounded(.towardZero)) : nil
            case .string(let s): return pythonInt(s)
            default: return nil
            }
        case .pythonRounded:
            switch value {
            case .integer(let n): return n
            case .bool(let b): return b ? 1 : 0
            case .float(let d): return d.isFinite && abs(d) < 9e18 ? Int(d.rounded(.toNearestOrEven)) : nil
            case .string(let s):
                if let n = pythonInt(s) { return n }
                let trimmed = s.trimmingCharacters(in: .whitespaces)
                guard let d = Double(trimmed), d.isFinite, abs(d) < 9e18 else { return nil }
                return Int(d.rounded(.toNearestOrEven))
            default: return nil
            }
        case .atoi:
            switch value {
            case .integer(let n): return n
            case .float(let d): return d.isFinite && abs(d) < 9e18 ? Int(d.rounded(.towardZero)) : nil
            case .string(let s): return atoi(s)
            case .bool(let b): return b ? 1 : 0
            default: return nil
            }
        case .integer:
            return seconds(value)
        }
    }

    /// Python's `int(str)`: surrounding whitespace, a sign, decimal digits with single `_`
    /// between them.
    static func pythonInt(_ text: String) -> Int? {
        var body = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard let first = body.first, first.isASCII, first.isNumber, body.last?.isNumber == true,
            !body.contains("__")
        else { return nil }
        let digits = body.filter { $0 != "_" }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else { return nil }
        return negative ? -n : n
    }

    /// C's `atoi` over the text's bytes.
    static func atoi(_ text: String) -> Int {
        var bytes = text.utf8.drop { [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains($0) }
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var n = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { break }
            let (times, o1) = n.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(byte - 0x30))
            if o1 || o2 { return negative ? Int.min : Int.max }
            n = sum
        }
        return negative ? -n : n
    }

    /// Python's `bool(value)` for a setting that may be a container: `[false]` and `{x: 0}` are
    /// true (non-empty), `"false"` is true (a non-empty string), `0` and `""` are false. A
    /// container's items are flattened to `KEY[0]` and `KEY.x`, so their presence counts.
    static func pythonTruthy(_ key: String, in settings: [String: ConfigValue]) -> Bool {
        if let value = settings[key] {
            switch value {
            case .null: return false
            case .bool(let b): return b
            case .integer(let n): return n != 0
            case .float(let d): return d != 0
            case .string(let s): return !s.isEmpty
            case .list(let items): return !items.isEmpty
            case .map(let map): return !map.entries.isEmpty
            }
        }
        return settings.keys.contains { $0.hasPrefix(key + "[") || $0.hasPrefix(key + ".") }
    }
}

extension FailoverAssessment {
    /// The first of `candidates` that is set, read as its system reads it (`semantics`) and
    /// recorded as an input; else `fallback`, recorded as assumed under `reported`. A value the
    /// system cannot read as a number, or one past ``FailoverModel/largestTimer``, is a broken rule
    /// (the gate then denies) and the bound is worked out with the default or the limit.
    mutating func input(
        _ candidates: [(key: String, value: ConfigValue?)], default fallback: Int, reported: String,
        semantics: NumberSemantics
    ) -> Int {
        for candidate in candidates {
            guard let value = candidate.value else { continue }
            guard let read = FailoverModel.number(value, as: semantics) else {
                violations.append(
                    "\(candidate.key) is \(value.scalarText.map { "\"\($0)\"" } ?? "not a number"): "
                        + "\(systemName == "generic" ? "it" : system?.description ?? "it") cannot read it as a number")
                inputs.append(Input(key: candidate.key, value: String(fallback), assumed: true))
                return fallback
            }
            let limit = FailoverModel.largestTimer
            if abs(read) > limit {
                violations.append("\(candidate.key) is \(read): beyond any useful failover timer (±\(limit))")
                let clamped = read < 0 ? -limit : limit
                inputs.append(Input(key: candidate.key, value: String(clamped), assumed: false))
                return clamped
            }
            inputs.append(Input(key: candidate.key, value: String(read), assumed: false))
            return read
        }
        inputs.append(Input(key: reported, value: String(fallback), assumed: true))
        return fallback
    }
}
