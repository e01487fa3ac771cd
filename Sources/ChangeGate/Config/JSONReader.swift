/// A strict RFC 8259 JSON reader that keeps line and column for every value.
///
/// Foundation's parser gives no positions, and reports and SARIF point at lines. No comments, no
/// trailing commas, no NaN; a duplicate key keeps the last value with a warning.
struct JSONReader {
    let path: String
    let limits: ReaderLimits

    init(path: String, limits: ReaderLimits) {
        self.path = path
        self.limits = limits
    }

    func read(_ content: UnsafeBufferPointer<UInt8>) throws(ConfigError) -> ParsedConfig {
        var parser = JSONParser(bytes: content, path: path, limits: limits)
        parser.skipWhitespace()
        let root = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < content.count {
            throw parser.error("unexpected `\(parser.describe(content[parser.index]))` after the JSON value")
        }
        return ParsedConfig(path: path, format: .json, documents: [root], warnings: parser.warnings)
    }
}

private struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    let limits: ReaderLimits
    var index = 0
    var line = 1
    var lineStart = 0
    var warnings: [ConfigDiagnostic] = []

    init(bytes: UnsafeBufferPointer<UInt8>, path: String, limits: ReaderLimits) {
        self.bytes = bytes
        self.path = path
        self.limits = limits
    }

    private var columns = ColumnCounter()

    /// Where `offset` is on the current line.
    mutating func position(at offset: Int) -> SourcePosition {
        SourcePosition(line: line, column: columns.column(of: offset, lineStart: lineStart, in: bytes))
    }

    var position: SourcePosition {
        mutating get { position(at: index) }
    }

    mutating func error(_ message: String, at offset: Int? = nil, kind: ConfigError.Kind = .syntax) -> ConfigError {
        ConfigError(kind, path: path, at: position(at: offset ?? index), message)
    }

    func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "0x" + String(byte, radix: 16, uppercase: true)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D:
                index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default:
                return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(ConfigError) -> ConfigNode {
        guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
        let start = position
        switch bytes[index] {
        case UInt8(ascii: "{"): return ConfigNode(.map(try parseObject(depth: depth + 1)), at: start)
        case UInt8(ascii: "["): return ConfigNode(.list(try parseArray(depth: depth + 1)), at: start)
        case UInt8(ascii: "\""): return ConfigNode(.string(try parseString()), at: start)
        case UInt8(ascii: "t"): try expectLiteral("true"); return ConfigNode(.bool(true), at: start)
        case UInt8(ascii: "f"): try expectLiteral("false"); return ConfigNode(.bool(false), at: start)
        case UInt8(ascii: "n"): try expectLiteral("null"); return ConfigNode(.null, at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return ConfigNode(try parseNumber(), at: start)
        default: throw error("unexpected `\(describe(bytes[index]))`, expected a value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(ConfigError) {
        let start = index
        let text = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for expected in text {
            guard index < bytes.count, bytes[index] == expected else {
                throw error("invalid literal, expected `\(literal)`", at: start)
            }
            index += 1
        }
    }

    mutating func checkDepth(_ depth: Int) throws(ConfigError) {
        if depth > limits.maxDepth {
            throw error("nesting deeper than \(limits.maxDepth) levels", kind: .tooDeep)
        }
    }

    mutating func parseObject(depth: Int) throws(ConfigError) -> ConfigMap {
        try checkDepth(depth)
        index += 1
        var map = ConfigMap()
        // Go's encoding/json (Orchestrator, most Go services) matches keys to fields ignoring case:
        // `RecoveryPeriodBlockSeconds` and `recoveryPeriodBlockSeconds` are one setting to it.
        var folded: [String: (key: String, position: SourcePosition)] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return map
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error(
                    index < bytes.count
                        ? "expected a string key in double quotes" : "unexpected end of input in an object")
            }
            let keyPosition = position
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected `:` after the key")
            }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if let previous = map.set(key, value, keyPosition: keyPosition) {
                warnings.append(
                    ConfigDiagnostic(
                        .duplicateKey, path: path, position: keyPosition, earlier: previous.keyPosition, key: key,
                        message: "duplicate key `\(key)` (also at line \(previous.keyPosition.line)); the last one wins"
                    ))
            } else if let other = folded[KeyFolding.go(key)], other.key != key {
                warnings.append(
                    ConfigDiagnostic(
                        .duplicateKey, path: path, position: keyPosition, earlier: other.position,
                        key: KeyFolding.go(key),
                        message:
                            "keys `\(other.key)` (line \(other.position.line)) and `\(key)` differ only in letter case (Unicode-wide, `ſ` is `s`): "
                            + "Go's encoding/json (Orchestrator's reader) takes them as one setting, the last wins"))
            } else {
                folded[KeyFolding.go(key)] = (key, keyPosition)
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input in an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return map
            }
            throw error("expected `,` or `}` in an object, found `\(describe(bytes[index]))`")
        }
    }

    mutating func parseArray(depth: Int) throws(ConfigError) -> [ConfigNode] {
        try checkDepth(depth)
        index += 1
        var items: [ConfigNode] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return items
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input in an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return items
            }
            throw error("expected `,` or `]` in an array, found `\(describe(bytes[index]))`")
        }
    }

    mutating func parseString() throws(ConfigError) -> String {
        let open = index
        index += 1
        // Fast path: no escapes.
        var i = index
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 {
            i += 1
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
            let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<i]), as: UTF8.self)
            index = i + 1
            return s
        }
        var out: [UInt8] = Array(bytes[index..<i])
        index = i
        while true {
            guard index < bytes.count else { throw error("unterminated string", at: open) }
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unterminated string", at: open) }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    let escapeStart = index - 2
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else {
                            throw error(
                                "lone high surrogate \\u\(String(scalar, radix: 16)) is not a character",
                                at: escapeStart)
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw error("high surrogate not followed by a low surrogate", at: escapeStart)
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error(
                            "lone low surrogate \\u\(String(scalar, radix: 16)) is not a character", at: escapeStart)
                    }
                    out.append(contentsOf: Array(String(Character(UnicodeScalar(scalar)!)).utf8))
                default:
                    throw error("invalid escape `\\\(describe(e))` in a string", at: index - 2)
                }
            case 0x00..<0x20:
                throw error("control character 0x\(String(b, radix: 16, uppercase: true)) must be escaped in a string")
            default:
                out.append(b)
                index += 1
            }
        }
    }

    mutating func hex4() throws(ConfigError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func parseNumber() throws(ConfigError) -> ConfigValue {
        let start = index
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else {
            throw error("a number needs a digit after `-`", at: start)
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                throw error("a number cannot have a leading zero", at: start)
            }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw error("a number needs digits after `.`", at: start)
            }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw error("a number needs digits in its exponent", at: start)
            }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger {
            guard let value = Int(text) else {
                throw error("integer \(text) does not fit in 64 bits", at: start, kind: .unsupported)
            }
            return .integer(value)
        }
        guard let value = Double(text) else { throw error("invalid number \(text)", at: start) }
        return .float(value)
    }
}
