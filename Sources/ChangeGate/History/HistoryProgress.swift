/// The progress line shown on a terminal: `scanned 1,234 of 20,000 commits (850/s, 19 s left)`,
/// at most a few times a second.
public struct HistoryProgress: Sendable {
    /// The commits the scan will read; nil when not counted.
    public let total: Int?
    private let started: ContinuousClock.Instant
    private var lastShown: ContinuousClock.Instant?

    /// A progress line starting now.
    ///
    /// - Parameter total: The commits the scan will read; nil when not counted.
    public init(total: Int?) {
        self.total = total
        self.started = ContinuousClock.now
    }

    /// The line to show after `scanned` commits, or nil when the last one is recent enough.
    ///
    /// - Parameter scanned: Commits read so far.
    /// - Returns: The line, or nil.
    public mutating func update(scanned: Int) -> String? {
        let now = ContinuousClock.now
        if let lastShown, now - lastShown < .milliseconds(100), scanned != total { return nil }
        lastShown = now
        let elapsed = now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Self.line(scanned: scanned, total: total, seconds: seconds)
    }

    /// The line itself, for a given elapsed time.
    ///
    /// - Parameters:
    ///   - scanned: Commits read so far.
    ///   - total: The commits the scan will read; nil when not counted.
    ///   - seconds: Seconds since the scan started.
    /// - Returns: The line, with the rate and the time left once there is enough to tell.
    public static func line(scanned: Int, total: Int?, seconds: Double) -> String {
        var text = "scanned \(grouped(scanned))"
        if let total { text += " of \(grouped(max(total, scanned)))" }
        text += " commits"
        guard seconds > 0.2, scanned > 0 else { return text }
        let rate = Double(scanned) / seconds
        var details = ["\(grouped(Int(rate.rounded())))/s"]
        if let total, total > scanned {
            details.append("\(Int((Double(total - scanned) / rate).rounded(.up))) s left")
        }
        return text + " (" + details.joined(separator: ", ") + ")"
    }

    /// `1234567` as `1,234,567`.
    ///
    /// - Parameter number: A number.
    /// - Returns: Its digits in groups of three.
    public static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return number < 0 ? "-" + out : out
    }
}
