/// A TOML 1.0.0 parser over UTF-8 bytes: statements, keys, arrays and inline tables. Strings, numbers
/// and dates are read in the `TOMLParser+…` files; the table rules live in ``TOMLTableTree``.
///
/// Bytes, not `Character`s: the reader runs once per file version in a history scan.
struct TOMLParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    let limits: ReaderLimits
    var index = 0
    var line = 1
    var lineStart = 0
    var tree: TOMLTableTree
    /// The key segments being read; an inline table's keys go on top of the key that holds it.
    private var keys: [TOMLKey] = []
    /// Reused for strings with escapes or line breaks, which cannot be sliced from the input.
    var scratch: [UInt8] = []
    private var columns = ColumnCounter()

    init(bytes: UnsafeBufferPointer<UInt8>, path: String, limits: ReaderLimits) {
        self.bytes = bytes
        self.path = path
        self.limits = limits
        tree = TOMLTableTree(path: path, maxDepth: limits.maxDepth)
    }

    mutating func parseDocument() throws(ConfigError) -> ConfigNode {
        var table = TOMLTableTree.root
        while true {
            skipSpaces()
            guard index < bytes.count else { break }
            switch bytes[index] {
            case .lineFeed, .carriageReturn:
                try consumeNewline()
                continue
            case .hash:
                break
            case .openBracket:
                table = try parseHeader()
            default:
                try parseKeyValue(into: table)
            }
            try expectEndOfLine()
        }
        return tree.rootNode()
    }

    // MARK: - Statements

    /// `[a.b]` or `[[a.b]]`; returns the table the following keys go into.
    private mutating func parseHeader() throws(ConfigError) -> Int {
        let header = position
        let isArray = index + 1 < bytes.count && bytes[index + 1] == .openBracket
        index += isArray ? 2 : 1
        skipSpaces()
        let firstKey = keys.count
        try parseKey()
        guard index < bytes.count, bytes[index] == .closeBracket else {
            throw error("expected `\(isArray ? "]]" : "]")` to close the table header, found \(describe(at: index))")
        }
        index += 1
        if isArray {
            guard index < bytes.count, bytes[index] == .closeBracket else {
                throw error("expected `]]` to close the array-of-tables header, found \(describe(at: index))")
            }
            index += 1
        }
        let table =
            isArray
            ? try tree.appendTableArrayElement(keys[firstKey...], header: header)
            : try tree.defineTable(keys[firstKey...], header: header)
        keys.removeSubrange(firstKey...)
        return table
    }

    /// `key = value` into `table`; the value's node takes the key's position.
    private mutating func parseKeyValue(into table: Int) throws(ConfigError) {
        let firstKey = keys.count
        try parseKey()
        guard index < bytes.count, bytes[index] == .equals else {
            throw error(
                "expected `=` after the key `\(TOMLTableTree.display(keys[firstKey...]))`, found \(describe(at: index))"
            )
        }
        index += 1
        skipSpaces()
        let depth = tree.depth(of: table) + keys.count - firstKey
        let value = try parseValue(depth: depth, at: keys[firstKey].position)
        try tree.insert(keys[firstKey...], value, into: table)
        keys.removeSubrange(firstKey...)
    }

    /// After a statement: spaces, an optional comment, then a line break or the end of the file.
    private mutating func expectEndOfLine() throws(ConfigError) {
        skipSpaces()
        if index < bytes.count, bytes[index] == .hash { try skipComment() }
        guard index < bytes.count else { return }
        guard bytes[index] == .lineFeed || bytes[index] == .carriageReturn else {
            throw error("expected the end of the line, found \(describe(at: index))")
        }
        try consumeNewline()
    }

    // MARK: - Keys

    /// Reads a bare, quoted or dotted key onto `keys`, and the spaces after it.
    private mutating func parseKey() throws(ConfigError) {
        while true {
            guard index < bytes.count else { throw error("expected a key, found the end of the file") }
            let keyPosition = position
            let b = bytes[index]
            let name: String
            if b.isBareKeyByte {
                let start = index
                while index < bytes.count, bytes[index].isBareKeyByte { index += 1 }
                name = string(start..<index)
            } else if b == .quote || b == .apostrophe {
                if index + 2 < bytes.count, bytes[index + 1] == b, bytes[index + 2] == b {
                    throw error("a multi-line string cannot be a key")
                }
                name = b == .quote ? try parseBasicString() : try parseLiteralString()
            } else {
                throw error("expected a key, found \(describe(at: index))")
            }
            keys.append(TOMLKey(name: name, position: keyPosition))
            skipSpaces()
            guard index < bytes.count, bytes[index] == .dot else { return }
            index += 1
            skipSpaces()
        }
    }

    // MARK: - Values

    /// A value at `depth` (the nesting it would have as a map or list), its node at `position`.
    mutating func parseValue(depth: Int, at position: SourcePosition) throws(ConfigError) -> ConfigNode {
        guard index < bytes.count else { throw error("expected a value, found the end of the file") }
        switch bytes[index] {
        case .quote:
            let isMultiline = index + 2 < bytes.count && bytes[index + 1] == .quote && bytes[index + 2] == .quote
            return ConfigNode(
                .string(isMultiline ? try parseMultilineBasicString() : try parseBasicString()), at: position)
        case .apostrophe:
            let isMultiline =
                index + 2 < bytes.count && bytes[index + 1] == .apostrophe && bytes[index + 2] == .apostrophe
            return ConfigNode(
                .string(isMultiline ? try parseMultilineLiteralString() : try parseLiteralString()), at: position)
        case .openBracket:
            try checkDepth(depth)
            return ConfigNode(.list(try parseArray(depth: depth)), at: position)
        case .openBrace:
            try checkDepth(depth)
            return try parseInlineTable(depth: depth, at: position)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return ConfigNode(.bool(try parseBool()), at: position)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), .plus, .minus, UInt8(ascii: "i"), UInt8(ascii: "n"):
            return ConfigNode(try parseNumberOrDateTime(), at: position)
        case let b where b.isBareKeyByte:
            let start = index
            while index < bytes.count, bytes[index].isBareKeyByte { index += 1 }
            throw error(
                "`\(string(start..<index, limit: 40))` is not a TOML value (a string needs quotes)", at: start)
        default:
            throw error("expected a value, found \(describe(at: index))")
        }
    }

    private mutating func checkDepth(_ depth: Int) throws(ConfigError) {
        if depth > limits.maxDepth {
            throw error("nesting deeper than \(limits.maxDepth) levels", kind: .tooDeep)
        }
    }

    private mutating func parseBool() throws(ConfigError) -> Bool {
        let start = index
        while index < bytes.count, bytes[index].isBareKeyByte { index += 1 }
        let word = UnsafeBufferPointer(rebasing: bytes[start..<index])
        if word.elementsEqual("true".utf8) { return true }
        if word.elementsEqual("false".utf8) { return false }
        throw error(
            "`\(string(start..<index, limit: 40))` is not a TOML value (booleans are `true` and `false`)", at: start)
    }

    /// `[1, "two", [3]]`: any mix of values; line breaks, comments and a trailing comma allowed.
    private mutating func parseArray(depth: Int) throws(ConfigError) -> [ConfigNode] {
        let open = mark
        index += 1
        var items: [ConfigNode] = []
        while true {
            try skipArraySpace()
            guard index < bytes.count else { throw error("unterminated array: `]` expected", at: open) }
            if bytes[index] == .closeBracket {
                index += 1
                return items
            }
            items.append(try parseValue(depth: depth + 1, at: position))
            try skipArraySpace()
            guard index < bytes.count else { throw error("unterminated array: `]` expected", at: open) }
            switch bytes[index] {
            case .comma: index += 1
            case .closeBracket:
                index += 1
                return items
            default: throw error("expected `,` or `]` after an array item, found \(describe(at: index))")
            }
        }
    }

    /// `{ a = 1, b.c = 2 }`: on one line, no trailing comma, complete once closed.
    private mutating func parseInlineTable(depth: Int, at position: SourcePosition) throws(ConfigError)
        -> ConfigNode
    {
        let open = mark
        index += 1
        let table = tree.beginInlineTable(depth: depth, at: position)
        skipSpaces()
        if index < bytes.count, bytes[index] == .closeBrace {
            index += 1
            return tree.endInlineTable(table)
        }
        while true {
            guard index < bytes.count else { throw error("unterminated inline table: `}` expected", at: open) }
            if bytes[index] == .lineFeed || bytes[index] == .carriageReturn {
                throw error("an inline table must be on one line (TOML 1.0)")
            }
            let firstKey = keys.count
            try parseKey()
            guard index < bytes.count, bytes[index] == .equals else {
                throw error(
                    "expected `=` after the key `\(TOMLTableTree.display(keys[firstKey...]))`, found \(describe(at: index))"
                )
            }
            index += 1
            skipSpaces()
            let value = try parseValue(depth: depth + keys.count - firstKey, at: keys[firstKey].position)
            try tree.insert(keys[firstKey...], value, into: table)
            keys.removeSubrange(firstKey...)
            skipSpaces()
            guard index < bytes.count else { throw error("unterminated inline table: `}` expected", at: open) }
            switch bytes[index] {
            case .comma:
                index += 1
                skipSpaces()
                if index < bytes.count, bytes[index] == .closeBrace {
                    throw error("an inline table cannot end with a comma (TOML 1.0)")
                }
            case .closeBrace:
                index += 1
                return tree.endInlineTable(table)
            case .lineFeed, .carriageReturn:
                throw error("an inline table must be on one line (TOML 1.0)")
            default:
                throw error("expected `,` or `}` in an inline table, found \(describe(at: index))")
            }
        }
    }

    // MARK: - Spaces, line breaks, comments

    mutating func skipSpaces() {
        while index < bytes.count, bytes[index] == .space || bytes[index] == .tab { index += 1 }
    }

    /// At `\n` or `\r\n`: moves to the next line. A lone `\r` is not a line break in TOML.
    mutating func consumeNewline() throws(ConfigError) {
        if bytes[index] == .carriageReturn {
            guard index + 1 < bytes.count, bytes[index + 1] == .lineFeed else {
                throw error("a carriage return must be followed by a line feed")
            }
            index += 1
        }
        index += 1
        line += 1
        lineStart = index
    }

    /// `\n` or `\r\n` at `offset`.
    func isLineBreak(at offset: Int) -> Bool {
        bytes[offset] == .lineFeed
            || (bytes[offset] == .carriageReturn && offset + 1 < bytes.count && bytes[offset + 1] == .lineFeed)
    }

    /// At `#`: skips to the line break. Comments may hold any character but controls other than tab.
    private mutating func skipComment() throws(ConfigError) {
        index += 1
        while index < bytes.count {
            let b = bytes[index]
            if b >= 0x20 && b != 0x7F || b == .tab {
                index += 1
                continue
            }
            if b == .lineFeed || b == .carriageReturn { return }
            throw error("\(describe(at: index)) is not allowed in a comment")
        }
    }

    /// Inside an array: spaces, line breaks and comments.
    private mutating func skipArraySpace() throws(ConfigError) {
        while index < bytes.count {
            switch bytes[index] {
            case .space, .tab: index += 1
            case .lineFeed, .carriageReturn: try consumeNewline()
            case .hash: try skipComment()
            default: return
            }
        }
    }

    // MARK: - Positions and errors

    /// Where `offset` is on the current line.
    mutating func position(at offset: Int) -> SourcePosition {
        SourcePosition(line: line, column: columns.column(of: offset, lineStart: lineStart, in: bytes))
    }

    var position: SourcePosition {
        mutating get { position(at: index) }
    }

    /// An error at `offset` on the current line (the current index by default).
    mutating func error(_ message: String, at offset: Int? = nil, kind: ConfigError.Kind = .syntax) -> ConfigError {
        ConfigError(kind, path: path, at: position(at: offset ?? index), message)
    }

    /// A place to point at later, when the parser may have moved to another line (an opening bracket
    /// or quotes, for "unterminated" errors).
    struct Mark {
        var offset: Int
        var line: Int
        var lineStart: Int
    }

    var mark: Mark { Mark(offset: index, line: line, lineStart: lineStart) }

    func error(_ message: String, at mark: Mark) -> ConfigError {
        var column = 1
        for i in mark.lineStart..<mark.offset where bytes[i] & 0xC0 != 0x80 { column += 1 }
        return ConfigError(.syntax, path: path, at: SourcePosition(line: mark.line, column: column), message)
    }

    /// The character at `offset` as a message names it.
    func describe(at offset: Int) -> String {
        guard offset < bytes.count else { return "the end of the file" }
        if isLineBreak(at: offset) { return "the end of the line" }
        let b = bytes[offset]
        switch b {
        case 0x20..<0x7F: return "`\(Character(UnicodeScalar(b)))`"
        case 0..<0x20, 0x7F:
            return "control character U+00\(b < 0x10 ? "0" : "")\(String(b, radix: 16, uppercase: true))"
        default:
            var end = offset + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            return "`\(string(offset..<end))`"
        }
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Source text for a message, cut at `limit` bytes (at a character boundary).
    func string(_ range: Range<Int>, limit: Int) -> String {
        guard range.count > limit else { return string(range) }
        var end = range.lowerBound + limit
        while end > range.lowerBound, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return string(range.lowerBound..<end) + "…"
    }
}
