import ChangeGate
import Foundation

/// A step chart of one setting's values, drawn as SVG by the server: each change a point (a link to
/// its decision), the value held flat until the next, denied proposals hollow with a dashed step,
/// reverts marked. Numbers are placed on a linear scale; any other values one level each, in the
/// order they first appear.
struct StepChart: Sendable {
    struct Point: Sendable {
        /// The value, as the trail keeps it (JSON text), or nil where the setting was absent.
        var value: String?
        /// Where the point links (its decision); nil for the value before the first change.
        var link: String?
        /// What a pointer or a screen reader is told.
        var label: String
        var denied: Bool
        var revert: Bool
    }

    var points: [Point]
    var title: String

    static let width = 760.0
    static let height = 280.0
    static let left = 90.0, right = 30.0, top = 30.0, bottom = 50.0

    /// The SVG element; every text in it escaped.
    func svg() -> String {
        guard !points.isEmpty else { return "" }
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let levels = Self.levels(points.map(\.value))
        let step = points.count > 1 ? plotWidth / Double(points.count - 1) : 0
        func x(_ index: Int) -> Double {
            points.count > 1 ? Self.left + Double(index) * step : Self.left + plotWidth / 2
        }
        func y(_ value: String?) -> Double { Self.top + plotHeight * (1 - (levels[value ?? "\u{0}absent"] ?? 0)) }
        var out = """
            <svg class="chart" id="setting-chart" role="img" aria-labelledby="chart-title chart-desc" \
            viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" width="\(Int(Self.width))" height="\(Int(Self.height))" \
            xmlns="http://www.w3.org/2000/svg">
            <title id="chart-title">\(Self.escaped(title))</title>
            <desc id="chart-desc">\(points.count) values, oldest on the left; the table below lists them.</desc>
            <line class="axis" x1="\(Self.left)" y1="\(Self.top + plotHeight)" x2="\(Self.left + plotWidth)" \
            y2="\(Self.top + plotHeight)"/>
            <line class="axis" x1="\(Self.left)" y1="\(Self.top)" x2="\(Self.left)" y2="\(Self.top + plotHeight)"/>

            """
        // The values' levels, labelled on the left.
        for (value, level) in levels.sorted(by: { $0.value < $1.value }) {
            let shown = value == "\u{0}absent" ? "absent" : value
            out += "<text x=\"\(Self.left - 8)\" y=\"\(Self.top + plotHeight * (1 - level) + 4)\" text-anchor=\"end\">"
            out += Self.escaped(Self.short(shown)) + "</text>\n"
        }
        // The steps: flat at the old value, then up or down at the change.
        for index in 1..<max(1, points.count) {
            let from = points[index - 1], to = points[index]
            let path = "M\(x(index - 1)),\(y(from.value)) H\(x(index)) V\(y(to.value))"
            out += "<path class=\"\(to.denied ? "proposed" : "step")\" d=\"\(path)\"/>\n"
        }
        for (index, point) in points.enumerated() {
            var classes = "point"
            if point.denied { classes += " denied" }
            if point.revert { classes += " revert" }
            if point.link == nil { classes += " start" }
            let circle =
                "<circle class=\"\(classes)\" cx=\"\(x(index))\" cy=\"\(y(point.value))\" r=\"6\">"
                + "<title>\(Self.escaped(point.label))</title></circle>"
            if let link = point.link {
                out += "<a href=\"\(Self.escaped(link))\">\(circle)</a>\n"
            } else {
                out += circle + "\n"
            }
            let mark = point.revert ? "revert" : point.denied ? "denied" : ""
            if !mark.isEmpty {
                out += "<text x=\"\(x(index))\" y=\"\(y(point.value) - 12)\" text-anchor=\"middle\">\(mark)</text>\n"
            }
        }
        return out + "</svg>\n"
    }

    /// Each value's height from 0 to 1.
    static func levels(_ values: [String?]) -> [String: Double] {
        let keys = values.map { $0 ?? "\u{0}absent" }
        let numbers = keys.compactMap { Double($0) }
        if numbers.count == keys.count, let low = numbers.min(), let high = numbers.max() {
            // From zero when every value is positive, so that 15 looks half of 30.
            let bottom = low >= 0 ? 0 : low
            let span = high - bottom
            return Dictionary(keys.map { ($0, span == 0 ? 0.5 : (Double($0)! - bottom) / span) }) { first, _ in first }
        }
        var order: [String] = []
        for key in keys where !order.contains(key) { order.append(key) }
        return Dictionary(
            uniqueKeysWithValues: order.enumerated().map {
                ($1, order.count == 1 ? 0.5 : Double($0) / Double(order.count - 1))
            })
    }

    static func short(_ text: String) -> String { text.count > 14 ? String(text.prefix(13)) + "…" : text }

    /// Text and attribute values escaped (XML 1.0's rules: the library's, as its JUnit reports use).
    static func escaped(_ text: String) -> String { DecisionRenderer.xml(text) }
}
