import ChangeGate
import Testing

@Suite("TOML reader")
struct TOMLReaderTests {
    private func root(_ text: String, limits: ReaderLimits = .default) throws -> ConfigMap {
        let parsed = try ConfigReader(limits: limits).read(Array(text.utf8), path: "x.toml")
        #expect(parsed.documents.count == 1)
        #expect(parsed.warnings.isEmpty)
        guard case .map(let map) = parsed.documents[0].value else { throw ShapeError() }
        return map
    }

    private struct ShapeError: Error {}

    private func map(_ node: ConfigNode?) throws -> ConfigMap {
        guard case .map(let map)? = node?.value else { throw ShapeError() }
        return map
    }

    private func list(_ node: ConfigNode?) throws -> [ConfigNode] {
        guard case .list(let items)? = node?.value else { throw ShapeError() }
        return items
    }

    private func at(_ line: Int, _ column: Int) -> SourcePosition { SourcePosition(line: line, column: column) }

    @Test("every node has its key's line and column; array items their own")
    func positions() throws {
        let text = """
            title = "x"
            [server]
              host = "a"
            ports = [ 8001,
              8002 ]
            limits = { cpu = 2, mem.max = 4 }
            [[replicas]]
            name = "r1"
            [[replicas]]
            name = "r2"
            [a.b]
            x = 1
            [a]
            y.z = 2
            t = { "é" = 1, b = 2 }
            s = \"\"\"
            two
            lines\"\"\"
            after = true
            """
        let document = try root(text)
        #expect(document.entry(for: "title")?.keyPosition == at(1, 1))
        #expect(document["title"]?.position == at(1, 1))

        let server = try map(document["server"])
        #expect(document["server"]?.position == at(2, 1))
        #expect(document.entry(for: "server")?.keyPosition == at(2, 1))
        #expect(server["host"]?.position == at(3, 3))
        #expect(server["ports"]?.position == at(4, 1))
        let ports = try list(server["ports"])
        #expect(ports.map(\.position) == [at(4, 11), at(5, 3)])
        let limits = try map(server["limits"])
        #expect(server["limits"]?.position == at(6, 1))
        #expect(limits.entry(for: "cpu")?.keyPosition == at(6, 12))
        #expect(limits["mem"]?.position == at(6, 21))
        #expect(try map(limits["mem"])["max"]?.position == at(6, 21))

        let replicas = try list(document["replicas"])
        #expect(document["replicas"]?.position == at(7, 1))
        #expect(replicas.map(\.position) == [at(7, 1), at(9, 1)])
        #expect(try map(replicas[1])["name"]?.position == at(10, 1))

        // `a` was implied by [a.b] on line 11 and defined by [a] on line 13: the definition counts.
        let a = try map(document["a"])
        #expect(document["a"]?.position == at(13, 1))
        #expect(a["b"]?.position == at(11, 1))
        #expect(try map(a["b"])["x"]?.position == at(12, 1))
        #expect(a["y"]?.position == at(14, 1))
        #expect(try map(a["y"])["z"]?.position == at(14, 1))
        // Columns count characters, not bytes.
        #expect(try map(a["t"])["b"]?.position == at(15, 16))
        #expect(a["after"]?.position == at(19, 1))
    }

    @Test("keys keep the document's order, not a sorted one")
    func keyOrder() throws {
        let document = try root("zeta = 1\nalpha = 2\n[mid]\nb = 1\na = 2\n[b.c]\n[a]\n[b]\nz = 3\n")
        #expect(document.entries.map(\.key) == ["zeta", "alpha", "mid", "b", "a"])
        #expect(try map(document["mid"]).entries.map(\.key) == ["b", "a"])
        #expect(try map(document["b"]).entries.map(\.key) == ["c", "z"])
        let settings = try SettingsFlattener.settings(
            of: ConfigReader().read(Array("b = 1\na = 2\n".utf8), path: "x.toml"))
        #expect(settings.map(\.key) == ["b", "a"])
    }

    @Test("dates and times become RFC 3339 strings: T, Z for a zero offset, fractions to nanoseconds")
    func dateStrings() throws {
        let s = try settings(
            """
            a = 1979-05-27T07:32:00.123456789Z
            b = 1979-05-27T07:32:00.1234567891Z
            c = 1979-05-27T07:32:00.500-07:00
            d = 1979-05-27 07:32:00+00:00
            e = 07:32:00.000
            f = 1979-05-27t07:32:00z
            g = 1979-05-27
            h = 1979-05-27T07:32:00
            i = 2024-02-29T23:59:59-00:00
            """, .toml)
        #expect(s["a"] == .string("1979-05-27T07:32:00.123456789Z"))
        #expect(s["b"] == .string("1979-05-27T07:32:00.123456789Z"))
        #expect(s["c"] == .string("1979-05-27T07:32:00.5-07:00"))
        #expect(s["d"] == .string("1979-05-27T07:32:00Z"))
        #expect(s["e"] == .string("07:32:00"))
        #expect(s["f"] == .string("1979-05-27T07:32:00Z"))
        #expect(s["g"] == .string("1979-05-27"))
        #expect(s["h"] == .string("1979-05-27T07:32:00"))
        #expect(s["i"] == .string("2024-02-29T23:59:59Z"))
    }

    @Test("integers are 64-bit: the limits read, one beyond is an error")
    func integerLimits() throws {
        let s = try settings(
            "a = 9223372036854775807\nb = -9223372036854775808\nc = 0x7fff_ffff_ffff_ffff\nd = -0\n", .toml)
        #expect(s["a"] == .integer(.max))
        #expect(s["b"] == .integer(.min))
        #expect(s["c"] == .integer(.max))
        #expect(s["d"] == .integer(0))
        for (text, line) in [
            ("a = 9223372036854775808", 1), ("x = 1\na = -9223372036854775809", 2), ("a = 0x8000000000000000", 1),
            ("a = 0o1000000000000000000000", 1), ("a = 0b1" + String(repeating: "0", count: 63), 1),
            ("a = [1, 99999999999999999999]", 1),
        ] {
            let error = try #require(readError(text, .toml), "accepted \(text)")
            #expect(error.kind == .syntax)
            #expect(error.position?.line == line)
            #expect(error.message.contains("does not fit in 64 bits"), "\(error)")
        }
    }

    @Test("nesting is limited as in the other readers: the root and each table or array count")
    func depthLimit() throws {
        func nested(_ count: Int) -> String {
            "a = " + String(repeating: "[", count: count) + String(repeating: "]", count: count)
        }
        #expect(readError(nested(255), .toml) == nil)
        #expect(readError(nested(256), .toml)?.kind == .tooDeep)
        let header = (0..<255).map { "k\($0)" }.joined(separator: ".")
        #expect(readError("[\(header)]", .toml) == nil)
        #expect(readError("[\(header).last]", .toml)?.kind == .tooDeep)
        #expect(readError("\(header).last = 1", .toml) == nil)
        #expect(readError("\(header).last.leaf = 1", .toml)?.kind == .tooDeep)

        let three = ReaderLimits(maxDepth: 3)
        #expect(readError("a.b.c = 1", .toml, limits: three) == nil)
        let error = try #require(readError("x = 1\na.b.c.d = 1", .toml, limits: three))
        #expect(error.kind == .tooDeep)
        #expect(error.position == at(2, 1))
        #expect(readError("a = [[1]]", .toml, limits: three) == nil)
        #expect(readError("a = [[[1]]]", .toml, limits: three)?.kind == .tooDeep)
        #expect(readError("a = {b = {c = 1}}", .toml, limits: three) == nil)
        #expect(readError("a = {b = {c = {}}}", .toml, limits: three)?.kind == .tooDeep)
        #expect(readError("a = {b.c.d = 1}", .toml, limits: three)?.kind == .tooDeep)
        #expect(readError("[[a]]", .toml, limits: three) == nil)
        #expect(readError("[[a.b]]", .toml, limits: three)?.kind == .tooDeep)
    }

    @Test("encoding: invalid UTF-8, NUL and a byte-order mark (tomllib refuses it) are errors")
    func encoding() throws {
        let badUTF8: [UInt8] = Array("a = \"".utf8) + [0xFF] + Array("\"\n".utf8)
        #expect(readError(badUTF8, .toml)?.kind == .invalidUTF8)
        let badComment: [UInt8] = Array("a = 1\n# ".utf8) + [0xC3, 0x28]
        let error = try #require(readError(badComment, .toml))
        #expect(error.kind == .invalidUTF8)
        #expect(error.position?.line == 2)
        let nul = try #require(readError("a = 1\nb = \"x\u{0}\"", .toml))
        #expect(nul.position == at(2, 7))
        #expect(nul.message.contains("U+0000"))
        let bom = try #require(readError("\u{FEFF}a = 1\n", .toml))
        #expect(bom.position == at(1, 1))
        #expect(bom.message.contains("byte-order mark"))
    }

    @Test("errors say what is wrong and where")
    func messages() throws {
        func message(_ text: String) throws -> String {
            let error = try #require(readError(text, .toml), "accepted \(text)")
            return "\(error.position.map { "\($0.line):\($0.column)" } ?? "-") \(error.message)"
        }
        #expect(try message("[a]\nx = 1\n[a]") == "3:2 table [a] is defined twice (first at line 1)")
        #expect(try message("a = 1\n a = 2") == "2:2 key `a` is defined twice (first at line 1)")
        #expect(try message("a = {b = 1}\na.c = 2").contains("inline table"))
        #expect(try message("a = [1]\n[[a]]").contains("static array"))
        #expect(try message("s = \"\\q\"").hasPrefix("1:6 invalid escape `\\q`"))
        #expect(try message("a = 01") == "1:5 leading zeros are not allowed in `01`")
        #expect(try message("a = 1__0") == "1:5 `_` must sit between digits in `1__0`")
        #expect(try message("d = 2023-02-29").hasPrefix("1:13 day 29 is out of range"))
        #expect(try message("a = yes") == "1:5 `yes` is not a TOML value (a string needs quotes)")
        #expect(try message("t = {a = 1,\n b = 2}") == "1:12 an inline table must be on one line (TOML 1.0)")
        #expect(try message("a = [\n1,\n2\n") == "1:5 unterminated array: `]` expected")
        #expect(try message("x = 1\ns = \"\"\"\nabc") == "2:5 unterminated string: `\"\"\"` expected")
        #expect(try message("a = 1 # \u{7}") == "1:9 control character U+0007 is not allowed in a comment")
    }

    @Test("a table made by dotted keys in one section cannot be reopened from another")
    func dottedTablesStayClosed() throws {
        #expect(readError("[a]\nb.c = 1\n[a.b]\n", .toml) != nil)
        #expect(readError("[a]\nb.c = 1\n[a.b.d]\ne = 1\n", .toml) == nil)
        #expect(readError("[[x]]\ny.z = 1\n[[x]]\ny.z = 2\n", .toml) == nil)
        #expect(readError("[[x]]\n[x.y]\n[[x]]\n[x.y]\n", .toml) == nil)
        #expect(readError("[[x]]\n[x.y]\n[x.y]\n", .toml) != nil)
    }
}
