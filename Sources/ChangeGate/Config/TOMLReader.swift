import TOMLKit

/// Reads TOML through TOMLKit; positions come from ``TOMLKeyLocator`` because TOMLKit's values carry none.
struct TOMLReader {
    let path: String
    let limits: ReaderLimits

    init(path: String, limits: ReaderLimits) {
        self.path = path
        self.limits = limits
    }

    func read(_ content: UnsafeBufferPointer<UInt8>) throws(ConfigError) -> ParsedConfig {
        let text = String(decoding: content, as: UTF8.self)
        if let nul = content.firstIndex(of: 0) {
            throw ConfigError(
                .syntax, path: path, at: UTF8Validation.position(ofOffset: nul, in: content),
                "NUL character in a TOML file")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let parseError as TOMLParseError {
            throw ConfigError(
                .syntax, path: path,
                at: SourcePosition(line: parseError.source.begin.line, column: parseError.source.begin.column),
                parseError.description)
        } catch {
            throw ConfigError(.syntax, path: path, at: nil, "\(error)")
        }
        let locator = TOMLKeyLocator(text)
        var converter = Converter(path: path, limits: limits, locator: locator)
        let root = try converter.convert(table, segments: [], depth: 0)
        return ParsedConfig(path: path, format: .toml, documents: [root])
    }

    private struct Converter {
        let path: String
        let limits: ReaderLimits
        let locator: TOMLKeyLocator

        mutating func convert(_ value: any TOMLValueConvertible, segments: [TOMLKeyLocator.Segment], depth: Int)
            throws(ConfigError) -> ConfigNode
        {
            let position = locator.position(of: segments)
            guard depth <= limits.maxDepth else {
                throw ConfigError(.tooDeep, path: path, at: position, "nesting deeper than \(limits.maxDepth) levels")
            }
            switch value.type {
            case .table:
                var map = ConfigMap()
                if let table = value.table {
                    for (key, child) in table {
                        let childSegments = segments + [.key(key)]
                        let node = try convert(child, segments: childSegments, depth: depth + 1)
                        map.set(key, node, keyPosition: locator.position(of: childSegments))
                    }
                }
                return ConfigNode(.map(map), at: position)
            case .array:
                var items: [ConfigNode] = []
                if let array = value.array {
                    for (i, child) in array.enumerated() {
                        items.append(try convert(child, segments: segments + [.index(i)], depth: depth + 1))
                    }
                }
                return ConfigNode(.list(items), at: position)
            case .bool: return ConfigNode(.bool(value.bool ?? false), at: position)
            case .int: return ConfigNode(.integer(value.int ?? 0), at: position)
            case .double: return ConfigNode(.float(value.double ?? 0), at: position)
            case .string: return ConfigNode(.string(value.string ?? ""), at: position)
            // Dates and times stay strings, as in the YAML reader, written in RFC 3339 form.
            case .date: return ConfigNode(.string(value.date.map(Self.format) ?? ""), at: position)
            case .time: return ConfigNode(.string(value.time.map(Self.format) ?? ""), at: position)
            case .dateTime:
                return ConfigNode(.string(value.dateTime.map(Self.format) ?? ""), at: position)
            }
        }

        private static func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }

        static func format(_ d: TOMLDate) -> String { "\(pad(d.year, 4))-\(pad(d.month, 2))-\(pad(d.day, 2))" }

        static func format(_ t: TOMLTime) -> String {
            var s = "\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2))"
            if t.nanoSecond > 0 {
                var fraction = pad(t.nanoSecond, 9)
                while fraction.hasSuffix("0") { fraction.removeLast() }
                s += "." + fraction
            }
            return s
        }

        static func format(_ dt: TOMLDateTime) -> String {
            var s = format(dt.date) + "T" + format(dt.time)
            if let offset = dt.offset {
                if offset.offset == 0 {
                    s += "Z"
                } else {
                    let minutes = abs(offset.offset)
                    s += (offset.offset < 0 ? "-" : "+") + "\(pad(minutes / 60, 2)):\(pad(minutes % 60, 2))"
                }
            }
            return s
        }
    }
}
