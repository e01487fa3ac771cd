import ChangeGate
import Foundation
import Testing

/// Issue 14, items 10 and 18: what the gate read as "no change" while the consumer reads something
/// else, or refuses the file. Each test replays the push with real git and the real `changegate`.
@Suite("Trust: config readers")
struct ConfigTrustTests {
    /// A duplicated key in each format: the value the gate compares (`30`, the last) equals the base,
    /// so the gate saw no change, while a first-wins reader, tomllib, configparser or Go's yaml.v3
    /// sees `10` or refuses the file.
    static let duplicates: [(path: String, base: String, head: String, lines: (Int, Int))] = [
        (
            "db/prod/patroni.yaml", "bootstrap:\n  dcs:\n    ttl: 30\n",
            "bootstrap:\n  dcs:\n    ttl: 10\n    ttl: 30\n", (3, 4)
        ),
        (
            "db/prod/orchestrator.json", "{\"dcs\": {\"ttl\": 30}}\n", "{\"dcs\": {\n  \"ttl\": 10,\n  \"ttl\": 30}}\n",
            (2, 3)
        ),
        ("db/prod/pg.conf", "[dcs]\nttl = 30\n", "[dcs]\nttl = 10\nttl = 30\n", (2, 3)),
        ("db/prod/database.toml", "[dcs]\nttl = 30\n", "[dcs]\nttl = 10\nttl = 30\n", (2, 3)),
    ]

    @Test("18: a key defined twice in a changed file is refused by check and diff, naming both lines", arguments: 0..<4)
    func duplicateKey(index: Int) throws {
        let (path, baseText, headText, lines) = Self.duplicates[index]
        var trust = try TrustRepository(label: "dup", files: [path: baseText])
        defer { trust.remove() }
        try trust.change([path: headText])

        let check = try trust.check()
        #expect(check.status == 2, "\(path): \(check.stdout)")
        #expect(check.stdout.contains("DENIED (the change could not be judged)"), "\(check.stdout)")
        // The error points at the later definition and names the earlier one.
        #expect(check.stdout.contains("\(path):\(lines.1):"), "\(check.stdout)")
        #expect(check.stdout.contains("line \(lines.0)"), "\(check.stdout)")

        let diff = try trust.diff(["--format", "json"])
        #expect(diff.status == 2)
        let errors = try #require(try jsonObject(diff.stdout)["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors.first?["file"] as? String == path)
        #expect(errors.first?["line"] as? Int == lines.1)
        #expect(errors.first?["column"] is Int)
    }

    @Test("18: a duplicate already on the base side does not lock the branch: the fix that removes it passes")
    func duplicateOnBaseOnly() throws {
        let path = "db/prod/patroni.yaml"
        var trust = try TrustRepository(
            label: "dup-base", files: [path: "bootstrap:\n  dcs:\n    ttl: 10\n    ttl: 30\n"])
        defer { trust.remove() }
        try trust.change([path: "bootstrap:\n  dcs:\n    ttl: 30\n"])
        let check = try trust.check()
        #expect(check.status == 0, "\(check.stdout)")
    }

    @Test(
        "18: a real file with duplicates it always had stays editable (orchestrator's sample); a new duplicate is refused",
        .enabled(if: Paths.testdata != nil, "../shared/testdata is absent"))
    func duplicatesTheBaseHad() throws {
        let source = try #require(Paths.testdata).appendingPathComponent(
            "real/orchestrator/orchestrator-simple.conf.json")
        let original = try String(contentsOf: source, encoding: .utf8)
        let path = "db/prod/orchestrator.conf.json"
        var trust = try TrustRepository(label: "dup-real", files: [path: original])
        defer { trust.remove() }
        // An edit that keeps the file's old duplicates (the `"#"` comment keys and three settings).
        let edited = original.replacingOccurrences(
            of: "\"ListenAddress\": \":3000\"", with: "\"ListenAddress\": \":3001\"")
        #expect(edited != original)
        try trust.change([path: edited])
        let kept = try trust.check()
        #expect(kept.status == 0, "\(kept.stdout)")
        // A second `ListenAddress` is new: refused, at its line.
        let added = edited.replacingOccurrences(
            of: "\"ListenAddress\": \":3001\",", with: "\"ListenAddress\": \":3001\",\n  \"ListenAddress\": \":9\",")
        #expect(added != edited)
        try trust.change([path: added])
        let refused = try trust.check()
        #expect(refused.status == 2, "\(refused.stdout)")
        #expect(refused.stdout.contains("`ListenAddress` is defined twice"))
    }

    /// The bytes of `text` behind a UTF-8 byte-order mark.
    static func withBOM(_ text: String) -> [UInt8] { [0xEF, 0xBB, 0xBF] + Array(text.utf8) }

    @Test(
        "10: a byte-order mark added to a JSON, TOML or INI file is refused at 1:1, as the consumer refuses it",
        arguments: [
            ("db/prod/orchestrator.json", "{\"dcs\": {\"ttl\": 30}}\n"),
            ("db/prod/database.toml", "[dcs]\nttl = 30\n"),
            ("db/prod/pg.conf", "[dcs]\nttl = 30\n"),
        ])
    func byteOrderMark(path: String, text: String) throws {
        var trust = try TrustRepository(label: "bom", files: [path: text])
        defer { trust.remove() }
        try trust.change([path: Self.withBOM(text)])
        // The consumer's own reading: Python's json and tomllib, configparser.
        let file = trust.repo.url.appendingPathComponent(path)
        let reader =
            path.hasSuffix(".json")
            ? "import json,sys; json.load(open(sys.argv[1], encoding='utf-8'))"
            : path.hasSuffix(".toml")
                ? "import tomllib,sys; tomllib.loads(open(sys.argv[1], encoding='utf-8').read())"
                : "import configparser,sys; configparser.ConfigParser().read_string(open(sys.argv[1], encoding='utf-8').read())"
        #expect(try Shell.run(["python3", "-c", reader, file.path]).status != 0, "Python accepted \(path)")

        let check = try trust.check()
        #expect(check.status == 2, "\(check.stdout)")
        #expect(check.stdout.contains("\(path):1:1: error:"), "\(check.stdout)")
        #expect(check.stdout.contains("byte-order mark"), "\(check.stdout)")
    }

    @Test("10: a YAML byte-order mark is read as PyYAML reads it (skipped): no change")
    func yamlByteOrderMark() throws {
        let path = "db/prod/patroni.yaml"
        let text = "bootstrap:\n  dcs:\n    ttl: 30\n"
        var trust = try TrustRepository(label: "bom-yaml", files: [path: text])
        defer { trust.remove() }
        try trust.change([path: Self.withBOM(text)])
        let check = try trust.check()
        #expect(check.status == 0, "\(check.stdout)")
    }

    @Test(
        "10: a tab where PyYAML's safe_load refuses one is refused with line:column; the diff saw no change before",
        arguments: [
            ("bootstrap:\n  dcs:\n    ttl:\t30\n", 3, 9),
            ("bootstrap:\n  dcs:\n    ttl: 30\t# seconds\n", 3, 12),
            ("bootstrap:\n  dcs: {ttl:\t30}\n", 2, 13),
        ])
    func tab(head: String, line: Int, column: Int) throws {
        let path = "db/prod/patroni.yaml"
        var trust = try TrustRepository(label: "tab", files: [path: "bootstrap:\n  dcs:\n    ttl: 30\n"])
        defer { trust.remove() }
        try trust.change([path: head])
        // Patroni's reading: yaml.safe_load.
        let file = trust.repo.url.appendingPathComponent(path)
        #expect(
            try Shell.run(["python3", "-c", "import yaml,sys; yaml.safe_load(open(sys.argv[1]))", file.path]).status
                != 0)

        let check = try trust.check()
        #expect(check.status == 2, "\(check.stdout)")
        #expect(check.stdout.contains("\(path):\(line):\(column): error:"), "\(check.stdout)")
        #expect(check.stdout.contains("tab"), "\(check.stdout)")
    }

    @Test("10: tabs PyYAML accepts (in comments, quoted values, block scalars) are still read")
    func acceptedTabs() throws {
        let text = "# a\tcomment\nbootstrap:  # and\there\n  name: \"a\tb\"\n  other: 'c\td'\n  script: |\n    x\ty\n"
        let read = try settings(text)
        #expect(read["bootstrap.name"] == .string("a\tb"))
        #expect(read["bootstrap.script"] == .string("x\ty\n"))
    }

    @Test("10: a selected file whose bytes changed while no setting did is a warning in diff and check, text and JSON")
    func formattingOnly() throws {
        let path = "db/prod/patroni.yaml"
        var trust = try TrustRepository(label: "format", files: [path: "bootstrap:\n  dcs:\n    ttl: 30\n"])
        defer { trust.remove() }
        try trust.change([path: "bootstrap:\n  dcs:\n    ttl:   30   # seconds\n"])

        let diffText = try trust.diff()
        #expect(diffText.status == 0)
        #expect(diffText.stdout.contains("\(path): warning: formatting-only change"), "\(diffText.stdout)")
        let diffJSON = try jsonObject(try trust.diff(["--format", "json"]).stdout)
        let warnings = try #require(diffJSON["warnings"] as? [[String: Any]])
        #expect(warnings.contains { $0["file"] as? String == path && $0["kind"] as? String == "formatting-only" })

        let checkText = try trust.check()
        #expect(checkText.status == 0)
        #expect(checkText.stdout.contains("\(path): warning: formatting-only change"), "\(checkText.stdout)")
        let checkJSON = try jsonObject(try trust.check(["--format", "json"]).stdout)
        let fileWarnings = try #require(checkJSON["fileWarnings"] as? [[String: Any]])
        #expect(fileWarnings.contains { $0["file"] as? String == path && $0["kind"] as? String == "formatting-only" })
    }
}
