/// Reads configuration files of any supported format into ``ParsedConfig`` trees.
///
/// Every reader shares the same preflight: the size limit, strict UTF-8 (a leading byte-order mark is
/// skipped in YAML, as PyYAML skips it, and refused elsewhere, as the consumers refuse it) and error
/// positions as `file:line:column`.
public struct ConfigReader: Sendable {
    /// The bounds every read keeps to.
    public var limits: ReaderLimits

    /// A reader.
    ///
    /// - Parameter limits: The bounds every read keeps to.
    public init(limits: ReaderLimits = .default) {
        self.limits = limits
    }

    /// Parses `bytes` as the file at `path`. The format follows the extension unless given.
    ///
    /// - Parameters:
    ///   - bytes: The file's content.
    ///   - path: The file's path, named in errors and positions; its extension gives the format.
    ///   - format: The format to read it as; nil to follow the extension.
    /// - Returns: The file's documents as typed trees, with the non-fatal warnings.
    /// - Throws: ``ConfigError`` with its kind, the file and (where there is one) the line and
    ///   column: an unknown format, a file over ``ReaderLimits/maxFileSize``, an encoding the
    ///   format's consumers do not read, invalid UTF-8, or the reader's own syntax errors.
    public func read(_ bytes: [UInt8], path: String, format: ConfigFormat? = nil) throws(ConfigError)
        -> ParsedConfig
    {
        guard let format = format ?? ConfigFormat(path: path) else {
            throw ConfigError(
                .unknownFormat, path: path, at: nil,
                "cannot tell the format from the file name; name it (yaml, json, toml or ini)")
        }
        guard bytes.count <= limits.maxFileSize else {
            throw ConfigError(
                .tooLarge, path: path, at: nil,
                "file is \(bytes.count) bytes, over the limit of \(limits.maxFileSize) bytes")
        }
        if let encoding = UTF16Decoding.encoding(of: bytes) {
            // PyYAML (and so Patroni) reads UTF-16 with a byte-order mark; the other formats'
            // consumers, and every reader for UTF-32, read UTF-8 only.
            guard format == .yaml, encoding != .utf32LE, encoding != .utf32BE else {
                throw ConfigError(
                    .unsupported, path: path, at: SourcePosition(line: 1, column: 1),
                    "the file is \(encoding.rawValue) (it starts with that byte-order mark), which "
                        + "\(format.utf16Readers) do not read: convert it to UTF-8, e.g. "
                        + "`iconv -f \(encoding.rawValue) -t UTF-8`")
            }
            // Positions stay right: lines and columns count characters, which transcoding keeps.
            return try read(UTF16Decoding.utf8(from: bytes, encoding, path: path), path: path, format: format)
        }
        let start = try UTF8Validation.validate(bytes, path: path)
        if start > 0, format != .yaml {
            // PyYAML skips a byte-order mark; the consumers of the other formats do not.
            throw ConfigError(
                .syntax, path: path, at: SourcePosition(line: 1, column: 1),
                "the file starts with a UTF-8 byte-order mark, which \(format.byteOrderMarkRefusers) refuse; "
                    + "save it as UTF-8 without one")
        }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(ConfigError) -> ParsedConfig in
            let content = UnsafeBufferPointer(rebasing: buffer[start...])
            switch format {
            case .yaml: return try YAMLReader(path: path, limits: limits).read(content)
            case .json: return try JSONReader(path: path, limits: limits).read(content)
            case .toml: return try TOMLReader(path: path, limits: limits).read(content)
            case .ini: return try INIReader(path: path, limits: limits).read(content)
            case .redis: return try RedisConfigReader(path: path, limits: limits).read(content)
            }
        }
    }
}

extension ConfigFormat {
    /// Who reads no UTF-16 or UTF-32 file of this format, for the error.
    fileprivate var utf16Readers: String {
        switch self {
        case .json: "Go's encoding/json, Node's JSON.parse and Python's json.load on a text file"
        case .toml: "TOML (UTF-8 only, as tomllib)"
        case .ini: "Python's configparser (by default) and PostgreSQL"
        case .redis: "Redis"
        case .yaml: "PyYAML (UTF-8 and UTF-16 only)"
        }
    }

    /// Who refuses a file of this format that starts with a byte-order mark, for the error.
    fileprivate var byteOrderMarkRefusers: String {
        switch self {
        case .json: "Python's json, Go's encoding/json and Node's JSON.parse"
        case .toml: "Python's tomllib and Go's TOML readers"
        case .ini: "Python's configparser and PostgreSQL"
        case .redis: "Redis"
        case .yaml: "no YAML reader"
        }
    }
}

/// Strict UTF-8 checks shared by the readers.
enum UTF8Validation {
    /// Validates `bytes`, returning the offset where content starts (after a byte-order mark).
    static func validate(_ bytes: [UInt8], path: String) throws(ConfigError) -> Int {
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        if let bad = firstInvalidOffset(bytes, from: start) {
            throw ConfigError(
                .invalidUTF8, path: path, at: position(ofOffset: bad, in: bytes),
                "invalid UTF-8 (byte 0x\(String(bytes[bad], radix: 16, uppercase: true)) at offset \(bad))")
        }
        return start
    }

    /// The offset of the first byte that does not start or continue a valid UTF-8 sequence.
    static func firstInvalidOffset(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            switch b {
            case 0xC2...0xDF: (length, minimum, scalar) = (2, 0x80, UInt32(b & 0x1F))
            case 0xE0...0xEF: (length, minimum, scalar) = (3, 0x800, UInt32(b & 0x0F))
            case 0xF0...0xF4: (length, minimum, scalar) = (4, 0x10000, UInt32(b & 0x07))
            default: return i
            }
            guard i + length <= n else { return i }
            for k in 1..<length {
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else { return i }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return i }
            minimum = 0
            i += length
        }
        return nil
    }

    /// Line and column (in characters) of a byte offset.
    static func position(ofOffset offset: Int, in bytes: some Collection<UInt8>) -> SourcePosition {
        var line = 1
        var column = 1
        for b in bytes.prefix(offset) {
            if b == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourcePosition(line: line, column: column)
    }
}

/// UTF-16 and UTF-32 files, told by their byte-order mark (as PyYAML tells UTF-16).
enum UTF16Decoding {
    enum Encoding: String {
        case utf16LE = "UTF-16LE"
        case utf16BE = "UTF-16BE"
        case utf32LE = "UTF-32LE"
        case utf32BE = "UTF-32BE"
    }

    /// The encoding the byte-order mark at the start names; nil for none (or UTF-8's).
    static func encoding(of bytes: [UInt8]) -> Encoding? {
        // UTF-32LE's mark starts with UTF-16LE's: look for it first.
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return .utf32LE }
        if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return .utf32BE }
        if bytes.starts(with: [0xFF, 0xFE]) { return .utf16LE }
        if bytes.starts(with: [0xFE, 0xFF]) { return .utf16BE }
        return nil
    }

    /// True when the NUL bytes at the start all fall on one parity, as in UTF-16 text of mostly
    /// ASCII characters without a mark: for the hint when such a file is refused as binary.
    static func looksLikeUTF16WithoutMark(_ bytes: [UInt8]) -> Bool {
        let head = bytes.prefix(8_000)
        guard head.count >= 4, head.count % 2 == 0 else { return false }
        var nulls = [0, 0]
        for (index, byte) in head.enumerated() where byte == 0 { nulls[index % 2] += 1 }
        let pairs = head.count / 2
        // Most units ASCII (one NUL each, always on the same side), none with two NULs.
        return (nulls[0] == 0 && nulls[1] * 10 >= pairs * 9) || (nulls[1] == 0 && nulls[0] * 10 >= pairs * 9)
    }

    /// UTF-16 `bytes` (mark first) as UTF-8 without the mark; a lone surrogate or a last odd byte is
    /// an error at its character's position.
    static func utf8(from bytes: [UInt8], _ encoding: Encoding, path: String) throws(ConfigError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var line = 1
        var column = 1
        func fail(_ message: String) -> ConfigError {
            ConfigError(
                .invalidUTF8, path: path, at: SourcePosition(line: line, column: column),
                "invalid \(encoding.rawValue): \(message); save the file as UTF-8 (or valid UTF-16)")
        }
        func unit(at index: Int) -> UInt32 {
            encoding == .utf16LE
                ? UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                : UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
        }
        var index = 2
        while index < bytes.count {
            guard index + 1 < bytes.count else { throw fail("an odd number of bytes (one left at the end)") }
            var scalar = unit(at: index)
            index += 2
            if (0xD800..<0xDC00).contains(scalar) {
                guard index + 1 < bytes.count, (0xDC00..<0xE000).contains(unit(at: index)) else {
                    throw fail("a high surrogate without its low half")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (unit(at: index) - 0xDC00)
                index += 2
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw fail("a low surrogate without its high half")
            }
            let character = Unicode.Scalar(scalar)!
            output.append(contentsOf: UTF8.encode(character)!)
            if scalar == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return output
    }
}
