/// Finds the line and column where each key of a TOML document is written.
///
/// TOMLKit returns values without positions; this light scan of the source (table headers, arrays of
/// tables, dotted keys, multi-line values skipped) maps key paths back to lines so that reports can
/// point at them. A key it cannot place (inside an inline table) falls back to its parent's position.
struct TOMLKeyLocator {
    enum Segment: Hashable {
        case key(String)
        case index(Int)
    }

    private var positions: [[Segment]: SourcePosition] = [:]

    init(_ text: String) {
        var current: [Segment] = []
        var arrayCounts: [[Segment]: Int] = [:]
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var lineIndex = 0
        while lineIndex < lines.count {
            let line = Array(lines[lineIndex].utf8)
            let lineNumber = lineIndex + 1
            lineIndex += 1
            var i = 0
            while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
            guard i < line.count, line[i] != UInt8(ascii: "#"), line[i] != 0x0D else { continue }
            let column = Self.column(line, i)
            if line[i] == UInt8(ascii: "[") {
                let isArray = i + 1 < line.count && line[i + 1] == UInt8(ascii: "[")
                var j = i + (isArray ? 2 : 1)
                let keys = Self.parseKeys(line, &j)
                // Resolve the header through earlier arrays of tables: `[[a.b]]` lives in the last `a`.
                var resolved: [Segment] = []
                for key in keys {
                    resolved.append(.key(key))
                    if let count = arrayCounts[resolved], resolved.count < keys.count || !isArray {
                        resolved.append(.index(count - 1))
                    }
                }
                if isArray {
                    let count = arrayCounts[resolved, default: 0]
                    arrayCounts[resolved] = count + 1
                    positions[resolved] = positions[resolved] ?? SourcePosition(line: lineNumber, column: column)
                    resolved.append(.index(count))
                }
                positions[resolved] = SourcePosition(line: lineNumber, column: column)
                current = resolved
                continue
            }
            var j = i
            let keys = Self.parseKeys(line, &j)
            guard !keys.isEmpty else { continue }
            var path = current
            for key in keys {
                path.append(.key(key))
                if positions[path] == nil { positions[path] = SourcePosition(line: lineNumber, column: column) }
            }
            // Skip the rest of a multi-line value (arrays, inline tables, triple-quoted strings).
            var scanner = ValueScanner()
            scanner.scan(line[min(j, line.count)...])
            while !scanner.isComplete, lineIndex < lines.count {
                scanner.scan(Array(lines[lineIndex].utf8)[...])
                lineIndex += 1
            }
        }
    }

    func position(of segments: [Segment]) -> SourcePosition {
        var path = segments
        while !path.isEmpty {
            if let position = positions[path] { return position }
            path.removeLast()
        }
        return SourcePosition(line: 1, column: 1)
    }

    private static func column(_ line: [UInt8], _ offset: Int) -> Int {
        1 + line[..<offset].count { $0 & 0xC0 != 0x80 }
    }

    /// Parses `key`, `a.b`, `"quoted".'literal'` up to `=` or `]`; leaves `j` after it.
    private static func parseKeys(_ line: [UInt8], _ j: inout Int) -> [String] {
        var keys: [String] = []
        while j < line.count {
            while j < line.count, line[j] == 0x20 || line[j] == 0x09 { j += 1 }
            guard j < line.count else { break }
            let c = line[j]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                var k = j + 1
                var bytes: [UInt8] = []
                while k < line.count, line[k] != c {
                    if c == UInt8(ascii: "\""), line[k] == UInt8(ascii: "\\"), k + 1 < line.count {
                        bytes.append(line[k + 1] == UInt8(ascii: "\"") ? line[k + 1] : line[k])
                        if line[k + 1] != UInt8(ascii: "\"") { bytes.append(line[k + 1]) }
                        k += 2
                        continue
                    }
                    bytes.append(line[k])
                    k += 1
                }
                keys.append(String(decoding: bytes, as: UTF8.self))
                j = k + 1
            } else {
                var k = j
                while k < line.count, Self.isBareKeyByte(line[k]) { k += 1 }
                guard k > j else { return keys }
                keys.append(String(decoding: line[j..<k], as: UTF8.self))
                j = k
            }
            while j < line.count, line[j] == 0x20 || line[j] == 0x09 { j += 1 }
            guard j < line.count, line[j] == UInt8(ascii: ".") else {
                if j < line.count { j += 1 }  // past `=` or `]`
                return keys
            }
            j += 1
        }
        return keys
    }

    private static func isBareKeyByte(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x5F || b == 0x2D
    }

    /// Tracks brackets and strings across lines to find where a value ends.
    private struct ValueScanner {
        private var depth = 0
        private var multiline: UInt8? = nil

        var isComplete: Bool { depth == 0 && multiline == nil }

        mutating func scan(_ bytes: ArraySlice<UInt8>) {
            var i = bytes.startIndex
            while i < bytes.endIndex {
                let c = bytes[i]
                if let quote = multiline {
                    if c == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                        i += 2
                        continue
                    }
                    if c == quote, i + 2 < bytes.endIndex, bytes[i + 1] == quote, bytes[i + 2] == quote {
                        multiline = nil
                        i += 3
                        continue
                    }
                    i += 1
                    continue
                }
                switch c {
                case UInt8(ascii: "#"):
                    return
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth = max(0, depth - 1)
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    if i + 2 < bytes.endIndex, bytes[i + 1] == c, bytes[i + 2] == c {
                        multiline = c
                        i += 3
                        continue
                    }
                    var k = i + 1
                    while k < bytes.endIndex, bytes[k] != c {
                        if c == UInt8(ascii: "\""), bytes[k] == UInt8(ascii: "\\") { k += 1 }
                        k += 1
                    }
                    i = k
                default:
                    break
                }
                i += 1
            }
        }
    }
}
