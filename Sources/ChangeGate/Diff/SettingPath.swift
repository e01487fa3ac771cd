/// Key paths name one setting inside a file: `bootstrap.dcs.ttl`, `members[name=db-2].priority`,
/// `metadata.labels."app.kubernetes.io/name"`, `hosts[0]`.
///
/// Segments join with `.`; list items are `[field=value]` (by a unique `name`, else `id`, else
/// `key`) or `[index]`. A key is quoted when it is empty or holds `.`, `[`, `]`, `"`, `\`, `*`, `=`,
/// whitespace or a control character, so that every path reads back to exactly one setting.
public enum SettingPath {
    /// The fields that identify the items of a list of maps, in order of preference.
    public static let listIdentityFields = ["name", "id", "key"]

    /// A map key as a path segment, quoted when needed.
    ///
    /// - Parameter key: The key as the file writes it.
    /// - Returns: The segment.
    public static func segment(_ key: String) -> String {
        needsQuoting(key) ? quoted(key) : key
    }

    /// `parent.key`, or `key` at the root.
    ///
    /// - Parameters:
    ///   - key: A map key.
    ///   - parent: The path of the map; "" for the root.
    /// - Returns: The key's path.
    public static func appending(key: String, to parent: String) -> String {
        guard !parent.isEmpty else { return segment(key) }
        // Appended in place: `a + "." + b` would build the intermediate string too.
        let last = segment(key)
        var path = parent
        path.reserveCapacity(parent.utf8.count + 1 + last.utf8.count)
        path += "."
        path += last
        return path
    }

    /// `parent[index]`.
    ///
    /// - Parameters:
    ///   - index: A list index.
    ///   - parent: The path of the list.
    /// - Returns: The item's path.
    public static func appending(index: Int, to parent: String) -> String {
        parent + "[" + String(index) + "]"
    }

    /// `parent[field=value]`.
    ///
    /// - Parameters:
    ///   - field: The identity field (``listIdentityFields``).
    ///   - value: The item's value of it.
    ///   - parent: The path of the list.
    /// - Returns: The item's path.
    public static func appending(field: String, value: String, to parent: String) -> String {
        parent + "[" + field + "=" + segment(value) + "]"
    }

    /// A key of a multi-document file split into its `[doc=ID]` prefix and the key within the
    /// document (`[doc=Cluster/db].spec.instances` → `[doc=Cluster/db]`, `spec.instances`); nil for
    /// a key without one.
    ///
    /// - Parameter key: A key path.
    /// - Returns: The prefix and the key within the document, or nil.
    public static func documentKey(_ key: String) -> (document: Substring, key: Substring)? {
        guard key.hasPrefix("[doc=") else { return nil }
        let utf8 = key.utf8
        var index = utf8.index(utf8.startIndex, offsetBy: 5)
        if index < utf8.endIndex, utf8[index] == UInt8(ascii: "\"") {
            // A quoted ID: to the closing quote, past escaped characters.
            index = utf8.index(after: index)
            while index < utf8.endIndex, utf8[index] != UInt8(ascii: "\"") {
                if utf8[index] == UInt8(ascii: "\\") { index = utf8.index(after: index) }
                guard index < utf8.endIndex else { return nil }
                index = utf8.index(after: index)
            }
            guard index < utf8.endIndex else { return nil }
            index = utf8.index(after: index)
        } else {
            while index < utf8.endIndex, utf8[index] != UInt8(ascii: "]") { index = utf8.index(after: index) }
        }
        guard index < utf8.endIndex, utf8[index] == UInt8(ascii: "]") else { return nil }
        let close = utf8.index(after: index)
        guard close < utf8.endIndex, utf8[close] == UInt8(ascii: ".") else { return nil }
        let rest = utf8.index(after: close)
        return (Substring(key[key.startIndex..<close]), Substring(key[rest...]))
    }

    static func needsQuoting(_ key: String) -> Bool {
        if key.isEmpty { return true }
        for b in key.utf8 {
            switch b {
            case 0x00...0x20, 0x7F, UInt8(ascii: "."), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\""),
                UInt8(ascii: "\\"), UInt8(ascii: "*"), UInt8(ascii: "="):
                return true
            default:
                continue
            }
        }
        return false
    }

    static func quoted(_ key: String) -> String {
        var out = "\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
