/// One policy source file: its path (as diagnostics print it) and its text.
public struct SourceFile: Sendable, Hashable {
    /// The path diagnostics print.
    public let path: String
    /// The file's text.
    public let text: String
    /// UTF-8 bytes of `text`, what the lexer reads.
    let bytes: [UInt8]
    /// Byte offset at which each line starts.
    private let lineStarts: [Int]

    /// A source file.
    ///
    /// - Parameters:
    ///   - path: The path diagnostics print.
    ///   - text: The file's text.
    public init(path: String, text: String) {
        self.path = path
        self.text = text
        self.bytes = Array(text.utf8)
        var starts = [0]
        for offset in bytes.indices where bytes[offset] == UInt8(ascii: "\n") {
            starts.append(offset + 1)
        }
        self.lineStarts = starts
    }

    /// Line and column (1-based, in characters) of a byte offset.
    ///
    /// - Parameter offset: A byte offset into the UTF-8 text.
    /// - Returns: Its location.
    public func location(of offset: Int) -> SourceLocation {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        let start = lineStarts[low]
        var column = 1
        var i = start
        while i < min(offset, bytes.count) {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return SourceLocation(path: path, line: low + 1, column: column, offset: offset)
    }

    /// The text of line `number` (1-based), without its newline.
    ///
    /// - Parameter number: The line number, from 1.
    /// - Returns: The line without its newline (or carriage return); "" past the end.
    public func line(_ number: Int) -> String {
        guard number >= 1, number <= lineStarts.count else { return "" }
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }
}

/// A point in a policy source: file, 1-based line and column, and byte offset.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var column: Int
    public var offset: Int

    /// A location.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - line: The line, from 1.
    ///   - column: The column in characters, from 1.
    ///   - offset: The byte offset.
    public init(path: String, line: Int, column: Int, offset: Int) {
        self.path = path
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.path, lhs.offset) < (rhs.path, rhs.offset)
    }

    public var description: String { "\(path):\(line):\(column)" }
}

/// A span of source: where it starts and how many bytes it covers (for the caret underline).
public struct SourceRange: Sendable, Hashable {
    public var start: SourceLocation
    public var length: Int

    /// A range.
    ///
    /// - Parameters:
    ///   - start: Where it starts.
    ///   - length: Its length in bytes.
    public init(start: SourceLocation, length: Int) {
        self.start = start
        self.length = length
    }
}
