import PolicyDSL
import Testing

@Suite("Glob")
struct GlobTests {
    @Test(
        "matches paths: ** any depth, * within a segment, ? and classes",
        arguments: [
            ("db/**/*.yaml", "db/a.yaml", true),
            ("db/**/*.yaml", "db/prod/eu/a.yaml", true),
            ("db/**/*.yaml", "db/prod/a.yml", false),
            ("db/**/*.yaml", "dbx/a.yaml", false),
            ("**/prod/**", "db/prod/patroni.yml", true),
            ("**/prod/**", "prod/x", true),
            ("**/prod/**", "db/production/x", false),
            ("services/*/database.toml", "services/a/database.toml", true),
            ("services/*/database.toml", "services/a/b/database.toml", false),
            ("*.yaml", "a.yaml", true),
            ("*.yaml", "d/a.yaml", false),
            ("**", "anything/at/all", true),
            ("db/?.yaml", "db/a.yaml", true),
            ("db/?.yaml", "db/ab.yaml", false),
            ("db/[ab].yaml", "db/b.yaml", true),
            ("db/[!ab].yaml", "db/b.yaml", false),
            ("db/[a-c]*.yaml", "db/carol.yaml", true),
            ("db/\\*.yaml", "db/*.yaml", true),
            ("db/\\*.yaml", "db/a.yaml", false),
        ])
    func paths(pattern: String, path: String, expected: Bool) {
        #expect(Glob(pattern).matches(path) == expected)
    }

    @Test("works over key paths with `.` as the separator")
    func keyPaths() {
        #expect(Glob("**.failover.enabled", separator: ".").matches("postgresql.failover.enabled"))
        #expect(Glob("**.failover.enabled", separator: ".").matches("failover.enabled"))
        #expect(!Glob("bootstrap.dcs.*", separator: ".").matches("bootstrap.dcs.a.b"))
    }

    @Test("literal directory prefix, for pruning a tree walk")
    func prefixes() {
        #expect(Glob("db/prod/*.yaml").literalDirectoryPrefix == "db/prod")
        #expect(Glob("db/**/*.yaml").literalDirectoryPrefix == "db")
        #expect(Glob("*.yaml").literalDirectoryPrefix == "")
        #expect(Glob("db/p*/x.yaml").literalDirectoryPrefix == "db")
        #expect(Glob("db/a.yaml").isLiteral)
        #expect(!Glob("db/*.yaml").isLiteral)
    }
}
