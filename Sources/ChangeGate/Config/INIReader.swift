/// Reads INI-style files (`[section]` headers, `key = value` or `key: value` lines, `#`/`;` comments),
/// as in `postgresql.conf` or `app.ini`. Sections become the first key segment.
///
/// Values are typed the way such files are read by their consumers: a quoted value is a string;
/// an unquoted one is an integer, a float or a bool (`true/false/on/off/yes/no`, any case) when it
/// reads as one, else a string. An unquoted ` #` or ` ;` starts a trailing comment. In a `.ini` or
/// `.cfg` file, a line indented deeper than the key line before it continues the value, as
/// configparser reads tox.ini; elsewhere (`postgresql.conf`, a `my.cnf` read as INI) it is refused,
/// since PostgreSQL, Redis and MySQL read it as a setting of its own.
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

        // The setting being read, finished at the next key, section or the end: configparser (tox.ini,
        // setup.cfg) continues a value on the lines indented deeper than its key.
        var pending: PendingValue? = nil
        // The indentation of the last key or section line, as configparser keeps it.
        var indentLevel = 0
        // configparser's own files (tox.ini, setup.cfg) continue values; any other (postgresql.conf,
        // sentinel.conf, a my.cnf read `as ini`) may belong to a reader that takes every line alone.
        let lowercasedPath = path.lowercased()
        let continuesValues = lowercasedPath.hasSuffix(".ini") || lowercasedPath.hasSuffix(".cfg")

        func finish(_ setting: PendingValue) throws(ConfigError) {
            let value = try setting.value(path: path)
            let node = ConfigNode(value, at: setting.keyPosition)
            let previous: ConfigMap.Entry?
            if let section = setting.section {
                previous = sections[section].map.set(setting.key, node, keyPosition: setting.keyPosition)
            } else {
                previous = root.set(setting.key, node, keyPosition: setting.keyPosition)
            }
            if let previous {
                warnings.append(
                    ConfigDiagnostic(
                        .duplicateKey, path: path, position: setting.keyPosition, earlier: previous.keyPosition,
                        key: setting.key,
                        message:
                            "duplicate key `\(setting.key)` (also at line \(previous.keyPosition.line)); the last one wins"
                    ))
            }
        }

        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            let body = line.dropFirst(indent)
            guard let first = body.first else {
                // An empty line inside a value is kept (configparser's `empty_lines_in_values`);
                // trailing ones are dropped when the value is joined.
                pending?.continuation.append("")
                continue
            }
            // Comment lines are skipped, inside a value too (as configparser does).
            if first == "#" || first == ";" { continue }
            let column = indent + 1
            // Appended in place: a copy of `pending` would copy its lines for every line (quadratic).
            if let key = pending?.key, let isQuoted = pending?.isQuoted, indent > indentLevel {
                guard continuesValues else {
                    throw ConfigError(
                        .syntax, path: path, at: SourcePosition(line: lineNumber, column: column),
                        "an indented line after `\(key)`: Python's configparser reads it as the next line of "
                            + "that value, PostgreSQL, Redis and MySQL as a setting of its own; remove the "
                            + "indentation (values continue on indented lines only in .ini and .cfg files)")
                }
                if isQuoted {
                    throw ConfigError(
                        .syntax, path: path, at: SourcePosition(line: lineNumber, column: column),
                        "an indented line continues the quoted value of `\(key)`: configparser would keep the "
                            + "quotes, postgresql.conf would not; write the value unquoted, or on one line")
                }
                pending?.continuation.append(Self.uncommented(body))
                continue
            }
            if let setting = pending {
                pending = nil
                try finish(setting)
            }
            indentLevel = indent
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
            pending = PendingValue(
                key: key, section: current, keyPosition: SourcePosition(line: lineNumber, column: column),
                firstLine: rawValue, line: lineNumber, valueColumn: valueColumn)
        }
        if let setting = pending { try finish(setting) }
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

    /// A key line and the lines that continue its value.
    struct PendingValue {
        var key: String
        var section: Int?
        var keyPosition: SourcePosition
        var firstLine: Substring
        var line: Int
        var valueColumn: Int
        /// The continuation lines, stripped and uncommented; "" for an empty line.
        var continuation: [String] = []
        /// The first line is a quoted value (kept, not worked out again for every line).
        let isQuoted: Bool

        init(
            key: String, section: Int?, keyPosition: SourcePosition, firstLine: Substring, line: Int, valueColumn: Int
        ) {
            self.key = key
            self.section = section
            self.keyPosition = keyPosition
            self.firstLine = firstLine
            self.line = line
            self.valueColumn = valueColumn
            let start = firstLine.first { $0 != " " && $0 != "\t" }
            isQuoted = start == "\"" || start == "'"
        }

        /// One line as is typed like any value; several are configparser's text: the lines joined
        /// with "\n" and trailing empty ones dropped (so `deps =` and two lines is "\na\nb").
        func value(path: String) throws(ConfigError) -> ConfigValue {
            var lines = continuation
            while lines.last == "" { lines.removeLast() }
            guard !lines.isEmpty else {
                return try INIReader.value(firstLine, path: path, line: line, column: valueColumn)
            }
            return .string(
                ([INIReader.uncommented(Substring(firstLine.trimmingSpaces()))] + lines).joined(separator: "\n"))
        }
    }

    /// The text of an unquoted value: a ` #` or ` ;` starts a trailing comment; spaces trimmed.
    static func uncommented(_ raw: Substring) -> String {
        var text = raw
        for marker in [" #", "\t#", " ;", "\t;"] {
            if let range = text.range(of: marker) { text = text[..<range.lowerBound] }
        }
        return text.trimmingSpaces()
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
        let value = uncommented(Substring(trimmed))
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
