import ChangeGate
import Testing

@Suite("JSON, TOML and INI readers")
struct OtherReadersTests {
    @Test("JSON: types, positions, duplicate keys")
    func json() throws {
        let text = """
            {
              "a": 1, "b": 1.5, "c": "x", "d": true, "e": null,
              "f": [1, {"name": "n1", "v": 2}], "g": {}, "#": "comment", "#": "second",
              "h": "\\u00e9\\ud83d\\ude00"
            }
            """
        let parsed = try ConfigReader().read(Array(text.utf8), path: "x.json")
        let s = try SettingsFlattener.settingsByKey(of: parsed)
        #expect(s["a"]?.value == .integer(1))
        #expect(s["b"]?.value == .float(1.5))
        #expect(s["c"]?.value == .string("x"))
        #expect(s["d"]?.value == .bool(true))
        #expect(s["e"]?.value == .null)
        #expect(s["f[0]"]?.value == .integer(1))
        #expect(s["f[1].v"]?.value == .integer(2))
        #expect(s["g"]?.value == .map(ConfigMap()))
        #expect(s["#"]?.value == .string("second"))
        #expect(s["h"]?.value == .string("é😀"))
        #expect(s["b"]?.position == SourcePosition(line: 2, column: 16))
        #expect(parsed.warnings.count == 1)
    }

    @Test("JSON: strict RFC 8259, errors with line and column")
    func jsonStrict() throws {
        for bad in [
            "{\"a\": 1,}", "[1, 2,]", "// c\n{}", "{'a': 1}", "NaN", "[01]", "[1.]", "{\"a\" 1}", "\"\\ud800\"",
            "[1] x", "",
        ] {
            #expect(readError(bad, .json) != nil, "accepted \(bad)")
        }
        let error = try #require(readError("{\n  \"a\": tru\n}", .json))
        #expect(error.position == SourcePosition(line: 2, column: 8))
        #expect(readError("[\"a\tb\"]", .json)?.kind == .syntax)
        #expect(
            readError(String(repeating: "[", count: 300) + String(repeating: "]", count: 300), .json)?.kind == .tooDeep)
        #expect(readError("[99999999999999999999]", .json)?.kind == .unsupported)
    }

    @Test("TOML: tables, arrays of tables, dates as strings, positions from the source")
    func toml() throws {
        let text = """
            title = "shop"
            [database]
            pool_size = 40
            timeout = 2.5
            enabled = true
            started = 2024-06-04T13:55:00Z

            [database.failover]
            max_retries = 10
            hosts = ["db-1", "db-2"]

            [[servers]]
            name = "a"
            port = 1
            [[servers]]
            name = "b"
            port = 2
            """
        let parsed = try ConfigReader().read(Array(text.utf8), path: "x.toml")
        let s = try SettingsFlattener.settingsByKey(of: parsed)
        #expect(s["title"]?.value == .string("shop"))
        #expect(s["database.pool_size"]?.value == .integer(40))
        #expect(s["database.pool_size"]?.position.line == 3)
        #expect(s["database.timeout"]?.value == .float(2.5))
        #expect(s["database.enabled"]?.value == .bool(true))
        #expect(s["database.started"]?.value == .string("2024-06-04T13:55:00Z"))
        #expect(s["database.failover.max_retries"]?.position.line == 9)
        #expect(s["database.failover.hosts[1]"]?.value == .string("db-2"))
        #expect(s["servers[name=b].port"]?.value == .integer(2))
        #expect(s["servers[name=b].port"]?.position.line == 17)
        let error = try #require(readError("a = \n", .toml))
        #expect(error.position?.line == 1)
        #expect(readError("[a]\nx = 1\n[a]\ny = 2\n", .toml) != nil)
    }

    @Test("INI: sections become the first segment; values typed; comments ignored")
    func ini() throws {
        let text = """
            ; top comment
            global = 1
            [server]
            port = 8080
            host = "db.example.com"  # primary
            ratio: 0.5
            enabled = on
            name = shop  ; inline
            [server]
            port = 9090
            """
        let parsed = try ConfigReader().read(Array(text.utf8), path: "app.ini")
        let s = try SettingsFlattener.settingsByKey(of: parsed)
        #expect(s["global"]?.value == .integer(1))
        #expect(s["server.port"]?.value == .integer(9090))
        #expect(s["server.port"]?.position.line == 10)
        #expect(s["server.host"]?.value == .string("db.example.com"))
        #expect(s["server.ratio"]?.value == .float(0.5))
        #expect(s["server.enabled"]?.value == .bool(true))
        #expect(s["server.name"]?.value == .string("shop"))
        #expect(parsed.warnings.count == 1)
        let error = try #require(readError("[ok]\nlonely\n", .ini))
        #expect(error.position == SourcePosition(line: 2, column: 1))
        #expect(readError("= 5\n", .ini) != nil)
        #expect(readError("[open\n", .ini) != nil)
    }

    @Test("INI: postgresql.conf style — the `=` is optional, '' is a quote inside quotes")
    func postgresqlConf() throws {
        let s = try settings(
            "shared_buffers 128MB\nmax_connections = 100\nsearch_path = '\"$user\", public'\nmotd = 'it''s'\nlisten_addresses localhost:5432\nwal_level = replica # comment\n",
            .ini)
        #expect(s["shared_buffers"] == .string("128MB"))
        #expect(s["max_connections"] == .integer(100))
        #expect(s["search_path"] == .string("\"$user\", public"))
        #expect(s["motd"] == .string("it's"))
        #expect(s["listen_addresses"] == .string("localhost:5432"))
        #expect(s["wal_level"] == .string("replica"))
    }

    @Test("JSON: a long minified line parses with positions in linear time")
    func minifiedJSON() throws {
        let text = "[" + Array(repeating: "0", count: 400_000).joined(separator: ",") + "]"
        let parsed = try ConfigReader().read(Array(text.utf8), path: "big.json")
        guard case .list(let items) = parsed.documents[0].value else {
            Issue.record("expected a list")
            return
        }
        #expect(items.count == 400_000)
        #expect(items.last?.position == SourcePosition(line: 1, column: text.utf8.count - 1))
    }

    @Test("the format follows the extension, the last one counting")
    func formats() {
        #expect(ConfigFormat(path: "orchestrator/x.conf.json") == .json)
        #expect(ConfigFormat(path: "db/a.yml") == .yaml)
        #expect(ConfigFormat(path: "postgresql.conf") == .ini)
        #expect(ConfigFormat(path: "Makefile") == nil)
        #expect(readError("a: 1", .yaml) == nil)
        #expect(throws: ConfigError.self) { try ConfigReader().read([], path: "README") }
    }
}
