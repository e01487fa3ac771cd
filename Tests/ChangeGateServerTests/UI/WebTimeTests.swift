import Foundation
import Testing

@testable import ChangeGateServer

@Suite("Web view: times")
struct WebTimeTests {
    @Test("times read as Foundation's ISO 8601 formatter writes them, in UTC, across years, leap days and the epoch")
    func sameAsFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var seconds = [0, 59, 86_399, 86_400, 951_782_400, 1_709_164_800, 1_717_509_300, 4_102_444_799]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 { seconds.append(Int.random(in: 0...4_102_444_799, using: &generator)) }
        for value in seconds {
            #expect(
                WebView.time(value) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(value))),
                "\(value)")
        }
        // A forged or damaged record's time prints rather than trapping the server.
        for value in [Int.min, Int.min + 1, -1, Int.max] { #expect(!WebView.time(value).isEmpty, "\(value)") }
        #expect(WebView.time(-1) == "1969-12-31T23:59:59Z")
    }
}
