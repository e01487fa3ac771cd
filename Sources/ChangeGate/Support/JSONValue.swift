/// A JSON document to write, with keys in the order given (reports are read by people too).
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.serialized() == rhs.serialized() }
    public func hash(into hasher: inout Hasher) { hasher.combine(serialized()) }

    /// Compact JSON text.
    ///
    /// - Returns: The text, keys in the order given.
    public func serialized() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out, indent: nil, margin: [], level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Indented JSON text (two spaces), for people.
    ///
    /// - Returns: The text, keys in the order given.
    public func pretty() -> String { pretty(margin: "") }

    /// Indented JSON text (two spaces) whose every line after the first starts with `margin`: the
    /// value nested in a document written around it, without re-indenting the text afterwards.
    ///
    /// - Parameter margin: What each line after the first starts with.
    /// - Returns: The text, keys in the order given.
    public func pretty(margin: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(to: &out, indent: Self.twoSpaces, margin: Array(margin.utf8), level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact text to `out`, as bytes (what the renderers of large outputs build).
    ///
    /// - Parameter out: The UTF-8 bytes written so far.
    public func serialize(into out: inout [UInt8]) {
        write(to: &out, indent: nil, margin: [], level: 0)
    }

    private static let twoSpaces: [UInt8] = [0x20, 0x20]

    // Written as bytes: building a String a scalar at a time was most of the time `history
    // --format json` took on a large history (issue 19).
    private func write(to out: inout [UInt8], indent: [UInt8]?, margin: [UInt8], level: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .number(let d): Self.writeNumber(d, to: &out)
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            if items.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, indent, margin, level + 1)
                item.write(to: &out, indent: indent, margin: margin, level: level + 1)
            }
            Self.newline(&out, indent, margin, level)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, indent, margin, level + 1)
                Self.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(0x20) }
                value.write(to: &out, indent: indent, margin: margin, level: level + 1)
            }
            Self.newline(&out, indent, margin, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ indent: [UInt8]?, _ margin: [UInt8], _ level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        out.append(contentsOf: margin)
        for _ in 0..<level { out.append(contentsOf: indent) }
    }

    /// Appends a number; JSON has no NaN or infinity, so they are written as the strings YAML uses.
    static func writeNumber(_ d: Double, to out: inout [UInt8]) {
        if d.isNaN {
            out.append(contentsOf: "\".nan\"".utf8)
        } else if d.isInfinite {
            out.append(contentsOf: (d < 0 ? "\"-.inf\"" : "\".inf\"").utf8)
        } else {
            out.append(contentsOf: d.description.utf8)
        }
    }

    /// Appends `s` as a JSON string. Only `"`, `\`, the C0 controls and DEL are escaped; every
    /// other byte, UTF-8 of any script, is written as it is.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            // Most strings need no escape: one scan, then one copy.
            guard utf8.contains(where: needsEscape) else {
                out.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                guard needsEscape(byte) else {
                    out.append(byte)
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case 0x0A: out.append(contentsOf: "\\n".utf8)
                case 0x0D: out.append(contentsOf: "\\r".utf8)
                case 0x09: out.append(contentsOf: "\\t".utf8)
                default:
                    let digits = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(digits[Int(byte >> 4)])
                    out.append(digits[Int(byte & 0xF)])
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }
}

extension JSONValue {
    /// An integer, `null` when absent.
    ///
    /// - Parameter int: The number, or nil.
    public init(_ int: Int?) {
        self = int.map { .integer($0) } ?? .null
    }
}
