extension SourceFile {
    /// Bytes that are not a policy's text: the first invalid UTF-8 sequence, and where it is.
    public struct EncodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Where the invalid sequence starts (the column counts the valid characters before it).
        public var location: SourceLocation
        /// The bytes of the invalid sequence: its first byte, and those that made it invalid.
        public var bytes: [UInt8]
        /// What is wrong with them, in words.
        public var problem: String

        /// `invalid UTF-8 at policies/x.policy:3:7 (byte 0xC3 …)`
        public var description: String {
            let hex = bytes.map { "0x" + ($0 < 0x10 ? "0" : "") + String($0, radix: 16, uppercase: true) }
            return "invalid UTF-8 at \(location) (\(bytes.count == 1 ? "byte" : "bytes") "
                + hex.joined(separator: " ") + ": \(problem))"
        }
    }

    /// Decodes a policy file's bytes, strictly: a file with any invalid UTF-8 is refused with the
    /// position of the first bad sequence (a lenient decoding would replace it and lose where it
    /// was, or let the policy mean something its reviewers did not see).
    ///
    /// - Parameters:
    ///   - path: The path diagnostics print.
    ///   - bytes: The file's bytes.
    /// - Throws: ``EncodingError`` at the first invalid UTF-8 sequence.
    public init(path: String, bytes: some Collection<UInt8>) throws(EncodingError) {
        let bytes = Array(bytes)
        if let (offset, length, problem) = Self.firstInvalidSequence(bytes) {
            var line = 1
            var lineStart = 0
            for i in 0..<offset where bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            // The bytes before `offset` are valid: count the characters that start there.
            let column = 1 + bytes[lineStart..<offset].count { $0 & 0xC0 != 0x80 }
            throw EncodingError(
                location: SourceLocation(path: path, line: line, column: column, offset: offset),
                bytes: Array(bytes[offset..<offset + length]), problem: problem)
        }
        self.init(path: path, text: String(decoding: bytes, as: UTF8.self))
    }

    /// The offset and length of the first ill-formed sequence (Unicode's table 3-7 of well-formed
    /// UTF-8), and why it is ill-formed; nil for valid UTF-8.
    static func firstInvalidSequence(_ bytes: [UInt8]) -> (offset: Int, length: Int, problem: String)? {
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            let width: Int
            var second: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0x80...0xBF: return (i, 1, "a continuation byte that continues no character")
            case 0xC0, 0xC1, 0xF5...0xFF: return (i, 1, "a byte that never occurs in UTF-8")
            case 0xC2...0xDF: width = 2
            case 0xE0:
                width = 3
                second = 0xA0...0xBF
            case 0xED:
                width = 3
                second = 0x80...0x9F
            case 0xE1...0xEF: width = 3
            case 0xF0:
                width = 4
                second = 0x90...0xBF
            case 0xF4:
                width = 4
                second = 0x80...0x8F
            default: width = 4
            }
            for k in 1..<width {
                guard i + k < bytes.count else {
                    return (i, k, "a \(width)-byte character cut short by the end of the file")
                }
                let byte = bytes[i + k]
                let allowed = k == 1 ? second : 0x80...0xBF
                if !allowed.contains(byte) {
                    let problem: String
                    if byte & 0xC0 != 0x80 {
                        problem = "a \(width)-byte character cut short"
                    } else if lead == 0xED {
                        problem = "a UTF-16 surrogate, which UTF-8 never encodes"
                    } else if lead == 0xF4 {
                        problem = "beyond U+10FFFF, the last code point"
                    } else {
                        problem = "an overlong encoding"
                    }
                    return (i, k + 1, problem)
                }
            }
            i += width
        }
        return nil
    }
}
