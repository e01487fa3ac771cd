import ChangeGate
import Testing

/// `--since` / `--until` / `--now`: ISO 8601 times and dates, durations before now, and the errors.
@Suite("RelativeTime")
struct RelativeTimeTests {
    /// 2024-06-04T14:05:00Z
    static let now: Int64 = 1_717_509_900

    @Test(
        "durations count back from now",
        arguments: [("30m", 1_800), ("6h", 21_600), ("2d", 172_800), ("1w", 604_800), ("0h", 0), (" 6h ", 21_600)]
            as [(String, Int64)])
    func durations(text: String, seconds: Int64) throws {
        #expect(try RelativeTime.parse(text, now: Self.now) == Self.now - seconds)
    }

    @Test(
        "ISO 8601 with Z and with offsets, fractions dropped, and plain dates at midnight UTC",
        arguments: [
            ("2024-06-04T14:05:00Z", 1_717_509_900),
            ("2024-06-04t14:05:00z", 1_717_509_900),
            ("2024-06-04T16:05:00+02:00", 1_717_509_900),
            ("2024-06-04T09:05:00-0500", 1_717_509_900),
            ("2024-06-04T14:05Z", 1_717_509_900),
            ("2024-06-04T14:05:00.750Z", 1_717_509_900),
            ("2024-06-04 14:05:00Z", 1_717_509_900),
            ("2024-06-04", 1_717_459_200),
            ("1970-01-01", 0),
            ("1969-12-31T23:59:59Z", -1),
            ("2024-02-29T00:00:00Z", 1_709_164_800),
        ] as [(String, Int64)])
    func absolute(text: String, seconds: Int64) throws {
        #expect(try RelativeTime.parse(text, now: Self.now) == seconds)
        #expect(try RelativeTime.parseAbsolute(text) == seconds)
    }

    @Test(
        "bad inputs are errors that quote the input and say what is accepted",
        arguments: [
            "", "6x", "h", "-2d", "1.5h", "6 h", "yesterday", "2024-06-04T14:05:00", "2024-13-01", "2023-02-29",
            "2024-06-31", "2024-06-04T24:00:00Z", "2024-06-04T14:60Z", "2024-06-04T14:05:00+25:00", "2024-6-4",
            "2024-06-04T14:05:00Z trailing", "99999999999999999999w",
        ])
    func bad(text: String) {
        #expect {
            try RelativeTime.parse(text, now: Self.now)
        } throws: { error in
            let message = "\(error)"
            return message.contains("\"\(text)\" is not a time") && message.contains("2024-06-04T13:00:00Z")
                && message.contains("6h")
        }
    }

    @Test("a date-time without a zone says that a zone is missing")
    func zoneMissing() {
        #expect {
            try RelativeTime.parseAbsolute("2024-06-04T14:05:00")
        } throws: { "\($0)".contains("needs a zone") }
        // `--now` takes no duration.
        #expect(throws: RelativeTime.ParseError.self) { try RelativeTime.parseAbsolute("6h") }
    }

    @Test(
        "times are written in UTC, the inverse of parsing",
        arguments: [0, -1, 951_782_400, 1_717_509_900, 4_102_444_800] as [Int64])
    func iso8601(seconds: Int64) throws {
        #expect(try RelativeTime.parseAbsolute(RelativeTime.iso8601(seconds)) == seconds)
        #expect(RelativeTime.iso8601(1_717_509_900) == "2024-06-04T14:05:00Z")
        #expect(RelativeTime.iso8601(-1) == "1969-12-31T23:59:59Z")
    }
}
