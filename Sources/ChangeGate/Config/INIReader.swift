/// Reads INI-style files (`[section]` headers, `key = value` or `key: value` lines, `#`/`;` comments),
/// as in `postgresql.conf` or `app.ini`. Sections become the first key segment.
///
/// Values are typed the way such files are read by their consumers: a quoted value is a string;
/// an unquoted one is an integer, a float or a bool (`true/false/on/off/yes/no`, any case) when it
/// reads as one, else a string. An unquoted ` #` or ` ;` starts a trailing comment.
struct INIReader {
    let path: String
    let limits: ReaderLimits

    init(path: String, limits: ReaderLimits) {
        self.path = path
        self.limits = limits
    }

    func read(_ content: UnsafeBufferPointer<UInt8>) throws(ConfigError) -> ParsedConfig {
        // PostgreSQL reads its file as C strings (a NUL ends the value there) and configparser keeps
        // it: the two would see different values, so no NUL is read.
        if let nul = content.firstIndex(of: 0) {
            throw ConfigError(
                .syntax, path: path, at: UTF8Validation.position(ofOffset: nul, in: content),
                "a NUL byte (U+0000): PostgreSQL would end the line here, Python's configparser keeps it; "
                    + "remove it")
        }
        let text = String(decoding: content, as: UTF8.self)
        var root = ConfigMap()
        var sections: [(name: String, position: SourcePosition, map: ConfigMap)] = []
        var sectionIndex: [String: Int] = [:]
        var current: Int? = nil
        var warnings: [ConfigDiagnostic] = []

        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            let body = line.dropFirst(indent)
            guard let first = body.first, first != "#", first != ";" else { continue }
            let column = indent + 1
            if first == "[" {
                guard let close = body.lastIndex(of: "]") else {
                    throw ConfigError(
                        .syntax, path: path, at: SourcePosition(line: lineNumber, column: column),
                        "section header without `]`")
                }
                let name = body[body.index(after: body.startIndex)..<close].trimmingSpaces()
                let position = SourcePosition(line: lineNumber, column: column)
                if let existing = sectionIndex[name] {
                    current = existing
                } else {
                    sectionIndex[name] = sections.count
                    current = sections.count
                    sections.append((name, position, ConfigMap()))
                }
                continue
            }
            // `key = value`, `key: value`, or postgresql.conf's `key value` (the `=` is optional there).
            let key: String
            let rawValue: Substring
            let valueColumn: Int
            if let separator = body.firstIndex(where: { $0 == "=" || $0 == ":" }),
                !body[..<separator].trimmingSpaces().contains(where: { $0 == " " || $0 == "\t" })
            {
                key = body[..<separator].trimmingSpaces()
                rawValue = body[body.index(after: separator)...]
                valueColumn = column + body.distance(from: body.startIndex, to: separator) + 1
            } else if let space = body.firstIndex(where: { $0 == " " || $0 == "\t" }),
                !body[space...].trimmingSpaces().isEmpty
            {
                key = String(body[..<space])
                rawValue = body[space...]
                valueColumn = column + body.distance(from: body.startIndex, to: space)
            } else {
                throw ConfigError(
                    .syntax, path: path, at: SourcePosition(line: lineNumber, column: column),
                    "expected `key = value`, a `[section]` or a comment")
            }
            guard !key.isEmpty else {
                throw ConfigError(
                    .syntax, path: path, at: SourcePosition(line: lineNumber, column: column),
                    "missing key before the value")
            }
            let value = try Self.value(rawValue, path: path, line: lineNumber, column: valueColumn)
            let keyPosition = SourcePosition(line: lineNumber, column: column)
            let node = ConfigNode(value, at: keyPosition)
            let previous: ConfigMap.Entry?
            if let current {
                previous = sections[current].map.set(key, node, keyPosition: keyPosition)
            } else {
                previous = root.set(key, node, keyPosition: keyPosition)
            }
            if let previous {
                warnings.append(
                    ConfigDiagnostic(
                        .duplicateKey, path: path, position: keyPosition, earlier: previous.keyPosition, key: key,
                        message: "duplicate key `\(key)` (also at line \(previous.keyPosition.line)); the last one wins"
                    ))
            }
        }
        for section in sections {
            let node = ConfigNode(.map(section.map), at: section.position)
            if let previous = root.set(section.name, node, keyPosition: section.position) {
                warnings.append(
                    ConfigDiagnostic(
                        .duplicateKey, path: path, position: section.position, earlier: previous.keyPosition,
                        key: section.name,
                        message:
                            "section `\(section.name)` has the name of a key at line \(previous.keyPosition.line); the section wins"
                    ))
            }
        }
        return ParsedConfig(
            path: path, format: .ini, documents: [ConfigNode(.map(root), at: SourcePosition(line: 1, column: 1))],
            warnings: warnings)
    }

    static func value(_ raw: Substring, path: String, line: Int, column: Int) throws(ConfigError) -> ConfigValue {
        let trimmed = raw.trimmingSpaces()
        if let quote = trimmed.first, quote == "\"" || quote == "'" {
            // A doubled quote inside is one quote character (postgresql.conf writes 'it''s').
            var content = ""
            var index = trimmed.index(after: trimmed.startIndex)
            var closed: String.Index? = nil
            while index < trimmed.endIndex {
                let c = trimmed[index]
                let next = trimmed.index(after: index)
                if c == quote {
                    if next < trimmed.endIndex, trimmed[next] == quote {
                        content.append(quote)
                        index = trimmed.index(after: next)
                        continue
                    }
                    closed = index
                    break
                }
                content.append(c)
                index = next
            }
            guard let close = closed else {
                throw ConfigError(
                    .syntax, path: path, at: SourcePosition(line: line, column: column), "unterminated quoted value")
            }
            let rest = trimmed[trimmed.index(after: close)...].trimmingSpaces()
            guard rest.isEmpty || rest.hasPrefix("#") || rest.hasPrefix(";") else {
                throw ConfigError(
                    .syntax, path: path, at: SourcePosition(line: line, column: column), "text after the closing quote")
            }
            return .string(content)
        }
        var text = Substring(trimmed)
        for marker in [" #", "\t#", " ;", "\t;"] {
            if let range = text.range(of: marker) { text = text[..<range.lowerBound] }
        }
        let value = String(text).trimmingSpaces()
        switch value.lowercased() {
        case "true", "on", "yes": return .bool(true)
        case "false", "off", "no": return .bool(false)
        default: break
        }
        if let integer = Int(value) { return .integer(integer) }
        if value.contains(where: { $0.isNumber }), !value.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }),
            let float = Double(value), float.isFinite
        {
            return .float(float)
        }
        return .string(value)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let text = Substring(self)
        guard let start = text.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let end = text.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(text[start...end])
    }
}
