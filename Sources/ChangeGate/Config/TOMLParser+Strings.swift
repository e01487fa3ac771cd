/// TOML's four kinds of strings: basic `"…"`, literal `'…'`, and their multi-line forms.
extension TOMLParser {
    /// At `"`. Without escapes the string is sliced straight from the input.
    mutating func parseBasicString() throws(ConfigError) -> String {
        let open = index
        var i = index + 1
        while i < bytes.count {
            let b = bytes[i]
            if b == .quote {
                let text = string(index + 1..<i)
                index = i + 1
                return text
            }
            if b == .backslash || b.isForbiddenControl { break }
            i += 1
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index + 1..<i]))
        index = i
        while true {
            guard index < bytes.count else { throw error("unterminated string: `\"` expected", at: open) }
            let b = bytes[index]
            switch b {
            case .quote:
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            case .backslash:
                try parseEscape()
            case let b where b == .lineFeed || b == .carriageReturn && isLineBreak(at: index):
                throw error(
                    "unterminated string: a basic string ends on its line (`\"\"\"` starts a multi-line one)", at: open)
            case let b where b.isForbiddenControl:
                throw error("\(describe(at: index)) must be escaped in a string")
            default:
                scratch.append(b)
                index += 1
            }
        }
    }

    /// At `'`: no escapes, so always a slice of the input.
    mutating func parseLiteralString() throws(ConfigError) -> String {
        let open = index
        var i = index + 1
        while i < bytes.count {
            let b = bytes[i]
            if b == .apostrophe {
                let text = string(index + 1..<i)
                index = i + 1
                return text
            }
            if isLineBreak(at: i) { break }
            if b.isForbiddenControl {
                index = i
                throw error("\(describe(at: i)) is not allowed in a literal string")
            }
            i += 1
        }
        throw error("unterminated literal string: `'` expected", at: open)
    }

    /// At `"""`. A line break right after the opening quotes is dropped, `\r\n` becomes `\n`, and a
    /// backslash at the end of a line drops the line break and the whitespace that follows.
    mutating func parseMultilineBasicString() throws(ConfigError) -> String {
        let open = mark
        index += 3
        try skipFirstNewline()
        scratch.removeAll(keepingCapacity: true)
        while true {
            guard index < bytes.count else {
                throw error("unterminated string: `\"\"\"` expected", at: open)
            }
            let b = bytes[index]
            switch b {
            case .quote:
                if index + 2 < bytes.count, bytes[index + 1] == .quote, bytes[index + 2] == .quote {
                    index += 3
                    appendClosingExtraQuotes(.quote)
                    return String(decoding: scratch, as: UTF8.self)
                }
                scratch.append(b)
                index += 1
            case .backslash:
                if try !skipLineEndingBackslash() { try parseEscape() }
            case .lineFeed, .carriageReturn:
                try consumeNewline()
                scratch.append(.lineFeed)
            case let b where b.isForbiddenControl:
                throw error("\(describe(at: index)) must be escaped in a string")
            default:
                scratch.append(b)
                index += 1
            }
        }
    }

    /// At `'''`: no escapes; `\r\n` becomes `\n`.
    mutating func parseMultilineLiteralString() throws(ConfigError) -> String {
        let open = mark
        index += 3
        try skipFirstNewline()
        scratch.removeAll(keepingCapacity: true)
        var runStart = index
        while true {
            guard index < bytes.count else {
                throw error("unterminated literal string: `'''` expected", at: open)
            }
            let b = bytes[index]
            switch b {
            case .apostrophe:
                if index + 2 < bytes.count, bytes[index + 1] == .apostrophe, bytes[index + 2] == .apostrophe {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                    index += 3
                    appendClosingExtraQuotes(.apostrophe)
                    return String(decoding: scratch, as: UTF8.self)
                }
                index += 1
            case .lineFeed, .carriageReturn:
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                try consumeNewline()
                scratch.append(.lineFeed)
                runStart = index
            case let b where b.isForbiddenControl:
                throw error("\(describe(at: index)) is not allowed in a literal string")
            default:
                index += 1
            }
        }
    }

    private mutating func skipFirstNewline() throws(ConfigError) {
        if index < bytes.count, bytes[index] == .lineFeed || bytes[index] == .carriageReturn {
            try consumeNewline()
        }
    }

    /// `"""a""""` is `a"`: the closing quotes are the first three, and up to two more are content.
    private mutating func appendClosingExtraQuotes(_ quote: UInt8) {
        var extra = 0
        while extra < 2, index < bytes.count, bytes[index] == quote {
            scratch.append(quote)
            index += 1
            extra += 1
        }
    }

    /// At `\` in a multi-line basic string: when only whitespace follows it on its line, skips the
    /// line break and all whitespace and line breaks after it, and returns true.
    private mutating func skipLineEndingBackslash() throws(ConfigError) -> Bool {
        var i = index + 1
        while i < bytes.count, bytes[i] == .space || bytes[i] == .tab { i += 1 }
        guard i < bytes.count, bytes[i] == .lineFeed || bytes[i] == .carriageReturn else {
            if i > index + 1 {
                throw error("a `\\` followed by whitespace must end its line (a line-ending backslash)")
            }
            return false
        }
        index = i
        while index < bytes.count {
            switch bytes[index] {
            case .space, .tab: index += 1
            case .lineFeed, .carriageReturn: try consumeNewline()
            default: return true
            }
        }
        return true
    }

    /// At `\` in a basic string: appends the escaped character's UTF-8.
    private mutating func parseEscape() throws(ConfigError) {
        let start = index
        guard index + 1 < bytes.count else { throw error("unterminated string after `\\`") }
        let e = bytes[index + 1]
        index += 2
        switch e {
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "t"): scratch.append(.tab)
        case UInt8(ascii: "n"): scratch.append(.lineFeed)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "r"): scratch.append(.carriageReturn)
        case .quote: scratch.append(.quote)
        case .backslash: scratch.append(.backslash)
        case UInt8(ascii: "u"): try appendScalar(hexDigits: 4, escapeStart: start)
        case UInt8(ascii: "U"): try appendScalar(hexDigits: 8, escapeStart: start)
        case .lineFeed, .carriageReturn:
            throw error("a `\\` at the end of a line is only allowed in a multi-line basic string", at: start)
        default:
            let escape =
                (0x21..<0x7F).contains(e)
                ? "`\\\(Character(UnicodeScalar(e)))`" : "`\\` followed by \(describe(at: start + 1))"
            throw error(
                "invalid escape \(escape); TOML has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX", at: start)
        }
    }

    private mutating func appendScalar(hexDigits: Int, escapeStart: Int) throws(ConfigError) {
        var value: UInt32 = 0
        for _ in 0..<hexDigits {
            guard index < bytes.count, let digit = bytes[index].hexDigitValue else {
                throw error(
                    "`\\\(hexDigits == 4 ? "u" : "U")` needs \(hexDigits) hexadecimal digits", at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        guard let scalar = Unicode.Scalar(value) else {
            let text = String(value, radix: 16, uppercase: true)
            throw error("U+\(text) is not a Unicode scalar value (a surrogate or beyond U+10FFFF)", at: escapeStart)
        }
        scratch.append(contentsOf: UTF8.encode(scalar)!)
    }
}
