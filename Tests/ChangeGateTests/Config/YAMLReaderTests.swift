import ChangeGate
import Testing

@Suite("YAML reader")
struct YAMLReaderTests {
    @Test("plain scalars resolve by YAML 1.1 rules, as PyYAML reads them")
    func yaml11Scalars() throws {
        let s = try settings(
            """
            a: on
            b: Off
            c: yes
            d: NO
            e: y
            f: 017
            g: 0o17
            h: 1_000
            i: .inf
            j: -.Inf
            k: 0x1F
            l: 0b101
            m: 1:30
            n: 1e3
            o: 1.0e+3
            p: 2001-12-14
            q: ~
            r:
            s: "30"
            t: '017'
            u: 1.5
            v: .5
            w: 1.
            x: 1:30.5
            y: +12
            z: 09
            """)
        #expect(s["a"] == .bool(true))
        #expect(s["b"] == .bool(false))
        #expect(s["c"] == .bool(true))
        #expect(s["d"] == .bool(false))
        #expect(s["e"] == .string("y"))
        #expect(s["f"] == .integer(15))
        #expect(s["g"] == .string("0o17"))
        #expect(s["h"] == .integer(1000))
        #expect(s["i"] == .float(.infinity))
        #expect(s["j"] == .float(-.infinity))
        #expect(s["k"] == .integer(31))
        #expect(s["l"] == .integer(5))
        #expect(s["m"] == .integer(90))
        #expect(s["n"] == .string("1e3"))
        #expect(s["o"] == .float(1000))
        #expect(s["p"] == .string("2001-12-14"))
        #expect(s["q"] == .null)
        #expect(s["r"] == .null)
        #expect(s["s"] == .string("30"))
        #expect(s["t"] == .string("017"))
        #expect(s["u"] == .float(1.5))
        #expect(s["v"] == .float(0.5))
        #expect(s["w"] == .float(1))
        #expect(s["x"] == .float(90.5))
        #expect(s["y"] == .integer(12))
        #expect(s["z"] == .string("09"))
    }

    @Test("NaN reads as a float and equals itself for the diff")
    func nan() throws {
        let value = try #require(try settings("a: .nan")["a"])
        guard case .float(let d) = value else {
            Issue.record("expected a float, got \(value)")
            return
        }
        #expect(d.isNaN)
        #expect(value.isSameSetting(as: .float(.nan)))
    }

    @Test("anchors, aliases and merge keys resolve; explicit keys override merged ones")
    func anchorsAndMerges() throws {
        let s = try settings(
            """
            defaults: &defaults
              interval: 5
              timeout: 3
            extra: &extra
              timeout: 9
              retries: 2
            primary:
              <<: *defaults
              timeout: 4
            secondary:
              <<: [*extra, *defaults]
            copy: *defaults
            """)
        #expect(s["primary.interval"] == .integer(5))
        #expect(s["primary.timeout"] == .integer(4))
        #expect(s["secondary.timeout"] == .integer(9))  // earlier maps in a merge list win
        #expect(s["secondary.retries"] == .integer(2))
        #expect(s["secondary.interval"] == .integer(5))
        #expect(s["copy.timeout"] == .integer(3))
        #expect(s["primary.<<"] == nil)
    }

    @Test("quoted << is an ordinary key")
    func quotedMergeKey() throws {
        let s = try settings("a:\n  '<<': 1\n")
        #expect(s["a.\"<<\""] == nil)
        #expect(s["a.<<"] == .integer(1))
    }

    @Test("explicit tags")
    func tags() throws {
        let s = try settings("a: !!str 123\nb: !!int \"42\"\nc: !!float 1\nd: !!bool yes\ne: !!null x\n")
        #expect(s["a"] == .string("123"))
        #expect(s["b"] == .integer(42))
        #expect(s["c"] == .float(1))
        #expect(s["d"] == .bool(true))
        #expect(s["e"] == .null)
        #expect(readError("a: !Ref thing\n")?.kind == .unsupported)
        #expect(readError("a: !!binary aGVsbG8=\n")?.kind == .unsupported)
    }

    @Test("non-string keys become their text; a map as a key is an error with its position")
    func keys() throws {
        let s = try settings("2: a\nyes: b\n~: c\n")
        #expect(s["2"] == .string("a"))
        #expect(s["true"] == .string("b"))
        #expect(s["null"] == .string("c"))
        let error = try #require(readError("? [a, b]\n: c\n"))
        #expect(error.kind == .unsupported)
        #expect(error.position?.line == 1)
    }

    @Test("positions are 1-based line and column")
    func positions() throws {
        let parsed = try ConfigReader().read(Array("a:\n  b: 1\n  c:\n    - x\n".utf8), path: "p.yaml")
        let byKey = try SettingsFlattener.settingsByKey(of: parsed)
        #expect(byKey["a.b"]?.position == SourcePosition(line: 2, column: 6))
        #expect(byKey["a.c[0]"]?.position == SourcePosition(line: 4, column: 7))
    }

    @Test("duplicate keys: the last wins, with a warning naming both lines, kept on the tree")
    func duplicateKeys() throws {
        let text = "a: 1\nb: 2\na: 3\n"
        let parsed = try ConfigReader().read(Array(text.utf8), path: "dup.yaml")
        let byKey = try SettingsFlattener.settingsByKey(of: parsed)
        #expect(byKey["a"]?.value == .integer(3))
        #expect(byKey["a"]?.overriddenPositions == [SourcePosition(line: 1, column: 1)])
        #expect(parsed.warnings.count == 1)
        #expect(parsed.warnings.first?.position.line == 3)
        #expect(parsed.warnings.first?.message.contains("line 1") == true)
    }

    @Test("multi-document files: documents keyed by kind and name, so reordering changes nothing")
    func multiDocument() throws {
        let one = """
            kind: Service
            metadata: {name: db}
            spec: {port: 5432}
            ---
            kind: Cluster
            metadata: {name: db, namespace: prod}
            spec: {instances: 3}
            """
        let two = """
            kind: Cluster
            metadata: {name: db, namespace: prod}
            spec: {instances: 3}
            ---
            kind: Service
            metadata: {name: db}
            spec: {port: 5432}
            """
        let a = try settings(one)
        #expect(a["[doc=Cluster/prod/db].spec.instances"] == .integer(3))
        #expect(a["[doc=Service/db].spec.port"] == .integer(5432))
        #expect(a == (try settings(two)))
        let plain = try settings("a: 1\n---\na: 2\n")
        #expect(plain["a"] == .integer(1))
        #expect(plain["[doc=1].a"] == .integer(2))
        #expect(try settings("").isEmpty)
    }

    @Test("limits: a billion-laughs file, deep nesting, size and invalid UTF-8 are errors")
    func limits() throws {
        var laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            laughs +=
                "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        let bomb = try #require(readError(laughs))
        #expect(bomb.kind == .aliasExpansion)
        #expect(bomb.position != nil)

        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(readError(deep)?.kind == .tooDeep)
        #expect(readError("a: 1\n", limits: ReaderLimits(maxFileSize: 3))?.kind == .tooLarge)
        let invalid = readError([0x61, 0x3A, 0x20, 0xC3, 0x28, 0x0A])
        #expect(invalid?.kind == .invalidUTF8)
        #expect(invalid?.position == SourcePosition(line: 1, column: 4))
    }

    @Test("the non-specific tag `!` resolves like a plain scalar, as PyYAML does")
    func nonSpecificTag() throws {
        let s = try settings("a: ! 12\nb: ! \"12\"\nc: !\n")
        #expect(s["a"] == .integer(12))
        #expect(s["b"] == .integer(12))
        #expect(s["c"] == .null)
    }

    @Test("an anchor defined twice in one document is an error, as in PyYAML; documents do not share anchors")
    func duplicateAnchors() throws {
        let error = try #require(readError("a: &x 1\nb: &x 2\n"))
        #expect(error.position == SourcePosition(line: 2, column: 4))
        #expect(try settings("a: &x 1\n---\nb: &x 2\n")["[doc=1].b"] == .integer(2))
        #expect(readError("a: &x 1\n---\nb: *x\n") != nil)
    }

    @Test("hostile explicit floats are errors, never a crash; Python's float() grammar only")
    func explicitFloats() throws {
        for text in ["e5", "-e1", "1:e", "0x1p3", "1e", ".", "+-+1", "_"] {
            #expect(readError("a: !!float \(text)\n") != nil, "\(text)")
        }
        #expect(try settings("a: !!float 1e5\nb: !!float inf\nc: !!float 5.\n")["a"] == .float(100_000))
    }

    @Test("`<<` and `=` as plain values are errors, as in PyYAML; quoted they are text")
    func keyOnlyScalars() throws {
        #expect(readError("a: <<\n")?.kind == .unsupported)
        #expect(readError("a: =\n")?.kind == .unsupported)
        #expect(readError("- <<\n")?.kind == .unsupported)
        let s = try settings("a: '<<'\nb: \"=\"\n=: 1\n")
        #expect(s["a"] == .string("<<") && s["b"] == .string("="))
        #expect(s["\"=\""] == .integer(1))
    }

    @Test("keys PyYAML and key paths would group differently are refused")
    func keyIdentity() throws {
        #expect(readError("1: a\n'1': b\n")?.kind == .unsupported)
        #expect(readError("1: a\ntrue: b\n")?.kind == .unsupported)
        #expect(readError("1: a\n1.0: b\n")?.kind == .unsupported)
        #expect(readError("null: a\n'null': b\n")?.kind == .unsupported)
        #expect(try settings("1: a\n2: b\n'x': c\n").count == 3)
    }

    @Test("long keys repeated through aliases hit the flattening limit instead of exhausting memory")
    func flattenedSizeLimit() throws {
        let key = String(repeating: "k", count: 100_000)
        // An explicit key (`? …`): libyaml limits implicit keys to 1,024 characters.
        let text =
            "a: &a\n  ? \(key)\n  : 1\nb: [" + Array(repeating: "*a", count: 1_000).joined(separator: ", ") + "]\n"
        let parsed = try ConfigReader().read(Array(text.utf8), path: "wide.yaml")
        #expect {
            try SettingsFlattener.settings(of: parsed, limits: ReaderLimits(maxFlattenedBytes: 10 << 20))
        } throws: { error in
            (error as? ConfigError)?.kind == .tooLarge
        }
    }

    @Test("recursive and undefined aliases are errors, not hangs")
    func badAliases() {
        #expect(readError("a: &a [*a]\n")?.kind == .unsupported)
        #expect(readError("a: *nowhere\n")?.kind == .syntax)
    }

    @Test("malformed YAML names the file, line and column")
    func malformed() throws {
        let error = try #require(readError("a: 1\n b: 2\n  - c\n"))
        #expect(error.kind == .syntax)
        #expect(error.path == "bad.yaml")
        #expect(error.position != nil)
        #expect(error.description.hasPrefix("bad.yaml:"))
        #expect(readError("a: [1, 2\n")?.kind == .syntax)
        #expect(readError("a: \"unterminated\n")?.kind == .syntax)
    }

    @Test("integers beyond 64 bits are an error, not a silent change of type")
    func hugeInteger() {
        #expect(readError("a: 99999999999999999999\n")?.kind == .unsupported)
    }
}
