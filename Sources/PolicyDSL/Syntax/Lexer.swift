/// Turns policy source into tokens and comments. Never fails: what it cannot read becomes an
/// `.invalid` token plus a diagnostic, so that the parser can go on and report more.
struct Lexer {
    let file: SourceFile
    private let bytes: [UInt8]
    private var index = 0
    private var lineHasToken = false
    private(set) var tokens: [Token] = []
    private(set) var comments: [Comment] = []
    private(set) var diagnostics: [Diagnostic] = []

    init(_ file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
    }

    static func tokenize(_ file: SourceFile) -> (tokens: [Token], comments: [Comment], diagnostics: [Diagnostic]) {
        var lexer = Lexer(file)
        lexer.run()
        return (lexer.tokens, lexer.comments, lexer.diagnostics)
    }

    /// The last location computed: tokens come in order, so each location is a short walk from
    /// the previous one (a search from the line's start would be quadratic on a long line).
    private var cursor = SourceLocation(path: "", line: 1, column: 1, offset: 0)

    private mutating func location(of offset: Int) -> SourceLocation {
        guard offset >= cursor.offset, cursor.path == file.path else {
            cursor = file.location(of: offset)
            return cursor
        }
        var location = cursor
        var i = cursor.offset
        let bytes = bytes
        while i < offset, i < bytes.count {
            if bytes[i] == 0x0A {
                location.line += 1
                location.column = 1
            } else if bytes[i] & 0xC0 != 0x80 {
                location.column += 1
            }
            i += 1
        }
        location.offset = offset
        cursor = location
        return location
    }

    private mutating func range(_ start: Int, _ end: Int) -> SourceRange {
        SourceRange(start: location(of: start), length: max(1, end - start))
    }

    private mutating func emit(_ kind: Token.Kind, from start: Int) {
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        tokens.append(Token(kind: kind, range: range(start, index), text: text, startsLine: !lineHasToken))
        lineHasToken = true
    }

    private mutating func error(_ message: String, from start: Int, to end: Int? = nil, notes: [String] = []) {
        diagnostics.append(
            Diagnostic(
                .error, at: SourceRange(start: file.location(of: start), length: max(1, (end ?? index) - start)),
                message, notes: notes))
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private static func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
    private static func isIdentifierStart(_ b: UInt8) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x5F
    }
    private static func isIdentifierPart(_ b: UInt8) -> Bool { isIdentifierStart(b) || isDigit(b) }

    private mutating func run() {
        while index < bytes.count {
            let start = index
            let b = bytes[index]
            switch b {
            case 0x0A:
                index += 1
                lineHasToken = false
            case 0x20, 0x09, 0x0D:
                index += 1
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != 0x0A {
                    if Self.isPlain(bytes[index]) {
                        index += 1
                        continue
                    }
                    // A control character hides text from whoever reads the policy (NUL ends it
                    // for C tools, `\r` and escapes rewrite the terminal line).
                    if let width = controlCharacter(at: index) {
                        error("\(controlName(at: index)) in a comment", from: index, to: index + width)
                        index += width
                        continue
                    }
                    index += 1
                }
                var text = String(decoding: bytes[start..<index], as: UTF8.self)
                while text.hasSuffix("\r") || text.hasSuffix(" ") { text.removeLast() }
                comments.append(Comment(text: text, range: range(start, index), ownLine: !lineHasToken))
            case UInt8(ascii: "\""):
                lexString()
            case _ where Self.isDigit(b):
                lexNumber()
            case _ where Self.isIdentifierStart(b):
                while index < bytes.count, Self.isIdentifierPart(bytes[index]) { index += 1 }
                if index - start > PolicyLimits.maxIdentifierLength {
                    error(
                        "identifier too long: \(index - start) characters, at most \(PolicyLimits.maxIdentifierLength)",
                        from: start, to: start + 1)
                    emit(.invalid, from: start)
                } else {
                    emit(.identifier(String(decoding: bytes[start..<index], as: UTF8.self)), from: start)
                }
            default:
                lexPunctuation()
            }
        }
        tokens.append(
            Token(
                kind: .endOfFile, range: range(bytes.count, bytes.count), text: "", startsLine: true))
    }

    private mutating func lexPunctuation() {
        let start = index
        let b = bytes[index]
        index += 1
        let next = peek()
        let kind: Token.Kind
        switch b {
        case UInt8(ascii: "("): kind = .leftParen
        case UInt8(ascii: ")"): kind = .rightParen
        case UInt8(ascii: "["): kind = .leftBracket
        case UInt8(ascii: "]"): kind = .rightBracket
        case UInt8(ascii: "{"): kind = .leftBrace
        case UInt8(ascii: "}"): kind = .rightBrace
        case UInt8(ascii: ","): kind = .comma
        case UInt8(ascii: "+"): kind = .plus
        case UInt8(ascii: "-"): kind = .minus
        case UInt8(ascii: "*"): kind = .star
        case UInt8(ascii: "/"): kind = .slash
        case UInt8(ascii: "="):
            if next == UInt8(ascii: "=") {
                index += 1
                kind = .equal
            } else {
                kind = .assign
            }
        case UInt8(ascii: "!"):
            if next == UInt8(ascii: "=") {
                index += 1
                kind = .notEqual
            } else {
                error("unexpected `!`; write `not` for negation or `!=` for inequality", from: start)
                kind = .invalid
            }
        case UInt8(ascii: "<"):
            if next == UInt8(ascii: "=") {
                index += 1
                kind = .lessEqual
            } else {
                kind = .less
            }
        case UInt8(ascii: ">"):
            if next == UInt8(ascii: "=") {
                index += 1
                kind = .greaterEqual
            } else {
                kind = .greater
            }
        case UInt8(ascii: "&"), UInt8(ascii: "|"):
            let word = b == UInt8(ascii: "&") ? "and" : "or"
            if next == b { index += 1 }
            error("unexpected `\(String(decoding: bytes[start..<index], as: UTF8.self))`; write `\(word)`", from: start)
            kind = .invalid
        case UInt8(ascii: "'"):
            while let c = peek(), c != UInt8(ascii: "'"), c != 0x0A { index += 1 }
            if peek() == UInt8(ascii: "'") { index += 1 }
            error("strings are written in double quotes", from: start)
            kind = .invalid
        default:
            // Skip the whole UTF-8 sequence of an unexpected character.
            while let c = peek(), c & 0xC0 == 0x80 { index += 1 }
            if controlCharacter(at: start) != nil {
                error("unexpected \(controlName(at: start))", from: start)
            } else {
                error("unexpected character `\(String(decoding: bytes[start..<index], as: UTF8.self))`", from: start)
            }
            kind = .invalid
        }
        emit(kind, from: start)
    }

    private mutating func lexString() {
        let start = index
        index += 1
        var value: [UInt8] = []
        var valid = true
        while true {
            // A run of plain bytes at once: long strings stay cheap.
            let run = index
            while index < bytes.count, Self.isPlain(bytes[index]), bytes[index] != UInt8(ascii: "\""),
                bytes[index] != UInt8(ascii: "\\")
            {
                index += 1
            }
            value.append(contentsOf: bytes[run..<index])
            guard let c = peek(), c != 0x0A else {
                error("unterminated string", from: start)
                emit(.invalid, from: start)
                return
            }
            if let width = controlCharacter(at: index) {
                error(
                    "\(controlName(at: index)) in a string", from: index, to: index + width,
                    notes: ["write a tab as \\t and a line break as \\n"])
                valid = false
                index += width
                continue
            }
            index += 1
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                guard let e = peek(), e != 0x0A else { continue }
                index += 1
                switch e {
                case UInt8(ascii: "\""): value.append(0x22)
                case UInt8(ascii: "\\"): value.append(0x5C)
                case UInt8(ascii: "n"): value.append(0x0A)
                case UInt8(ascii: "t"): value.append(0x09)
                default:
                    error("unknown escape `\\\(String(UnicodeScalar(e)))`; use \\\", \\\\, \\n or \\t", from: index - 2)
                }
                continue
            }
            value.append(c)
        }
        // Bounded so that pattern matching and overlap checks stay cheap (PolicyLimits).
        if value.count > PolicyLimits.maxStringBytes {
            error(
                "string too long: \(value.count) bytes, at most \(PolicyLimits.maxStringBytes)", from: start,
                to: start + 1)
            valid = false
        }
        emit(valid ? .string(String(decoding: value, as: UTF8.self)) : .invalid, from: start)
    }

    /// True for a byte that is no control character and starts none (tab included): the fast
    /// path of strings and comments.
    private static func isPlain(_ b: UInt8) -> Bool {
        (b >= 0x20 && b != 0x7F && b != 0xC2) || b == 0x09
    }

    /// The width in bytes of the control character at `offset` (C0 but tab, line feed and carriage
    /// return; DEL; C1), or nil.
    private func controlCharacter(at offset: Int) -> Int? {
        let b = bytes[offset]
        if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F { return 1 }
        // A carriage return counts only where it is not part of a line break.
        if b == 0x0D, offset + 1 < bytes.count, bytes[offset + 1] != 0x0A { return 1 }
        if b == 0xC2, offset + 1 < bytes.count, (0x80...0x9F).contains(bytes[offset + 1]) { return 2 }
        return nil
    }

    /// `control character U+0000` for the control character at `offset`.
    private func controlName(at offset: Int) -> String {
        let scalar = bytes[offset] == 0xC2 ? UInt32(bytes[offset + 1]) : UInt32(bytes[offset])
        let hex = String(scalar, radix: 16, uppercase: true)
        return "control character U+" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    private mutating func digits() {
        while Self.isDigit(peek()) || peek() == UInt8(ascii: "_") { index += 1 }
    }

    private mutating func lexNumber() {
        let start = index
        digits()
        // A timestamp: four digits and a dash (2026-11-26, 2026-11-26T00:00Z).
        if index - start == 4, peek() == UInt8(ascii: "-"), Self.isDigit(peek(1)) {
            lexTimestamp(from: start)
            return
        }
        var isFloat = false
        if peek() == UInt8(ascii: "."), Self.isDigit(peek(1)) {
            isFloat = true
            index += 1
            digits()
        }
        if let c = peek(), Self.isIdentifierStart(c) {
            let exponentFollows =
                Self.isDigit(peek(1))
                || ((peek(1) == UInt8(ascii: "-") || peek(1) == UInt8(ascii: "+")) && Self.isDigit(peek(2)))
            if !isFloat, c != UInt8(ascii: "e") || !exponentFollows {
                lexDuration(from: start)
                return
            }
            if c == UInt8(ascii: "e") {
                isFloat = true
                index += 1
                if peek() == UInt8(ascii: "-") || peek() == UInt8(ascii: "+") { index += 1 }
                digits()
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self).replacingUnderscores()
        if isFloat, let value = Double(text) {
            emit(.float(value), from: start)
        } else if let value = Int(text) {
            emit(.integer(value), from: start)
        } else {
            error("number `\(text)` is out of range", from: start)
            emit(.invalid, from: start)
        }
    }

    private mutating func lexDuration(from start: Int) {
        index = start
        var total = 0
        var valid = true
        repeat {
            let numberStart = index
            while Self.isDigit(peek()) { index += 1 }
            guard let amount = Int(String(decoding: bytes[numberStart..<index], as: UTF8.self)) else {
                while let c = peek(), Self.isIdentifierPart(c) { index += 1 }
                error("duration out of range", from: start)
                emit(.invalid, from: start)
                return
            }
            let unitStart = index
            while let c = peek(), Self.isIdentifierStart(c) { index += 1 }
            let unit = String(decoding: bytes[unitStart..<index], as: UTF8.self)
            let seconds: Int
            switch unit {
            case "":
                error(
                    "the last number of a duration needs a unit", from: numberStart,
                    notes: ["durations are written like 30s, 15m, 6h, 2d, 1w or 1h30m"])
                valid = false
                seconds = 0
            case "s": seconds = 1
            case "m": seconds = 60
            case "h": seconds = 3600
            case "d": seconds = 86_400
            case "w": seconds = 604_800
            default:
                error(
                    "unknown duration unit `\(unit)`", from: unitStart,
                    notes: ["durations are written like 30s, 15m, 6h, 2d, 1w or 1h30m"])
                valid = false
                seconds = 0
            }
            let (product, overflow) = amount.multipliedReportingOverflow(by: seconds)
            let (sum, overflowAdding) = total.addingReportingOverflow(product)
            if overflow || overflowAdding {
                if valid { error("duration out of range", from: start) }
                valid = false
            }
            total = sum
        } while valid && Self.isDigit(peek())
        while let c = peek(), Self.isIdentifierPart(c) { index += 1 }
        emit(valid ? .duration(total) : .invalid, from: start)
    }

    /// `YYYY-MM-DD` or `YYYY-MM-DDThh:mm[:ss[.fff]](Z|±hh:mm)`.
    private mutating func lexTimestamp(from start: Int) {
        func number(_ count: Int) -> Int? {
            guard index + count <= bytes.count, bytes[index..<index + count].allSatisfy({ Self.isDigit($0) }) else {
                return nil
            }
            defer { index += count }
            return Int(String(decoding: bytes[index..<index + count], as: UTF8.self))
        }
        func expect(_ c: Character) -> Bool {
            guard peek() == c.asciiValue else { return false }
            index += 1
            return true
        }
        index = start
        let fail = { (lexer: inout Lexer, message: String) in
            while let c = lexer.peek(),
                Self.isIdentifierPart(c) || c == UInt8(ascii: ":") || c == UInt8(ascii: "-")
                    || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
            {
                lexer.index += 1
            }
            lexer.error(message, from: start, notes: ["timestamps are ISO 8601: 2026-11-26 or 2026-11-26T00:00Z"])
            lexer.emit(.invalid, from: start)
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day)
        else {
            fail(&self, "invalid date")
            return
        }
        var seconds = Self.daysFromCivil(year: year, month: month, day: day) * 86_400
        if peek() == UInt8(ascii: "T") || peek() == UInt8(ascii: "t") {
            index += 1
            guard let hour = number(2), expect(":"), let minute = number(2), hour < 24, minute < 60 else {
                fail(&self, "invalid time of day")
                return
            }
            var second = 0
            if expect(":") {
                guard let s = number(2), s < 61 else {
                    fail(&self, "invalid seconds")
                    return
                }
                second = s
                if expect(".") { while Self.isDigit(peek()) { index += 1 } }
            }
            seconds += hour * 3600 + minute * 60 + second
            if expect("Z") || expect("z") {
                // UTC
            } else if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                index += 1
                guard let oh = number(2), expect(":"), let om = number(2), oh < 24, om < 60 else {
                    fail(&self, "invalid time zone offset")
                    return
                }
                let offset = oh * 3600 + om * 60
                seconds += sign == UInt8(ascii: "+") ? -offset : offset
            } else {
                fail(&self, "a timestamp with a time needs a time zone (Z or ±hh:mm)")
                return
            }
        }
        if let c = peek(), Self.isIdentifierPart(c) {
            fail(&self, "invalid timestamp")
            return
        }
        emit(.timestamp(seconds), from: start)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
