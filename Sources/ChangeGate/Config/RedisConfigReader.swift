/// Reads Redis and Redis Sentinel configuration (`redis.conf`, `sentinel.conf`): one directive per
/// line, its arguments split on spaces the way Redis splits them (`sdssplitargs`: double quotes
/// with C escapes, single quotes with `\'`), `#` comment lines.
///
/// Sentinel's lines are keyed by the master they name, so that a change reads as the setting it
/// is: `sentinel monitor mymaster 10.0.0.1 6379 2` is `sentinel.mymaster.monitor.host`, `.port`
/// and `.quorum`; `sentinel down-after-milliseconds mymaster 30000` is
/// `sentinel.mymaster.down-after-milliseconds`; a global option (`sentinel resolve-hostnames yes`)
/// is `sentinel.resolve-hostnames`. Other directives are keyed by name; one written several
/// times (`save`, `known-replica`) is a list in file order.
struct RedisConfigReader {
    let path: String
    let limits: ReaderLimits

    /// A directive as written: its words and where each starts.
    private struct Line {
        var number: Int
        var words: [(text: String, column: Int, quoted: Bool)]
    }

    func read(_ content: UnsafeBufferPointer<UInt8>) throws(ConfigError) -> ParsedConfig {
        if let nul = content.firstIndex(of: 0) {
            throw ConfigError(
                .syntax, path: path, at: UTF8Validation.position(ofOffset: nul, in: content),
                "a NUL byte (U+0000): Redis would read the line differently from any other reader; remove it")
        }
        let text = String(decoding: content, as: UTF8.self)
        var lines: [Line] = []
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            // Redis skips a line that, trimmed, is empty or starts with `#`.
            let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let words = try split(line, lineNumber: offset + 1)
            guard !words.isEmpty else { continue }
            lines.append(Line(number: offset + 1, words: words))
        }
        // The masters first: a per-master option may come before its `monitor` line.
        var masters = Set<String>()
        for line in lines where line.words[0].text.lowercased() == "sentinel" && line.words.count > 2 {
            if line.words[1].text.lowercased() == "monitor" { masters.insert(line.words[2].text) }
        }
        var root = Builder()
        for line in lines {
            let directive = line.words[0].text.lowercased()
            let start = SourcePosition(line: line.number, column: line.words[0].column)
            if directive == "include" {
                throw ConfigError(
                    .unsupported, path: path, at: start,
                    "`include` reads another file, which a change to this one does not show; "
                        + "list that file in the policy's `files` instead")
            }
            guard line.words.count > 1 else {
                throw ConfigError(.syntax, path: path, at: start, "`\(directive)` without a value")
            }
            guard directive == "sentinel" else {
                root.add([directive], value(of: Array(line.words.dropFirst()), line: line.number), at: start)
                continue
            }
            guard line.words.count > 2 else {
                throw ConfigError(
                    .syntax, path: path, at: start, "`sentinel \(line.words[1].text)` without a value")
            }
            let option = line.words[1].text.lowercased()
            let optionAt = SourcePosition(line: line.number, column: line.words[1].column)
            if option == "monitor" {
                guard line.words.count == 6 else {
                    throw ConfigError(
                        .syntax, path: path, at: optionAt,
                        "`sentinel monitor` takes a master name, host, port and quorum (\(line.words.count - 2) given)"
                    )
                }
                let master = line.words[2].text
                for (index, field) in ["host", "port", "quorum"].enumerated() {
                    let word = line.words[3 + index]
                    root.add(
                        ["sentinel", master, "monitor", field], typed(word, line: line.number),
                        at: SourcePosition(line: line.number, column: word.column))
                }
            } else if masters.contains(line.words[2].text), line.words.count > 3 {
                root.add(
                    ["sentinel", line.words[2].text, option],
                    value(of: Array(line.words.dropFirst(3)), line: line.number), at: optionAt)
            } else {
                root.add(
                    ["sentinel", option], value(of: Array(line.words.dropFirst(2)), line: line.number), at: optionAt)
            }
        }
        return ParsedConfig(
            path: path, format: .redis,
            documents: [ConfigNode(.map(root.map()), at: SourcePosition(line: 1, column: 1))],
            warnings: root.duplicates(path: path))
    }

    /// One argument typed (a number, `yes`/`no`); several joined by spaces, as `CONFIG GET` shows them.
    private func value(of words: [(text: String, column: Int, quoted: Bool)], line: Int) -> ConfigNode {
        if words.count == 1 { return typed(words[0], line: line) }
        return ConfigNode(
            .string(words.map(\.text).joined(separator: " ")), at: SourcePosition(line: line, column: words[0].column))
    }

    private func typed(_ word: (text: String, column: Int, quoted: Bool), line: Int) -> ConfigNode {
        ConfigNode(Self.scalar(word), at: SourcePosition(line: line, column: word.column))
    }

    private static func scalar(_ word: (text: String, column: Int, quoted: Bool)) -> ConfigValue {
        guard !word.quoted else { return .string(word.text) }
        switch word.text.lowercased() {
        case "yes": return .bool(true)
        case "no": return .bool(false)
        default: return Int(word.text).map(ConfigValue.integer) ?? .string(word.text)
        }
    }

    /// Redis's own splitting (`sdssplitargs`, as `loadServerConfigFromString` calls it on a line
    /// trimmed of spaces, tabs, CR and LF): leading `isspace` characters (with VT and FF) are
    /// skipped; a word ends at a space, tab, CR, LF or NUL; a quote may open anywhere in a word
    /// (`sent"inel"` is `sentinel`); a closing quote must be followed by `isspace` or the end.
    private func split(_ line: Substring, lineNumber: Int) throws(ConfigError) -> [(
        text: String, column: Int, quoted: Bool
    )] {
        var words: [(text: String, column: Int, quoted: Bool)] = []
        var chars = Array(line.unicodeScalars)
        // The trim Redis applies to the whole line first.
        while let last = chars.last, last == " " || last == "\t" || last == "\r" || last == "\n" { chars.removeLast() }
        var index = 0
        while index < chars.count, chars[index] == " " || chars[index] == "\t" || chars[index] == "\r" {
            index += 1
        }
        func at(_ i: Int) -> SourcePosition { SourcePosition(line: lineNumber, column: i + 1) }
        func isSpace(_ c: Unicode.Scalar) -> Bool {
            c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}" || c == "\u{0C}"
        }
        while index < chars.count {
            while index < chars.count, isSpace(chars[index]) { index += 1 }
            guard index < chars.count else { break }
            let start = index
            var word = String.UnicodeScalarView()
            var quoted = false
            var done = false
            while !done, index < chars.count {
                let c = chars[index]
                switch c {
                case " ", "\t", "\n", "\r":
                    done = true
                case "\"", "'":
                    quoted = true
                    let opening = index
                    index += 1
                    var closed = false
                    while index < chars.count {
                        let q = chars[index]
                        if q == c {
                            closed = true
                            index += 1
                            break
                        }
                        if q == "\\", index + 1 < chars.count {
                            if c == "'" {
                                if chars[index + 1] == "'" {
                                    word.append("'")
                                    index += 2
                                    continue
                                }
                            } else if let escaped = Self.escape(chars, at: index) {
                                word.append(escaped.scalar)
                                index += escaped.length
                                continue
                            }
                        }
                        word.append(q)
                        index += 1
                    }
                    guard closed else { throw ConfigError(.syntax, path: path, at: at(opening), "unbalanced quotes") }
                    if index < chars.count, !isSpace(chars[index]) {
                        throw ConfigError(
                            .syntax, path: path, at: at(index),
                            "a closing quote must be followed by a space or the end of the line (Redis refuses the file)"
                        )
                    }
                    done = true
                default:
                    word.append(c)
                    index += 1
                }
            }
            words.append((String(word), start + 1, quoted))
        }
        return words
    }

    /// A backslash escape inside double quotes: `\n \r \t \b \a \\ \"` and `\xHH`.
    private static func escape(_ chars: [Unicode.Scalar], at index: Int) -> (scalar: Unicode.Scalar, length: Int)? {
        let next = chars[index + 1]
        switch next {
        case "n": return ("\n", 2)
        case "r": return ("\r", 2)
        case "t": return ("\t", 2)
        case "b": return ("\u{08}", 2)
        case "a": return ("\u{07}", 2)
        case "x":
            guard index + 3 < chars.count,
                let value = UInt8(String(String.UnicodeScalarView([chars[index + 2], chars[index + 3]])), radix: 16)
            else { return (next, 2) }
            return (Unicode.Scalar(value), 4)
        default: return (next, 2)
        }
    }

    /// The directives Redis and Sentinel take more than once, each line adding one (`save 900 1`,
    /// `known-replica …`); any other written twice is one setting whose last line wins, as in Redis.
    static let repeatable: Set<String> = [
        "save", "rename-command", "client-output-buffer-limit", "user", "loadmodule", "known-replica",
        "known-slave", "known-sentinel",
    ]

    /// Nested maps built from key paths: a repeatable directive written twice is a list of its
    /// values; any other keeps its last value and is reported as a duplicate, which the settings
    /// diff refuses in the version a change brings (a second line would hide the one reviewed).
    private struct Builder {
        private var order: [[String]] = []
        private var values: [[String]: [(node: ConfigNode, at: SourcePosition)]] = [:]

        mutating func add(_ path: [String], _ node: ConfigNode, at position: SourcePosition) {
            if values[path] == nil { order.append(path) }
            values[path, default: []].append((node, position))
        }

        private static func repeats(_ path: [String]) -> Bool {
            path.last.map { RedisConfigReader.repeatable.contains($0) } ?? false
        }

        func map() -> ConfigMap {
            var tree = Tree()
            for path in order {
                let written = values[path]!
                if written.count == 1 {
                    tree.insert(path[...], written[0].node, at: written[0].at)
                } else if Self.repeats(path) {
                    tree.insert(
                        path[...], ConfigNode(.list(written.map(\.node)), at: written[0].at), at: written[0].at)
                } else {
                    tree.insert(path[...], written[written.count - 1].node, at: written[written.count - 1].at)
                }
            }
            return tree.map
        }

        func duplicates(path file: String) -> [ConfigDiagnostic] {
            var found: [ConfigDiagnostic] = []
            for path in order where !Self.repeats(path) {
                let written = values[path]!
                let key = path.map(SettingPath.segment).joined(separator: ".")
                for later in written.dropFirst() {
                    found.append(
                        ConfigDiagnostic(
                            .duplicateKey, path: file, position: later.at, earlier: written[0].at, key: key,
                            message: "`\(key)` is set twice (also at line \(written[0].at.line)); Redis takes the last")
                    )
                }
            }
            return found
        }
    }

    private struct Tree {
        var map = ConfigMap()

        mutating func insert(_ path: ArraySlice<String>, _ node: ConfigNode, at position: SourcePosition) {
            let key = path.first!
            guard path.count > 1 else {
                map.set(key, node, keyPosition: position, recordDuplicate: false)
                return
            }
            var child = Tree()
            if let existing = map.entry(for: key), case .map(let inner) = existing.node.value { child.map = inner }
            child.insert(path.dropFirst(), node, at: position)
            let keyPosition = map.entry(for: key)?.keyPosition ?? position
            map.set(key, ConfigNode(.map(child.map), at: keyPosition), keyPosition: keyPosition, recordDuplicate: false)
        }
    }
}
