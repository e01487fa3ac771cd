/// Columns in characters on a line of UTF-8 bytes, for the byte-level readers (JSON, TOML).
///
/// The last column computed is remembered, so that positions along one long line (minified JSON)
/// cost a walk from the previous position, not from the line's start.
struct ColumnCounter {
    private var cache = (lineStart: -1, offset: 0, column: 1)

    /// The 1-based column of `offset` on the line starting at `lineStart`: the bytes before it that
    /// start a UTF-8 sequence, plus one.
    mutating func column(of offset: Int, lineStart: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var column = 1
        var i = lineStart
        if cache.lineStart == lineStart, cache.offset <= offset {
            column = cache.column
            i = cache.offset
        }
        while i < offset {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        cache = (lineStart, offset, column)
        return column
    }
}
