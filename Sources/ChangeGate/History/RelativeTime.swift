/// A moment given on the command line (`--since`, `--until`): an ISO 8601 time
/// (`2024-06-04T13:00:00Z`, `2024-06-04T15:00:00+02:00`), a plain date (`2024-06-04`, midnight UTC)
/// or a duration before now (`30m`, `6h`, `2d`, `1w`).
///
/// Parsed by hand rather than with Foundation's formatter so that what is accepted is exactly what
/// the error message says, on every platform. A date-time without a zone is refused: during an
/// incident, "13:00" in whose time zone is the question that costs an hour.
public enum RelativeTime {
    /// Why a WHEN could not be read: what was given and what is accepted.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var input: String
        public var reason: String

        public var description: String {
            "\"\(input)\" is not a time (\(reason)): use ISO 8601 (2024-06-04T13:00:00Z, "
                + "2024-06-04T15:00:00+02:00, 2024-06-04) or a duration before now (30m, 6h, 2d, 1w)"
        }
    }

    /// The moment `text` names, in seconds since the Unix epoch; durations count back from `now`.
    ///
    /// - Parameters:
    ///   - text: An ISO 8601 time with a zone, a plain date, or a duration (`30m`, `6h`, `2d`, `1w`).
    ///   - now: The time durations count back from, in seconds since the Unix epoch.
    /// - Returns: The moment, in seconds since the Unix epoch.
    /// - Throws: ``ParseError`` saying what is accepted.
    public static func parse(_ text: String, now: Int64) throws(ParseError) -> Int64 {
        let trimmed = text.trimmingSpaces()
        if let duration = try duration(trimmed, original: text) { return now - duration }
        return try absolute(trimmed, original: text)
    }

    /// Seconds since the Unix epoch for an ISO 8601 time or plain date (no durations).
    ///
    /// - Parameter text: An ISO 8601 time with a zone, or a plain date.
    /// - Returns: The moment, in seconds since the Unix epoch.
    /// - Throws: ``ParseError`` saying what is accepted.
    public static func parseAbsolute(_ text: String) throws(ParseError) -> Int64 {
        try absolute(text.trimmingSpaces(), original: text)
    }

    /// `seconds` as ISO 8601 in UTC (`2024-06-04T13:55:00Z`), as reports write times.
    ///
    /// - Parameter seconds: Seconds since the Unix epoch.
    /// - Returns: The time as text.
    public static func iso8601(_ seconds: Int64) -> String {
        // Floor division that cannot overflow (a time near Int64.min comes only from a damaged or
        // forged record, which must still print, not trap).
        let remainder = seconds % 86_400
        let days = seconds / 86_400 - (remainder < 0 ? 1 : 0)
        let rest = remainder < 0 ? remainder + 86_400 : remainder
        let (year, month, day) = civil(fromDays: days)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let yearText =
            String(year).count < 4 ? String(repeating: "0", count: 4 - String(year).count) + "\(year)" : "\(year)"
        return "\(yearText)-\(two(month))-\(two(day))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))Z"
    }

    // MARK: - Durations

    private static let units: [Character: Int64] = ["m": 60, "h": 3_600, "d": 86_400, "w": 604_800]

    /// `6h` as seconds; nil when `text` is not shaped like a duration at all.
    private static func duration(_ text: String, original: String) throws(ParseError) -> Int64? {
        guard let unit = text.last, let seconds = units[unit] else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        guard let count = Int64(digits), count.multipliedReportingOverflow(by: seconds).overflow == false,
            count * seconds <= 1_000 * 366 * 86_400
        else {
            throw ParseError(input: original, reason: "the duration is too long")
        }
        return count * seconds
    }

    // MARK: - ISO 8601

    private static func absolute(_ text: String, original: String) throws(ParseError) -> Int64 {
        var scanner = DigitScanner(Array(text.utf8))
        func fail(_ reason: String) -> ParseError { ParseError(input: original, reason: reason) }
        guard let year = scanner.number(digits: 4), scanner.take("-"), let month = scanner.number(digits: 2),
            scanner.take("-"), let day = scanner.number(digits: 2)
        else { throw fail("neither a date-time nor a duration") }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            throw fail("no such date")
        }
        let days = Self.days(year: year, month: month, day: day)
        if scanner.atEnd { return days * 86_400 }
        guard scanner.take("T") || scanner.take("t") || scanner.take(" ") else {
            throw fail("expected `T` and a time after the date")
        }
        guard let hour = scanner.number(digits: 2), scanner.take(":"), let minute = scanner.number(digits: 2) else {
            throw fail("expected a time HH:MM or HH:MM:SS")
        }
        var second: Int64 = 0
        if scanner.take(":") {
            guard let s = scanner.number(digits: 2) else { throw fail("expected seconds after `HH:MM:`") }
            second = s
            // Fractions of a second are accepted and dropped: commit times are whole seconds.
            if scanner.take(".") || scanner.take(",") {
                guard scanner.skipDigits() else { throw fail("expected digits after the decimal point") }
            }
        }
        guard hour < 24, minute < 60, second < 60 else { throw fail("no such time of day") }
        var offset: Int64
        if scanner.take("Z") || scanner.take("z") {
            offset = 0
        } else if let sign = scanner.sign() {
            guard let h = scanner.number(digits: 2) else { throw fail("expected a UTC offset like +02:00") }
            _ = scanner.take(":")
            guard let m = scanner.number(digits: 2), h < 24, m < 60 else {
                throw fail("expected a UTC offset like +02:00")
            }
            offset = sign * (h * 3_600 + m * 60)
        } else if scanner.atEnd {
            throw fail("a date-time needs a zone: Z or an offset like +02:00")
        } else {
            throw fail("unexpected text after the time")
        }
        guard scanner.atEnd else { throw fail("unexpected text after the zone") }
        return days * 86_400 + hour * 3_600 + minute * 60 + second - offset
    }

    private static func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``days(year:month:day:)`` (`civil_from_days`).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Reads fixed-width numbers and single characters from ASCII text.
private struct DigitScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func number(digits: Int) -> Int64? {
        guard index + digits <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[index..<index + digits] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        index += digits
        return value
    }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    mutating func sign() -> Int64? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }

    mutating func skipDigits() -> Bool {
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        return index > start
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
