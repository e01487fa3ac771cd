/// Resolves YAML plain scalars to typed values by the YAML 1.1 rules PyYAML's `SafeLoader` applies.
///
/// Patroni reads its file with PyYAML, so the gate must see `on` as `true` and `017` as 15 just as the
/// consumer does. Each matcher mirrors one of PyYAML's implicit-resolver regular expressions; timestamps
/// deliberately stay strings.
enum YAMLScalarResolver {
    enum Resolution: Equatable {
        case value(ConfigValue)
        /// The text matches a number pattern but cannot be represented (an integer beyond 64 bits).
        case invalid(String)
    }

    static func resolvePlain(_ text: String) -> Resolution {
        var text = text
        return text.withUTF8 { resolvePlain($0) }
    }

    /// Resolves a plain scalar straight from the parser's bytes. A `String` is made only when the
    /// result needs one: most values of a large file are numbers, read here without one.
    static func resolvePlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Resolution {
        guard let first = bytes.first else { return .value(.null) }
        // Compare with the word lists only when the first letter and length allow a match: most
        // scalars are neither, and string comparisons dominated the parse of large files.
        if bytes.count <= 5, mayStartWord(first) {
            let text = String(decoding: bytes, as: UTF8.self)
            if let bool = boolValue(text) { return .value(.bool(bool)) }
            switch text {
            case "~", "null", "Null", "NULL": return .value(.null)
            // A letter or `~` first: no number pattern can match.
            default: return .value(.string(text))
            }
        }
        let mayBeNumber =
            isDigit(first) || first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
        guard mayBeNumber else { return .value(.string(String(decoding: bytes, as: UTF8.self))) }
        if let integer = plainDecimal(bytes) { return .value(.integer(integer)) }
        let b = Array(bytes)
        if matchesFloat(b) {
            return constructFloat(b).map { .value(.float($0)) }
                ?? .invalid("invalid float `\(String(decoding: b, as: UTF8.self))`")
        }
        if matchesInt(b) {
            return constructInt(b).map { .value(.integer($0)) }
                ?? .invalid("integer `\(String(decoding: b, as: UTF8.self))` does not fit in 64 bits")
        }
        return .value(.string(String(decoding: b, as: UTF8.self)))
    }

    /// The first letters of `yes`, `no`, `true`, `false`, `on`, `off`, `null` (any case) and `~`.
    private static func mayStartWord(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"),
            UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// The common integer, `[-+]?(0|[1-9][0-9]*)` of at most 18 digits (no overflow possible), read
    /// directly; nil for anything else (octal, hex, `_`, sexagesimal, floats), which the full
    /// matchers below decide.
    static func plainDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        var negative = false
        if b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+") {
            negative = b[0] == UInt8(ascii: "-")
            i = 1
        }
        let digits = b.count - i
        guard digits >= 1, digits <= 18 else { return nil }
        if b[i] == UInt8(ascii: "0") { return digits == 1 ? 0 : nil }
        var value = 0
        while i < b.count {
            let d = b[i] &- UInt8(ascii: "0")
            guard d <= 9 else { return nil }
            value = value &* 10 &+ Int(d)
            i += 1
        }
        return negative ? -value : value
    }

    /// `yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF`
    static func boolValue(_ text: String) -> Bool? {
        switch text {
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": true
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": false
        default: nil
        }
    }

    /// The bool constructor behind an explicit `!!bool` tag (case-insensitive, as PyYAML).
    static func explicitBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "true", "on": true
        case "no", "false", "off": false
        default: nil
        }
    }

    // MARK: - Matchers (PyYAML's regular expressions, written out)

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isDigitOrUnderscore(_ b: UInt8) -> Bool { isDigit(b) || b == 0x5F }

    /// Skips an optional sign.
    private static func afterSign(_ b: [UInt8]) -> Int {
        (b.first == UInt8(ascii: "-") || b.first == UInt8(ascii: "+")) ? 1 : 0
    }

    /// `[0-9_]*` from `i`; returns the index after.
    private static func skipDigitsUnderscores(_ b: [UInt8], _ i: Int) -> Int {
        var i = i
        while i < b.count, isDigitOrUnderscore(b[i]) { i += 1 }
        return i
    }

    /// `([eE][-+][0-9]+)?` ending exactly at the end.
    private static func optionalExponentAtEnd(_ b: [UInt8], _ i: Int) -> Bool {
        if i == b.count { return true }
        guard b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") else { return false }
        guard i + 1 < b.count, b[i + 1] == UInt8(ascii: "-") || b[i + 1] == UInt8(ascii: "+") else {
            return false
        }
        var j = i + 2
        guard j < b.count else { return false }
        while j < b.count {
            guard isDigit(b[j]) else { return false }
            j += 1
        }
        return true
    }

    /// `(:[0-5]?[0-9])+` from `i`; returns the index after, or nil when not even one group matches.
    private static func sexagesimalGroups(_ b: [UInt8], _ i: Int) -> Int? {
        var i = i
        var groups = 0
        while i < b.count, b[i] == UInt8(ascii: ":") {
            // `[0-5]?[0-9]`: one digit, or two where the first is 0-5. Greedy like the regex engine,
            // with backtracking to one digit when two would not be followed by ':' or the rest.
            guard i + 1 < b.count, isDigit(b[i + 1]) else { break }
            if i + 2 < b.count, isDigit(b[i + 2]), b[i + 1] <= UInt8(ascii: "5") {
                i += 3
            } else {
                i += 2
            }
            groups += 1
        }
        return groups > 0 ? i : nil
    }

    static func matchesFloat(_ b: [UInt8]) -> Bool {
        let s = afterSign(b)
        // `[-+]?\.(inf|Inf|INF)` and `\.(nan|NaN|NAN)`
        let rest = String(decoding: b[s...], as: UTF8.self)
        if rest == ".inf" || rest == ".Inf" || rest == ".INF" { return true }
        if s == 0, rest == ".nan" || rest == ".NaN" || rest == ".NAN" { return true }
        // `\.[0-9][0-9_]*([eE][-+][0-9]+)?` (no sign)
        if s == 0, b.count >= 2, b[0] == UInt8(ascii: "."), isDigit(b[1]) {
            return optionalExponentAtEnd(b, skipDigitsUnderscores(b, 2))
        }
        guard s < b.count, isDigit(b[s]) else { return false }
        let intEnd = skipDigitsUnderscores(b, s + 1)
        // `[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?`
        if intEnd < b.count, b[intEnd] == UInt8(ascii: ".") {
            if optionalExponentAtEnd(b, skipDigitsUnderscores(b, intEnd + 1)) { return true }
        }
        // `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*`
        if let end = sexagesimalGroups(b, intEnd), end < b.count, b[end] == UInt8(ascii: ".") {
            return skipDigitsUnderscores(b, end + 1) == b.count
        }
        return false
    }

    static func matchesInt(_ b: [UInt8]) -> Bool {
        let s = afterSign(b)
        guard s < b.count else { return false }
        let body = b[s...]
        func all(_ from: Int, _ ok: (UInt8) -> Bool) -> Bool {
            from < b.count && b[from...].allSatisfy(ok)
        }
        if body.starts(with: Array("0b".utf8)) {
            return all(s + 2) { $0 == 0x30 || $0 == 0x31 || $0 == 0x5F }
        }
        if body.starts(with: Array("0x".utf8)) {
            return all(s + 2) { isDigitOrUnderscore($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }
        }
        if b[s] == UInt8(ascii: "0") {
            // `0` alone, or `0[0-7_]+`
            return s + 1 == b.count || all(s + 1) { (0x30...0x37).contains($0) || $0 == 0x5F }
        }
        guard (0x31...0x39).contains(b[s]) else { return false }
        let end = skipDigitsUnderscores(b, s + 1)
        if end == b.count { return true }
        // `[1-9][0-9_]*(:[0-5]?[0-9])+`
        return sexagesimalGroups(b, end) == b.count
    }

    // MARK: - Constructors (PyYAML's construct_yaml_int / construct_yaml_float)

    static func constructInt(_ b: [UInt8]) -> Int? {
        var v = b.filter { $0 != 0x5F }
        var negative = false
        if let f = v.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            negative = f == UInt8(ascii: "-")
            v.removeFirst()
        }
        let text = String(decoding: v, as: UTF8.self)
        if text == "0" { return 0 }
        if text.hasPrefix("0b") { return parse(text.dropFirst(2), radix: 2, negative: negative) }
        if text.hasPrefix("0x") { return parse(text.dropFirst(2), radix: 16, negative: negative) }
        if text.hasPrefix("0") { return parse(text.dropFirst(1), radix: 8, negative: negative, allowEmpty: true) }
        // A byte search: `String.contains(String)` is Foundation's, a hundred times slower here.
        guard v.contains(UInt8(ascii: ":")) else { return parse(Substring(text), radix: 10, negative: negative) }
        var value = 0
        var base = 1
        for part in text.split(separator: ":", omittingEmptySubsequences: false).reversed() {
            guard let digit = Int(part) else { return nil }
            let (product, o1) = digit.multipliedReportingOverflow(by: base)
            let (sum, o2) = value.addingReportingOverflow(product)
            guard !o1, !o2 else { return nil }
            value = sum
            let (nextBase, o3) = base.multipliedReportingOverflow(by: 60)
            base = o3 ? Int.max : nextBase
        }
        return negative ? -value : value
    }

    /// Parses digits with the sign applied first, so that Int.min fits.
    private static func parse(_ digits: Substring, radix: Int, negative: Bool, allowEmpty: Bool = false) -> Int? {
        if digits.isEmpty { return allowEmpty ? 0 : nil }
        return Int((negative ? "-" : "") + digits, radix: radix)
    }

    static func constructFloat(_ b: [UInt8]) -> Double? {
        var text = String(decoding: b.filter { $0 != 0x5F }, as: UTF8.self).lowercased()
        var sign = 1.0
        if let f = text.first, f == "-" || f == "+" {
            if f == "-" { sign = -1 }
            text.removeFirst()
        }
        if text == ".inf" { return sign * .infinity }
        if text == ".nan" { return .nan }
        if text.utf8.contains(UInt8(ascii: ":")) {
            var value = 0.0
            var base = 1.0
            for part in text.split(separator: ":", omittingEmptySubsequences: false).reversed() {
                guard let digit = pythonFloat(part) else { return nil }
                value += digit * base
                base *= 60
            }
            return sign * value
        }
        return pythonFloat(Substring(text)).map { sign * $0 }
    }

    /// Python's `float()`: `[+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?`, `inf`, `infinity`,
    /// `nan` (text already lower-cased); nil for anything else (hex floats included, which Swift's
    /// `Double(_:)` would accept but Python refuses).
    static func pythonFloat(_ text: Substring) -> Double? {
        var bytes = Array(text.utf8)
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        switch String(decoding: bytes, as: UTF8.self) {
        case "inf", "infinity": return negative ? -.infinity : .infinity
        case "nan": return .nan
        default: break
        }
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        var i = 0
        var normalized: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        let integerStart = i
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        let integerDigits = bytes[integerStart..<i]
        normalized += integerDigits.isEmpty ? [UInt8(ascii: "0")] : Array(integerDigits)
        var fractionDigits: ArraySlice<UInt8> = []
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            fractionDigits = bytes[fractionStart..<i]
        }
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return nil }
        normalized += [UInt8(ascii: ".")] + (fractionDigits.isEmpty ? [UInt8(ascii: "0")] : Array(fractionDigits))
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") {
            i += 1
            normalized.append(UInt8(ascii: "e"))
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                normalized.append(bytes[i])
                i += 1
            }
            let exponentStart = i
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            guard i > exponentStart else { return nil }
            normalized += bytes[exponentStart..<i]
        }
        guard i == bytes.count else { return nil }
        return Double(String(decoding: normalized, as: UTF8.self))
    }
}
