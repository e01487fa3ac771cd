import ChangeGate
import Foundation
import Testing

/// INI continuation lines read as Python's configparser reads them (issue 16, item 7).
@Suite("INI continuation lines")
struct INIContinuationTests {
    /// Patroni's tox.ini shape: `deps =` then indented lines, `commands =` over several lines with an
    /// empty line and a comment inside, `setenv` lines that look like settings of their own.
    static func tox(timeout: Bool = false) -> String {
        """
        [tox]
        envlist = lint, py{37,38,39,310,311}-{behave,test}, docs
        skipsdist = True
        toxworkdir = {env:TOX_WORK_DIR:.tox}
        skip_missing_interpreters = True

        [gh-actions]
        python =
            3.7: py37
            3.8: py38
            3.11: py311

        [common]
        deps =
            -r requirements.txt
            mock>=2.0.0
            # psycopg2-binary comes from the CI job
            pytest-cov
            pytest\(timeout ? "\n    pytest-timeout" : "")

        [testenv]
        setenv =
            PYTHONDONTWRITEBYTECODE = 1
            mpypy: PYTHONMALLOC = malloc
        allowlist_externals =
            bash
            find

        [testenv:test]
        description = Run unit tests with pytest
        labels =
            test
        commands_pre =
            - {tty:rm -f "{toxworkdir}{/}cov_report_{env_name}_html{/}*"}
        commands =
            pytest \\
              -p no:cacheprovider \\
              --cov=patroni --cov-report=xml {posargs}\(timeout ? " --timeout=300" : "")

            python -m coverage report  ; the summary
        deps =
            {[common]deps}
            psycopg[binary]
        retries = 3


        """
    }

    /// Python's configparser on `file`, as tox and setup.cfg readers configure it (no interpolation,
    /// keys as written) with `#` and `;` after a space as trailing comments (ChangeGate's INI rule):
    /// section → key → value.
    private func configparser(_ file: URL) throws -> [String: [String: String]] {
        let script = """
            import configparser, json, sys
            parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#", ";"))
            parser.optionxform = str
            parser.read(sys.argv[1], encoding="utf-8")
            print(json.dumps({s: {k: parser.get(s, k, raw=True) for k in parser.options(s)} for s in parser.sections()}))
            """
        let output = try Shell.check(["python3", "-c", script, file.path])
        return try JSONDecoder().decode([String: [String: String]].self, from: Data(output.utf8))
    }

    @Test("a tox.ini reads as configparser reads it: values joined with \\n, comments out, empty lines in")
    func toxAsConfigparser() throws {
        let directory = try Paths.temporaryDirectory("tox")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("tox.ini")
        let text = Self.tox()
        try Data(text.utf8).write(to: file)
        let reference = try configparser(file)
        let parsed = try ConfigReader().read(Array(text.utf8), path: "tox.ini")
        let ours = try SettingsFlattener.settingsByKey(of: parsed)
        var expectedKeys: Set<String> = []
        for (section, values) in reference {
            for (key, text) in values {
                let path = SettingPath.appending(key: key, to: SettingPath.segment(section))
                expectedKeys.insert(path)
                let value = try #require(ours[path]?.value, "\(path) missing")
                switch value {
                case .string(let string): #expect(string == text, "\(path)")
                case .integer(let integer): #expect(Int(text) == integer, "\(path)")
                case .bool(let bool): #expect(["true": true, "false": false][text.lowercased()] == bool, "\(path)")
                default: Issue.record("\(path): \(value)")
                }
            }
        }
        #expect(Set(ours.keys) == expectedKeys)
        #expect(ours["common.deps"]?.value == .string("\n-r requirements.txt\nmock>=2.0.0\npytest-cov\npytest"))
        #expect(ours["common.deps"]?.position == SourcePosition(line: 14, column: 1))
        #expect(
            ours["testenv:test.commands"]?.value
                == .string(
                    "\npytest \\\n-p no:cacheprovider \\\n--cov=patroni --cov-report=xml {posargs}\n\npython -m coverage report"
                ))
        #expect(ours["testenv.setenv"]?.value == .string("\nPYTHONDONTWRITEBYTECODE = 1\nmpypy: PYTHONMALLOC = malloc"))
        #expect(ours["testenv:test.retries"]?.value == .integer(3))
        #expect(ours["PYTHONDONTWRITEBYTECODE"] == nil)
    }

    @Test("the exact rules: indentation deeper than the key's, a section or key ends the value")
    func rules() throws {
        let s = try settings(
            "[a]\n  x = 1\n  y = 2\n    more\n\n  # note\n   last\n z = 3\n[b]\n  w = [x]\n   [y]\nv = 1\n\n\n", .ini)
        #expect(s["a.x"] == .integer(1))
        #expect(s["a.y"] == .string("2\nmore\n\nlast"))
        #expect(s["a.z"] == .integer(3))
        #expect(s["b.w"] == .string("[x]\n[y]"))
        #expect(s["b.v"] == .integer(1))
        // An empty line alone after a value changes nothing: the value is still typed.
        #expect(try settings("[a]\nport = 5432\n\n\nhost = x\n", .ini)["a.port"] == .integer(5432))
    }

    @Test("refused where readers disagree: an indented line outside .ini and .cfg files, a quoted value continued")
    func refusals() throws {
        let conf = #expect(throws: ConfigError.self) {
            try ConfigReader().read(Array("shared_buffers = 128MB\n    work_mem = 4MB\n".utf8), path: "postgresql.conf")
        }
        #expect(conf?.position == SourcePosition(line: 2, column: 5))
        #expect(conf?.message.contains("PostgreSQL") == true)
        // So does any file read as INI that is not .ini or .cfg (a my.cnf a policy reads `as ini`).
        let cnf = #expect(throws: ConfigError.self) {
            try ConfigReader().read(
                Array("[mysqld]\nmax_connections = 100\n  wait_timeout = 28800\n".utf8), path: "my.cnf", format: .ini)
        }
        #expect(cnf?.position == SourcePosition(line: 3, column: 3))
        #expect(try settings("[mysqld]\nx = 1\n  y\n", .ini)["mysqld.x"] == .string("1\ny"))
        // Comments and empty lines may be indented there; so may every key after a section.
        let fine = try ConfigReader().read(
            Array("[db]\n  a = 1\n  b = 2\n\t\t# (change requires restart)\n\n".utf8), path: "app.conf")
        #expect(try SettingsFlattener.settingsByKey(of: fine)["db.b"]?.value == .integer(2))
        let quoted = try #require(readError("[a]\nx = 'one'\n  two\n", .ini))
        #expect(quoted.position == SourcePosition(line: 3, column: 3))
    }

    @Test("a value continued on 100,000 lines after a 1 MB first line reads in linear time")
    func longValue() throws {
        let text =
            "[a]\nkey = " + String(repeating: "x", count: 1_000_000) + "\n" + String(repeating: "  y\n", count: 100_000)
        let clock = ContinuousClock()
        var value: ConfigValue?
        let elapsed = try clock.measure {
            value = try settings(text, .ini)["a.key"]
        }
        guard case .string(let string)? = value else {
            Issue.record("expected a string")
            return
        }
        #expect(string.utf8.count == 1_000_000 + 100_000 * 2)
        // Copying the lines for each line, 400,000 of them took over 3 minutes; now a few seconds.
        #expect(elapsed < .seconds(60), "\(elapsed)")
    }

    @Test("a tox.ini in git: changegate diff shows the continued values that changed")
    func diffInGit() throws {
        var repo = try GitFixture(label: "tox")
        defer { repo.remove() }
        try repo.write("tox.ini", Self.tox())
        let base = try repo.commit("tox")
        try repo.write("tox.ini", Self.tox(timeout: true))
        let head = try repo.commit("a test timeout")
        let run = { (format: [String]) throws -> Shell.Result in
            try Shell.run(
                [Paths.changegate.path, "diff", "--repo", repo.path, "--files", "*.ini"] + format + [base, head],
                environment: GitFixture.baseEnvironment)
        }
        let json = try run(["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["errors"] as? [Any])?.isEmpty == true, "\(object)")
        let changes = try #require(object["changes"] as? [[String: Any]])
        #expect(changes.map { $0["key"] as? String } == ["common.deps", "testenv:test.commands"])
        #expect(changes.allSatisfy { $0["kind"] as? String == "modified" })
        #expect((changes.first?["new"] as? String)?.hasSuffix("\npytest\npytest-timeout") == true)
        #expect(changes.first?["headLine"] as? Int == 14)
        let text = try run([])
        #expect(text.status == 0)
        #expect(text.stdout.contains("~ common.deps"), "\(text.stdout)")
        #expect(text.stdout.contains("~ testenv:test.commands"), "\(text.stdout)")
        #expect(text.stdout.contains("line 14"), "\(text.stdout)")
    }
}
