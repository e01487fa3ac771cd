/// Makes text that a pusher controls (commit subjects, names, paths, reasons, values) safe to print
/// on a terminal: control characters would otherwise reach the reader's terminal as commands (colour,
/// cursor moves, a cleared screen, a rewritten title) and bidi overrides would reorder what they read.
///
/// C0 controls (newline and tab included: a field must not start a line of its own), DEL, C1
/// controls and the Unicode bidi embeddings, overrides, isolates and marks are written as visible
/// escapes (`\n`, `\t`, `\x1B`, `\u{202E}`). JSON, SARIF and CSV output stay exact; only the views for
/// people go through this.
public enum TerminalText {
    /// `text` with every character a terminal would act on escaped; `text` itself when it has none
    /// (the common case costs one pass over its UTF-8 bytes, no allocation).
    ///
    /// - Parameter text: Text that may come from a pusher.
    /// - Returns: The text with each such character as a visible escape.
    public static func escape(_ text: String) -> String {
        guard needsEscaping(text) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            switch value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F: out += "\\x" + hex(value, digits: 2)
            case 0x80..<0xA0: out += "\\u{" + hex(value, digits: 4) + "}"
            default:
                if isBidiControl(value) {
                    out += "\\u{" + hex(value, digits: 4) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Escapes each line of `text` on its own, keeping the line breaks between them.
    ///
    /// - Parameter text: Text of several lines that may come from a pusher.
    /// - Returns: The text with its lines escaped and its line breaks kept.
    public static func escapeLines(_ text: String) -> String {
        guard needsEscaping(text) else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { escape(String($0)) }.joined(
            separator: "\n")
    }

    /// True when `text` holds a character ``escape(_:)`` rewrites. Works on bytes: C0 and DEL are
    /// single bytes; C1 is `C2 80…9F`; the bidi controls are `E2 80 8E/8F/AA…AE`, `E2 81 A6…A9`
    /// and `D8 9C` (the Arabic letter mark).
    static func needsEscaping(_ text: String) -> Bool {
        if isPrintableASCII(text) { return false }
        var utf8 = text.utf8.makeIterator()
        var previous: UInt8 = 0
        var beforePrevious: UInt8 = 0
        while let byte = utf8.next() {
            if byte < 0x20 || byte == 0x7F { return true }
            if previous == 0xC2, (0x80...0x9F).contains(byte) { return true }
            if previous == 0xD8, byte == 0x9C { return true }
            if beforePrevious == 0xE2, previous == 0x80, byte == 0x8E || byte == 0x8F || (0xAA...0xAE).contains(byte) {
                return true
            }
            if beforePrevious == 0xE2, previous == 0x81, (0xA6...0xA9).contains(byte) { return true }
            beforePrevious = previous
            previous = byte
        }
        return false
    }

    /// The number of characters (grapheme clusters) of `text`, as `text.count`, counted by bytes
    /// when it is printable ASCII: each byte is then one character (a CR LF pair, two bytes and one
    /// character, is not printable).
    ///
    /// - Parameter text: Text to align in a column.
    /// - Returns: Its character count.
    public static func characterCount(_ text: String) -> Int {
        isPrintableASCII(text) ? text.utf8.count : text.count
    }

    /// True when every byte of `text` is in 0x20…0x7E.
    static func isPrintableASCII(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes where byte < 0x20 || byte > 0x7E { return false }
            return true
        }
    }

    private static func isBidiControl(_ value: UInt32) -> Bool {
        value == 0x061C || value == 0x200E || value == 0x200F || (0x202A...0x202E).contains(value)
            || (0x2066...0x2069).contains(value)
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
