import ChangeGate
import Foundation
import Testing

/// Control characters, NUL bytes and UTF-16/UTF-32 files: every reader refuses or reads them the
/// way the file's consumer does, and every refusal says where (file:line:column) and what to do.
@Suite("Config encodings and control characters")
struct EncodingDiagnosticsTests {
    /// `text` as UTF-16 with a byte-order mark.
    static func utf16(_ text: String, bigEndian: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
        for unit in text.utf16 {
            let pair = [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            bytes += bigEndian ? pair.reversed() : pair
        }
        return bytes
    }

    @Test("YAML: an ESC is refused at its line and column, naming the character and the escape to use")
    func yamlEscape() throws {
        let error = try #require(readError("a: 1\nb: x\u{1B}y\n"))
        #expect(error.position == SourcePosition(line: 2, column: 5))
        #expect(error.message.contains("U+001B"))
        #expect(error.message.contains("\\x1B"))
        #expect(error.description.hasPrefix("bad.yaml:2:5: error: "))
        // DEL and a C1 control, which PyYAML refuses too.
        #expect(readError("a: x\u{7F}\n")?.position == SourcePosition(line: 1, column: 5))
        let c1 = try #require(readError("a: 1\n# é \u{86}\n"))
        #expect(c1.position == SourcePosition(line: 2, column: 5))
        #expect(c1.message.contains("U+0086"))
    }

    @Test("YAML: a NUL after the first 8,000 bytes (git calls the file text) is refused with its position")
    func yamlLateNUL() throws {
        let padding = String(repeating: "# padding line\n", count: 600)
        let error = try #require(readError(padding + "key: é\u{0}\n"))
        #expect(error.position == SourcePosition(line: 601, column: 7))
        #expect(error.message.contains("U+0000"))

        // The same through git: a text blob, so the reader's diagnostic reaches the report.
        var repo = try GitFixture(label: "late-nul")
        defer { repo.remove() }
        try repo.write("db/a.yaml", "key: 1\n")
        let base = try repo.commit("base")
        try repo.write("db/a.yaml", padding + "key: é\u{0}\n")
        try repo.commit("nul")
        let repository = try Repository(path: repo.path)
        var differ = RepositorySettingsDiff(repository: repository)
        let report = try differ.diff(from: ObjectID(hex: base), to: try repository.resolveCommit("HEAD"))
        let problem = try #require(report.errors.first)
        #expect(problem.line == 601)
        #expect(problem.column == 7)
    }

    @Test("YAML in UTF-16 with a byte-order mark reads as PyYAML reads it, positions in characters")
    func yamlUTF16() throws {
        let text = "ttl: 30\nname: \"é😀\"\nlist: [1, 2]\n"
        let expected = try settings(text)
        for bigEndian in [false, true] {
            let parsed = try ConfigReader().read(Self.utf16(text, bigEndian: bigEndian), path: "p.yaml")
            let read = try SettingsFlattener.settingsByKey(of: parsed)
            #expect(read.mapValues(\.value) == expected)
            #expect(read["list[1]"]?.position == SourcePosition(line: 3, column: 11))
        }
        // An error's position is the character's, as in the UTF-8 file.
        let error = try #require(readError(Self.utf16("a: 1\nb: \"😀\" x\n")))
        #expect(error.position == readError("a: 1\nb: \"😀\" x\n")?.position)
        // PyYAML 6.0.3 says: line 2, column 8.
        #expect(error.position == SourcePosition(line: 2, column: 8))
        // A lone surrogate is refused where it is.
        var lone = Self.utf16("a: 1\nb: ")
        lone += [0x00, 0xD8, 0x61, 0x00]
        let bad = try #require(readError(lone))
        #expect(bad.position == SourcePosition(line: 2, column: 4))
        #expect(bad.message.contains("UTF-16LE"))
    }

    @Test("YAML in UTF-16 through git (which calls it binary) is read, not refused as binary")
    func yamlUTF16FromGit() throws {
        var repo = try GitFixture(label: "utf16")
        defer { repo.remove() }
        try repo.write("db/a.yaml", Data(Self.utf16("ttl: 30\n")))
        let base = try repo.commit("base")
        try repo.write("db/a.yaml", Data(Self.utf16("ttl: 60\n")))
        try repo.commit("head")
        let repository = try Repository(path: repo.path)
        var differ = RepositorySettingsDiff(repository: repository)
        let report = try differ.diff(from: ObjectID(hex: base), to: try repository.resolveCommit("HEAD"))
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.changes.map(\.key) == ["ttl"])
        #expect(report.changes.first?.new == .integer(60))
    }

    @Test("UTF-16 without a byte-order mark is binary, as for PyYAML, and the refusal says what it looks like")
    func utf16WithoutMark() throws {
        var repo = try GitFixture(label: "utf16-nomark")
        defer { repo.remove() }
        try repo.write("db/a.yaml", "ttl: 30\n")
        let base = try repo.commit("base")
        try repo.write("db/a.yaml", Data(Self.utf16("ttl: 60\nname: x\n").dropFirst(2)))
        try repo.commit("head")
        let repository = try Repository(path: repo.path)
        var differ = RepositorySettingsDiff(repository: repository)
        let report = try differ.diff(from: ObjectID(hex: base), to: try repository.resolveCommit("HEAD"))
        let problem = try #require(report.errors.first)
        #expect(problem.message.contains("binary content"))
        #expect(problem.message.contains("UTF-16 without a byte-order mark"))
        #expect(problem.message.contains("save it as UTF-8"))
    }

    @Test("UTF-32, and UTF-16 outside YAML, are refused at 1:1 with what to convert to")
    func otherEncodingsRefused() throws {
        var utf32: [UInt8] = [0xFF, 0xFE, 0x00, 0x00]
        for scalar in "a: 1\n".unicodeScalars { utf32 += [UInt8(scalar.value), 0, 0, 0] }
        let yaml32 = try #require(readError(utf32))
        #expect(yaml32.position == SourcePosition(line: 1, column: 1))
        #expect(yaml32.message.contains("UTF-32LE"))
        #expect(yaml32.message.contains("convert it to UTF-8"))
        for (format, text) in [(ConfigFormat.json, "{\"a\": 1}"), (.toml, "a = 1\n"), (.ini, "a = 1\n")] {
            let error = try #require(readError(Self.utf16(text), format), "\(format) read UTF-16")
            #expect(error.position == SourcePosition(line: 1, column: 1))
            #expect(error.message.contains("UTF-16LE"), "\(format): \(error.message)")
            #expect(error.message.contains("convert it to UTF-8"))
        }
    }

    @Test("INI: a NUL inside a value is refused at its position")
    func iniNUL() throws {
        let error = try #require(readError("[s]\nport = 54\u{0}32\n", .ini))
        #expect(error.position == SourcePosition(line: 2, column: 10))
        #expect(error.message.contains("NUL"))
    }

    @Test("JSON and TOML: control characters and NUL are refused with their positions")
    func jsonAndTOMLControls() throws {
        for (text, line, column) in [
            ("{\n  \"a\": \"x\u{1B}y\"\n}", 2, 10), ("{\n  \"a\": \"x\u{0}y\"\n}", 2, 10), ("{\"a\": 1}\u{0}", 1, 9),
            ("{\n\u{1B}\"a\": 1}", 2, 1),
        ] {
            let error = try #require(readError(text, .json), "accepted \(text.debugDescription)")
            #expect(error.position == SourcePosition(line: line, column: column), "\(text.debugDescription)")
        }
        for (text, line, column) in [("a = 1\nb = \"x\u{1B}y\"\n", 2, 7), ("a = 1\n\u{0}", 2, 1)] {
            let error = try #require(readError(text, .toml), "accepted \(text.debugDescription)")
            #expect(error.position?.line == line, "\(text.debugDescription)")
            #expect(error.position?.column == column, "\(text.debugDescription)")
        }
    }
}
