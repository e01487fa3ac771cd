import ChangeGate
import Testing

/// Redis and Sentinel's own syntax (`sentinel monitor …`), read as the settings it sets.
@Suite("Redis and Sentinel configuration")
struct RedisConfigReaderTests {
    @Test("Sentinel's lines are keyed by the master they name; other directives by name")
    func sentinelKeys() throws {
        let read = try settings(
            """
            # sentinel.conf
            port 26379
            sentinel down-after-milliseconds mymaster 30000
            sentinel monitor mymaster 10.0.0.1 6379 2
            sentinel failover-timeout mymaster 180000
            sentinel resolve-hostnames yes
            sentinel auth-pass mymaster "s3cret with space"
            sentinel known-replica mymaster 10.0.0.2 6379
            sentinel known-replica mymaster 10.0.0.3 6379
            save 900 1
            """, .redis)
        #expect(read["port"] == .integer(26379))
        #expect(read["sentinel.mymaster.monitor.host"] == .string("10.0.0.1"))
        #expect(read["sentinel.mymaster.monitor.port"] == .integer(6379))
        #expect(read["sentinel.mymaster.monitor.quorum"] == .integer(2))
        // A per-master option written before its `monitor` line is still the master's.
        #expect(read["sentinel.mymaster.down-after-milliseconds"] == .integer(30000))
        #expect(read["sentinel.mymaster.failover-timeout"] == .integer(180000))
        #expect(read["sentinel.resolve-hostnames"] == .bool(true))
        #expect(read["sentinel.mymaster.auth-pass"] == .string("s3cret with space"))
        #expect(read["sentinel.mymaster.known-replica[0]"] == .string("10.0.0.2 6379"))
        #expect(read["sentinel.mymaster.known-replica[1]"] == .string("10.0.0.3 6379"))
        #expect(read["save"] == .string("900 1"))
    }

    @Test("quotes split as Redis splits them: C escapes in double quotes, \\' in single")
    func quoting() throws {
        let read = try settings(
            """
            a "x\\ty\\x41"
            b 'it\\'s'
            c "42"
            """, .redis)
        #expect(read["a"] == .string("x\tyA"))
        #expect(read["b"] == .string("it's"))
        // Quoted, a number stays text: Redis compares it as written.
        #expect(read["c"] == .string("42"))
    }

    @Test(
        "what Redis refuses is an error at its place",
        arguments: [
            ("port 1\nsentinel monitor mymaster 10.0.0.1 6379\n", 2, 10, "takes a master name, host, port and quorum"),
            ("a \"open\n", 1, 3, "unbalanced quotes"),
            ("a \"x\"y\n", 1, 6, "closing quote must be followed by a space"),
            ("maxmemory\n", 1, 1, "without a value"),
            ("include /etc/redis/common.conf\n", 1, 1, "`include` reads another file"),
        ] as [(String, Int, Int, String)])
    func refusals(text: String, line: Int, column: Int, message: String) throws {
        let error = try #require(readError(text, .redis), "\(text)")
        #expect(error.position?.line == line, "\(error)")
        #expect(error.position?.column == column, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    @Test("the file is recognised as Sentinel's by its `sentinel monitor` line, and Patroni's and others by theirs")
    func detection() throws {
        func systems(_ text: String, _ format: ConfigFormat) throws -> Set<ConfigSystem> {
            ConfigSystem.detect(in: try ConfigReader().read(Array(text.utf8), path: "f", format: format))
        }
        #expect(try systems("sentinel monitor m 10.0.0.1 6379 2\n", .redis) == [.sentinel])
        #expect(try systems("port 6379\nsave 900 1\n", .redis) == [])
        #expect(try systems("scope: x\nbootstrap:\n  dcs:\n    ttl: 30\n", .yaml) == [.patroni])
        #expect(try systems("postgresql:\n  data_dir: /data\n", .yaml) == [.patroni])
        #expect(try systems("postgresql:\n  image: x\n", .yaml) == [])
        #expect(
            try systems(
                "apiVersion: v1\nkind: Secret\n---\napiVersion: postgresql.cnpg.io/v1\nkind: Cluster\n", .yaml)
                == [.cnpg])
        #expect(try systems("apiVersion: postgresql.cnpg.io/v1\nkind: Pooler\n", .yaml) == [])
        #expect(try systems("{\"RecoverMasterClusterFilters\": [\"*\"]}", .json) == [.orchestrator])
        #expect(try systems("{\"name\": \"x\", \"version\": \"1\"}", .json) == [])
    }
}
