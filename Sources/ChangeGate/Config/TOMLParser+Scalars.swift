/// TOML's numbers and dates. Dates and times stay strings, as in the YAML reader, in RFC 3339 form
/// (`T` between date and time, `Z` for a zero offset, fractions without trailing zeros).
extension TOMLParser {
    /// At a digit, a sign, `i` or `n`: an integer, a float, or a date or time.
    mutating func parseNumberOrDateTime() throws(ConfigError) -> ConfigValue {
        let start = index
        if digits(at: start, count: 4), start + 4 < bytes.count, bytes[start + 4] == .minus {
            return .string(try parseDateTime())
        }
        if isTime(at: start) { return .string(try parseTime()) }
        var end = start
        while end < bytes.count, bytes[end].isNumberByte { end += 1 }
        index = end
        return try number(start..<end)
    }

    // MARK: - Numbers

    private mutating func number(_ token: Range<Int>) throws(ConfigError) -> ConfigValue {
        var body = token.lowerBound
        let sign = bytes[body]
        if sign == .plus || sign == .minus { body += 1 }
        let negative = sign == .minus
        if token.upperBound - body == 3 {
            let word = UnsafeBufferPointer(rebasing: bytes[body..<token.upperBound])
            if word.elementsEqual("inf".utf8) { return .float(negative ? -.infinity : .infinity) }
            if word.elementsEqual("nan".utf8) { return .float(.nan) }
        }
        guard body < token.upperBound, bytes[body].isDigit else { throw invalidNumber(token) }
        if bytes[body] == UInt8(ascii: "0"), body + 1 < token.upperBound {
            let radix: Int? =
                switch bytes[body + 1] {
                case UInt8(ascii: "x"): 16
                case UInt8(ascii: "o"): 8
                case UInt8(ascii: "b"): 2
                default: nil
                }
            if let radix {
                guard body == token.lowerBound else {
                    throw error("a hexadecimal, octal or binary integer cannot have a sign", at: token.lowerBound)
                }
                return .integer(try prefixedInteger(token, radix: radix))
            }
        }
        let integerEnd = try digitRun(from: body, in: token, radix: 10)
        if bytes[body] == UInt8(ascii: "0"), integerEnd > body + 1 {
            throw error(
                "leading zeros are not allowed in `\(string(token, limit: 40))`", at: token.lowerBound)
        }
        var i = integerEnd
        var isFloat = false
        if i < token.upperBound, bytes[i] == .dot {
            isFloat = true
            i = try digitRun(from: i + 1, in: token, radix: 10)
        }
        if i < token.upperBound, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            isFloat = true
            i += 1
            if i < token.upperBound, bytes[i] == .plus || bytes[i] == .minus { i += 1 }
            i = try digitRun(from: i, in: token, radix: 10)
        }
        guard i == token.upperBound else { throw invalidNumber(token) }
        if isFloat {
            var text = ""
            text.reserveCapacity(token.count)
            for k in token where bytes[k] != .underscore { text.unicodeScalars.append(UnicodeScalar(bytes[k])) }
            guard let value = Double(text) else { throw invalidNumber(token) }
            return .float(value)
        }
        var value = 0
        for k in body..<token.upperBound where bytes[k] != .underscore {
            let digit = Int(bytes[k] &- 0x30)
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow, !overflow2 else { throw tooLarge(token) }
            value = next
        }
        return .integer(value)
    }

    /// `0x1F`, `0o17`, `0b101`, with `_` between digits.
    private mutating func prefixedInteger(_ token: Range<Int>, radix: Int) throws(ConfigError) -> Int {
        let digitsStart = token.lowerBound + 2
        let end = try digitRun(from: digitsStart, in: token, radix: radix)
        guard end == token.upperBound else { throw invalidNumber(token) }
        var value = 0
        for k in digitsStart..<end where bytes[k] != .underscore {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: radix)
            let (next, overflow2) = shifted.addingReportingOverflow(Int(bytes[k].hexDigitValue!))
            guard !overflow, !overflow2 else { throw tooLarge(token) }
            value = next
        }
        return value
    }

    /// The end of the digits from `start` (at least one), with each `_` between two digits.
    private mutating func digitRun(from start: Int, in token: Range<Int>, radix: Int) throws(ConfigError) -> Int {
        func isDigit(_ b: UInt8) -> Bool { b.hexDigitValue.map { Int($0) < radix } ?? false }
        guard start < token.upperBound, isDigit(bytes[start]) else {
            if start < token.upperBound, bytes[start] == .underscore {
                throw error("`_` must sit between digits in `\(string(token, limit: 40))`", at: token.lowerBound)
            }
            throw invalidNumber(token)
        }
        var i = start + 1
        while i < token.upperBound {
            if isDigit(bytes[i]) {
                i += 1
            } else if bytes[i] == .underscore {
                guard i + 1 < token.upperBound, isDigit(bytes[i + 1]) else {
                    throw error("`_` must sit between digits in `\(string(token, limit: 40))`", at: token.lowerBound)
                }
                i += 2
            } else {
                break
            }
        }
        return i
    }

    private mutating func invalidNumber(_ token: Range<Int>) -> ConfigError {
        error("`\(string(token, limit: 40))` is not a valid TOML number", at: token.lowerBound)
    }

    private mutating func tooLarge(_ token: Range<Int>) -> ConfigError {
        error("integer `\(string(token, limit: 40))` does not fit in 64 bits", at: token.lowerBound)
    }

    // MARK: - Dates and times

    /// `1979-05-27`, optionally followed by `T` (or `t`, or a space) and a time, and an offset.
    private mutating func parseDateTime() throws(ConfigError) -> String {
        let start = index
        guard digits(at: start, count: 4), start + 10 <= bytes.count, bytes[start + 4] == .minus,
            digits(at: start + 5, count: 2), bytes[start + 7] == .minus, digits(at: start + 8, count: 2)
        else {
            throw error("invalid date, expected YYYY-MM-DD", at: start)
        }
        let year = number(at: start, count: 4)
        let month = number(at: start + 5, count: 2)
        let day = number(at: start + 8, count: 2)
        guard (1...12).contains(month) else { throw error("month \(month) is out of range (01 to 12)", at: start + 5) }
        guard (1...Self.days(inMonth: month, of: year)).contains(day) else {
            throw error(
                "day \(day) is out of range for \(string(start..<start + 7)) (01 to \(Self.days(inMonth: month, of: year)))",
                at: start + 8)
        }
        var text = string(start..<start + 10)
        index = start + 10
        guard index < bytes.count else { return text }
        let separator = bytes[index]
        guard
            separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t")
                || (separator == .space && isTime(at: index + 1))
        else { return text }
        index += 1
        text += "T"
        text += try parseTime()
        guard index < bytes.count else { return text }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
            text += "Z"
        case .plus, .minus:
            let offset = index
            guard digits(at: offset + 1, count: 2), offset + 6 <= bytes.count, bytes[offset + 3] == .colon,
                digits(at: offset + 4, count: 2)
            else {
                throw error("invalid time offset, expected +HH:MM or -HH:MM", at: offset)
            }
            let hours = number(at: offset + 1, count: 2)
            let minutes = number(at: offset + 4, count: 2)
            guard hours <= 23, minutes <= 59 else { throw error("time offset out of range", at: offset) }
            text += hours == 0 && minutes == 0 ? "Z" : string(offset..<offset + 6)
            index = offset + 6
        default:
            break
        }
        return text
    }

    /// `07:32:00` or `07:32:00.999999`; the fraction is kept to nanoseconds, without trailing zeros.
    private mutating func parseTime() throws(ConfigError) -> String {
        let start = index
        guard isTime(at: start), start + 8 <= bytes.count, digits(at: start + 3, count: 2),
            bytes[start + 5] == .colon, digits(at: start + 6, count: 2)
        else {
            throw error("invalid time, expected HH:MM:SS", at: start)
        }
        let hour = number(at: start, count: 2)
        let minute = number(at: start + 3, count: 2)
        let second = number(at: start + 6, count: 2)
        guard hour <= 23, minute <= 59, second <= 59 else {
            throw error("time \(string(start..<start + 8)) is out of range", at: start)
        }
        var text = string(start..<start + 8)
        index = start + 8
        guard index < bytes.count, bytes[index] == .dot else { return text }
        var end = index + 1
        while end < bytes.count, bytes[end].isDigit { end += 1 }
        guard end > index + 1 else { throw error("expected digits after `.` in a time") }
        var last = min(end, index + 10)
        while last > index + 1, bytes[last - 1] == UInt8(ascii: "0") { last -= 1 }
        if last > index + 1 { text += string(index..<last) }
        index = end
        return text
    }

    /// `HH:` at `offset`, which starts a time rather than a number.
    private func isTime(at offset: Int) -> Bool {
        digits(at: offset, count: 2) && offset + 2 < bytes.count && bytes[offset + 2] == .colon
    }

    private func digits(at offset: Int, count: Int) -> Bool {
        guard offset + count <= bytes.count else { return false }
        for i in offset..<offset + count where !bytes[i].isDigit { return false }
        return true
    }

    private func number(at offset: Int, count: Int) -> Int {
        var value = 0
        for i in offset..<offset + count { value = value * 10 + Int(bytes[i] - 0x30) }
        return value
    }

    private static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension UInt8 {
    /// The characters a number token may hold, so that `1x` or `1.5.3` reads as one invalid token.
    fileprivate var isNumberByte: Bool { isBareKeyByte || self == .plus || self == .dot }
}
