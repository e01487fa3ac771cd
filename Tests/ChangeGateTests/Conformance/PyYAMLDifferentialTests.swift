import ChangeGate
import Foundation
import Testing

/// ChangeGate's readers against Python's (PyYAML's SafeLoader, which Patroni uses, and `json`):
/// the same key paths, types and values, file by file.
@Suite("Readers vs PyYAML and Python json")
struct PyYAMLDifferentialTests {
    @Test(
        "every real config file under testdata/real reads without error and as Python reads it",
        .enabled(if: Paths.testdata != nil, "../shared/testdata is absent: real-file differential skipped"))
    func realFiles() throws {
        let root = try #require(Paths.testdata).appendingPathComponent("real")
        for (format, extensions) in [(ConfigFormat.yaml, [".yaml", ".yml"]), (.json, [".json"])] {
            let files = Paths.files(under: root, extensions: extensions)
            #expect(!files.isEmpty)
            let oracle = try PythonOracle.read(files, format: format)
            for file in files {
                let ours = changegateReading(file, format: format)
                #expect(!ours.isError, "\(file.lastPathComponent): \(ours)")
                let theirs = try #require(oracle[file.path])
                #expect(ours.agrees(with: theirs), "\(file.lastPathComponent): \(ours.difference(from: theirs))")
            }
        }
    }

    @Test("a generated corpus of 2,000 YAML documents reads exactly as PyYAML reads it")
    func generatedCorpus() throws {
        let directory = try Paths.temporaryDirectory("yaml-corpus")
        defer { try? FileManager.default.removeItem(at: directory) }
        let generator = Paths.packageRoot.appendingPathComponent("scripts/oracle/gen_yaml_corpus.py").path
        try Shell.check(["python3", generator, "--seed", "1", "--count", "2000", "--out", directory.path])
        let files = Paths.files(under: directory, extensions: [".yaml"])
        #expect(files.count == 2000)
        let oracle = try PythonOracle.read(files, format: .yaml)
        var agreed = 0
        for file in files {
            let theirs = try #require(oracle[file.path])
            #expect(!theirs.isError, "the generator wrote a file PyYAML rejects: \(file.lastPathComponent)")
            let ours = changegateReading(file, format: .yaml)
            if ours.agrees(with: theirs) {
                agreed += 1
            } else {
                Issue.record("\(file.lastPathComponent): \(ours.difference(from: theirs))")
            }
        }
        #expect(agreed == files.count)
    }

    @Test("plain numbers around the direct integer reading (signs, zeros, 18 and 19 digits) read as PyYAML reads them")
    func plainNumberEdges() throws {
        let texts = [
            "0", "-0", "+0", "00", "007", "08", "-007", "1", "-1", "+1", "10", "-10", "123456789012345678",
            "-999999999999999999", "999999999999999999", "1234567890123456789", "9223372036854775807",
            "-9223372036854775808", "+", "-a", "1-2", "1_000", "+1_0", "1:30", "-1:30", "0x1F", "-0b11",
            "1.5", "1e5", "1.0e+5", "-.5", ".inf", "12abc", "1 2", "0.", "-0.0",
        ]
        let directory = try Paths.temporaryDirectory("yaml-numbers")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("numbers.yaml")
        var text = ""
        for (index, value) in texts.enumerated() { text += "k\(index): \(value)\n" }
        // The same texts as keys: a key reads as its value's text (`+1` is the key `1`).
        for (index, value) in texts.enumerated() {
            text += "keys\(index):\n  \(value): x\n"
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
        let theirs = try #require(try PythonOracle.read([file], format: .yaml)[file.path])
        let ours = changegateReading(file, format: .yaml)
        #expect(!ours.isError, "\(ours)")
        #expect(ours.agrees(with: theirs), "\(ours.difference(from: theirs))")
    }

    /// Tabs in every place a config file may hold one: PyYAML's pure-Python scanner (`yaml.safe_load`)
    /// takes them only in comments, quoted scalars and block-scalar content; libyaml takes more.
    static let tabPlacements = [
        "ttl:\t30\n", "ttl: \t30\n", "ttl: 30\t\n", "ttl: 30\t# c\n", "ttl: 30 #\tc\n", "ttl\t: 30\n",
        "a:\n\tb: 1\n", "a: 1\n\t\nb: 2\n", "a: [1,\t2]\n", "{a:\t1}\n", "a: b\tc\n", "a: \"b\tc\"\n",
        "a: 'b\tc'\n", "a: \"b\n\tc\"\n", "a: |\n  x\ty\n", "a: |\t\n  x\n", "a: | # c\td\n  x\n",
        "a: >-\n  x\t\n", "a:\t&x 1\nb: *x\n", "a: &x\t1\n", "a: !!str\t1\n", "a: !!str\t\"1\"\n",
        "- \tx\n", "-\tx\n", "---\ta: 1\n", "--- # c\td\na: 1\n", "a:\t\n  b: 1\n", "\"a\":\t1\n",
        "a: \"x\" \t\n", "a: b\n  \tc\n", "# only\ta comment\n", "a: \u{E9}\t\n", "a: \u{E9} # \u{E9}\t\n",
        "a: 1\r\n\tb: 2\r\n", "a: |\n  x\n\t\nb: 1\n",
    ]

    @Test("tabs read as PyYAML's safe_load reads them: refused where it refuses them, else the same settings")
    func tabs() throws {
        let directory = try Paths.temporaryDirectory("yaml-tabs")
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [URL] = []
        for (index, text) in Self.tabPlacements.enumerated() {
            let file = directory.appendingPathComponent("tab\(index).yaml")
            try Data(text.utf8).write(to: file)
            files.append(file)
        }
        let theirs = try PythonOracle.read(files, format: .yaml)
        var refused = 0
        for (file, text) in zip(files, Self.tabPlacements) {
            let python = try #require(theirs[file.path])
            let ours = changegateReading(file, format: .yaml)
            #expect(ours.agrees(with: python), "\(text.debugDescription): \(ours.difference(from: python))")
            if python.isError { refused += 1 }
        }
        // Both kinds are exercised.
        #expect(refused > 15)
        #expect(refused < Self.tabPlacements.count - 8)
    }
}
