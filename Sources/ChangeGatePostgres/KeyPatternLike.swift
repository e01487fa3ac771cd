/// A `watch` key pattern (`bootstrap.dcs.*`, `**.work_mem`) as a SQL `LIKE` pattern that selects
/// at least every key the pattern matches: its literal head and tail with `%` between them. Only
/// plain characters (ASCII letters, digits, `_`, `-`, `.`) count as literal, since they read the
/// same in a pattern and in a key; a quote, an escape, an item (`[0]`) or a wildcard ends the
/// literal part. Dots next to a wildcard are dropped: `**` also matches no segment at all, so
/// `**.work_mem` must select the key `work_mem`. The matcher then decides each row exactly.
enum KeyPatternLike {
    /// The `LIKE` pattern (escaped with `\`), or nil when the pattern has no literal part to narrow on.
    static func pattern(for pattern: String) -> String? {
        let characters = Array(pattern.unicodeScalars)
        let head = characters.prefix(while: isPlain)
        if head.count == characters.count {
            return escape(String(String.UnicodeScalarView(head)))
        }
        let tail = characters.reversed().prefix(while: isPlain).reversed()
        let start = String(String.UnicodeScalarView(head.reversed().drop(while: { $0 == "." }).reversed()))
        let end = String(String.UnicodeScalarView(tail.drop(while: { $0 == "." })))
        guard !start.isEmpty || !end.isEmpty else { return nil }
        return escape(start) + "%" + escape(end)
    }

    /// `text` with LIKE's own characters escaped by `\`.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text.unicodeScalars {
            if character == "%" || character == "_" || character == "\\" { escaped.unicodeScalars.append("\\") }
            escaped.unicodeScalars.append(character)
        }
        return escaped
    }

    private static func isPlain(_ character: Unicode.Scalar) -> Bool {
        switch character {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".": true
        default: false
        }
    }
}
