import ChangeGate
import ChangeGateCommands
import ChangeGatePostgres
import Foundation
import TestSupport
import Testing

/// PostgreSQL from the command line: the lean `changegate` hands a PostgreSQL location to
/// `changegate-server` (which the build puts beside it), and refuses when there is none; the hook
/// records into PostgreSQL, and refuses a push it cannot record; `audit migrate` between the stores.
@Suite("PostgreSQL from the command line: the exec to changegate-server, the hook, migrate")
struct PostgresCLITests {
    static var server: PostgresTestServer { get throws { try PostgresTestServer.shared.get() } }

    static func chain() -> String { "cli-\(UUID().uuidString.prefix(8).lowercased())" }

    /// A repository whose last commit changes no watched setting: allowed, and recorded.
    static func repository() throws -> GitFixture {
        var work = try GitFixture(label: "pg-check")
        try work.write("policies/hook.policy", HookPushTests.policy)
        try work.write("db/prod/app.yaml", "failover:\n  enabled: true\n")
        try work.commit("base", author: "Alice <alice@example.com>")
        try work.write("README.md", "config\n")
        try work.commit("readme", author: "Frank <frank@example.com>")
        return work
    }

    @Test("the lean changegate's check records into PostgreSQL through the exec; audit log, head, verify read it back")
    func checkRecordsThroughExec() throws {
        let url = try Self.server.url(chain: Self.chain())
        let work = try Self.repository()
        defer { work.remove() }
        let check = try Shell.run([
            Paths.changegate.path, "check", "--repo", work.path, "--base", "HEAD~1", "--head", "HEAD", "--audit", url,
        ])
        #expect(check.status == 0, "\(check.stderr)\(check.stdout)")
        // The `=` spelling, and the variable instead of the option, reach it too.
        let log = try Shell.run([Paths.changegate.path, "audit", "log", "--audit=\(url)", "--format", "ndjson"])
        #expect(log.status == 0, "\(log.stderr)")
        let lines = log.stdout.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(#""source":"ci""#), "\(log.stdout)")
        let head = try Shell.run(
            [Paths.changegate.path, "audit", "head"], environment: [AuditLocation.environmentVariable: url])
        #expect(head.status == 0, "\(head.stderr)")
        #expect(head.stdout.hasPrefix("1:"), "\(head.stdout)")
        let verify = try Shell.run([Paths.changegate.path, "audit", "verify", "--audit", url])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("ok: 1 records"), "\(verify.stdout)")
    }

    @Test("no changegate-postgres: the lean binary refuses with exit 2, naming where it looked and how to build it")
    func missingServer() throws {
        let missing = "/nonexistent/changegate-postgres-\(UUID().uuidString.prefix(6))"
        let location = "postgres://gate:s3cret@db.example.com/audit"
        for (arguments, environment) in [
            (["audit", "head", "--audit", location], [String: String]()),
            (["audit", "migrate", "--from", "/tmp/x.sqlite", "--to", location], [:]),
            (["hook", "pre-receive"], [AuditLocation.environmentVariable: location]),
        ] {
            var env = environment
            env[ServerDispatch.postgresVariable] = missing
            // Standard input is the hook's updates; nothing reads it before the dispatch refuses.
            let result = try Shell.run(
                [Paths.changegate.path] + arguments, environment: env,
                input: Data(
                    "\(String(repeating: "0", count: 40)) \(String(repeating: "1", count: 40)) refs/heads/main\n".utf8))
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(missing), "\(result.stderr)")
            #expect(result.stderr.contains("--product changegate-postgres"), "\(result.stderr)")
            #expect(!result.stderr.contains("s3cret"))
        }
        // A SQLite trail never needs the server.
        let folder = try Paths.temporaryDirectory("pg-missing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        try SQLiteAuditStore(path: path).append([AuditQueryTests.record(1)])
        let sqlite = try Shell.run(
            [Paths.changegate.path, "audit", "head", "--audit", path],
            environment: [ServerDispatch.postgresVariable: missing, ServerDispatch.binaryVariable: missing])
        #expect(sqlite.status == 0, "\(sqlite.stderr)")
    }

    @Test("a PostgreSQL location goes to changegate-postgres, serve to changegate-server; the variables name others")
    func handOverTargets() throws {
        func destination(_ words: [String], _ variable: String? = nil) -> ServerDispatch.Destination? {
            ServerDispatch.destination(arguments: ["changegate"] + words, auditVariable: variable)
        }
        #expect(destination(["audit", "head", "--audit", "postgres://db/a"]) == .postgres)
        #expect(destination(["hook", "pre-receive"], "postgresql://db/a") == .postgres)
        #expect(destination(["serve", "--config", "serve.yml"]) == .server)
        // `serve` goes to the service even when a PostgreSQL trail is named too.
        #expect(destination(["serve", "--config", "serve.yml"], "postgres://db/a") == .server)
        #expect(destination(["audit", "head", "--audit", "/srv/audit.sqlite"]) == nil)
        func candidates(_ to: ServerDispatch.Destination, server: String? = nil, postgres: String? = nil) -> [String] {
            ServerDispatch.candidates(for: to, serverVariable: server, postgresVariable: postgres, folder: "/opt/cg")
        }
        // Beside changegate: the lean PostgreSQL binary first, the server (same commands) if it is missing.
        #expect(candidates(.postgres) == ["/opt/cg/changegate-postgres", "/opt/cg/changegate-server"])
        #expect(candidates(.server) == ["/opt/cg/changegate-server"])
        #expect(candidates(.server, postgres: "/x/pg") == ["/opt/cg/changegate-server"])
        #expect(candidates(.server, server: "/x/server") == ["/x/server"])
        // CHANGEGATE_SERVER_BINARY still names the binary of a PostgreSQL command, unless the new variable does.
        #expect(candidates(.postgres, server: "/x/server") == ["/x/server"])
        #expect(candidates(.postgres, server: "/x/server", postgres: "/x/pg") == ["/x/pg"])
        #expect(candidates(.postgres, server: "", postgres: "") == candidates(.postgres))
    }

    @Test("the lean changegate runs a PostgreSQL command in changegate-postgres, else in changegate-server beside it")
    func handOverRunsPostgresBinary() throws {
        let url = try Self.server.url(chain: Self.chain())
        #expect(try Shell.run([Paths.changegate.path, "audit", "init", "--audit", url]).status == 0)
        // A folder with a copy of the built `changegate` (it looks beside its real file, so not a link)
        // and links to the binaries it may hand over to.
        let folder = try Paths.temporaryDirectory("pg-handover")
        defer { try? FileManager.default.removeItem(at: folder) }
        let built = Paths.changegate.deletingLastPathComponent()
        let lean = folder.appendingPathComponent("changegate")
        try FileManager.default.copyItem(at: Paths.changegate, to: lean)
        // Only changegate-postgres beside it: the PostgreSQL command runs (in it: there is no other).
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent(ServerDispatch.postgresName),
            withDestinationURL: built.appendingPathComponent(ServerDispatch.postgresName))
        let ready = try Shell.run([lean.path, "audit", "init", "--audit", url])
        #expect(ready.status == 0, "\(ready.stderr)")
        #expect(ready.stdout.hasPrefix("ready:"), "\(ready.stdout)")
        // …and `serve` is not for it: it names changegate-server, which is not there.
        let serve = try Shell.run([lean.path, "serve", "--config", "/nonexistent/serve.yml", "--check-config"])
        #expect(serve.status == 2)
        #expect(serve.stderr.contains(folder.appendingPathComponent(ServerDispatch.serverName).path), "\(serve.stderr)")
        // Only changegate-server beside it (an install from before changegate-postgres): it still runs there.
        try FileManager.default.removeItem(at: folder.appendingPathComponent(ServerDispatch.postgresName))
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent(ServerDispatch.serverName),
            withDestinationURL: built.appendingPathComponent(ServerDispatch.serverName))
        let fallback = try Shell.run([lean.path, "audit", "init", "--audit", url])
        #expect(fallback.status == 0, "\(fallback.stderr)")
        // Neither: exit 2, naming both paths tried; nothing runs.
        try FileManager.default.removeItem(at: folder.appendingPathComponent(ServerDispatch.serverName))
        let neither = try Shell.run([lean.path, "audit", "init", "--audit", url])
        #expect(neither.status == 2)
        #expect(neither.stderr.contains(folder.appendingPathComponent(ServerDispatch.postgresName).path))
        #expect(neither.stderr.contains(folder.appendingPathComponent(ServerDispatch.serverName).path))
    }

    @Test("which command lines and environments are handed to changegate-server")
    func dispatchRule() {
        func wanted(_ words: [String], _ variable: String? = nil) -> Bool {
            ServerDispatch.wanted(arguments: ["changegate"] + words, auditVariable: variable)
        }
        #expect(wanted(["check", "--audit", "postgres://db/a"]))
        #expect(wanted(["audit", "log", "--audit=POSTGRESQL://db/a"]))
        #expect(wanted(["audit", "migrate", "--from", "a.sqlite", "--to", "postgresql://db/a"]))
        #expect(wanted(["audit", "migrate", "--from=postgres://db/a", "--to", "b.sqlite"]))
        #expect(wanted(["hook", "pre-receive"], "postgres://db/a"))
        #expect(!wanted(["hook", "pre-receive"], "/srv/git/audit.sqlite"))
        #expect(!wanted(["check", "--audit", "/srv/postgres://x"]))
        #expect(!wanted(["check", "--ref", "postgres://db/a"]))
        #expect(!wanted(["check", "--", "--audit", "postgres://db/a"]))
        #expect(!wanted(["check", "--audit"]))
    }

    @Test("a push through the installed hook records into PostgreSQL; with the database unreachable it is refused")
    func hookRecordsOrRefuses() async throws {
        let chain = Self.chain()
        let url = try Self.server.url(chain: chain)
        // A deadline far past the default 4 s: what is tested is where the decision is recorded, and
        // a debug build exec'ing changegate-server on 2 loaded cores (the simulation's clusters run
        // beside it in `make test`) can take longer than 4 s.
        let reachable = try await OffPool.run {
            try HookPushTests.makeSetup(install: ["--audit", url, "--deadline", "30"])
        }
        defer { reachable.remove() }
        let script = try String(contentsOfFile: reachable.server.path + "/hooks/pre-receive", encoding: .utf8)
        #expect(script.contains("'--audit' '\(url)'"), "\(script)")
        try reachable.work.write("README.md", "config, again\n")
        var work = reachable.work
        try work.commit("readme again", author: "Frank <frank@example.com>")
        let pushed = try await OffPool.run { try reachable.push(["HEAD:refs/heads/main"]) }
        #expect(pushed.status == 0, "\(pushed.stderr)")
        let store = try await PostgresChain.entries(url)
        #expect(store.contains { $0.record.source == .hook && $0.record.decision == "allow" }, "\(store)")

        // Nothing listens on this socket folder: the hook cannot record, so the push is refused.
        let dead = try Paths.temporaryDirectory("pg-dead")
        defer { try? FileManager.default.removeItem(at: dead) }
        let deadURL = "postgres://postgres@/postgres?host=\(dead.path)&port=5999&chain=\(chain)"
        let unreachable = try await OffPool.run {
            try HookPushTests.makeSetup(install: ["--audit", deadURL, "--deadline", "30"])
        }
        defer { unreachable.remove() }
        var other = unreachable.work
        try other.write("README.md", "config, again\n")
        try other.commit("readme again", author: "Frank <frank@example.com>")
        let refused = try await OffPool.run { try unreachable.push(["HEAD:refs/heads/main"]) }
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("REFUSED"), "\(refused.stderr)")
        #expect(refused.stderr.contains("cannot open the audit trail"), "\(refused.stderr)")
        #expect(unreachable.serverRef("refs/heads/main") != (try other.revParse("HEAD")))
    }

    @Test("a push whose --audit carries a password is not installed: the script would show it")
    func installRefusesPassword() throws {
        let server = try GitFixture(bare: true, label: "pg-install")
        defer { server.remove() }
        let result = try Shell.run([
            Paths.changegate.path, "hook", "install", "--repo", server.path, "--audit",
            "postgres://gate:s3cret@127.0.0.1:1/audit",
        ])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("carries a password"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: server.path + "/hooks/pre-receive"))
    }

    @Test(
        "audit migrate: SQLite to PostgreSQL and back, the same records and hashes, resumable, a differing prefix refused"
    )
    func migrate() async throws {
        let folder = try Paths.temporaryDirectory("pg-migrate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let from = folder.appendingPathComponent("from.sqlite").path
        let source = try SQLiteAuditStore(path: from)
        var trail = SyntheticAuditTrail(seed: 20)
        try trail.fill(source, count: 120, batch: 7, label: "m")
        let sourceHead = try #require(try await source.head())
        let url = try Self.server.url(chain: Self.chain())
        // An interrupted first run: the first 50 records are there already.
        try await PostgresChain.copy(try source.entries(from: 1, limit: 50), to: url)

        func migrate(_ from: String, _ to: String) async throws -> Shell.Result {
            try await OffPool.run {
                try Shell.run([Paths.changegate.path, "audit", "migrate", "--from", from, "--to", to, "--batch", "32"])
            }
        }
        let first = try await migrate(from, url)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("copied 70 records"), "\(first.stdout)")
        #expect(first.stdout.contains("(50 already there)"), "\(first.stdout)")
        #expect(first.stdout.contains("same head \(sourceHead)"), "\(first.stdout)")
        let again = try await migrate(from, url)
        #expect(again.status == 0 && again.stdout.contains("copied 0 records"), "\(again.stdout)\(again.stderr)")

        let back = folder.appendingPathComponent("back.sqlite").path
        let returned = try await migrate(url, back)
        #expect(returned.status == 0, "\(returned.stderr)")
        #expect(returned.stdout.contains("same head \(sourceHead)"), "\(returned.stdout)")
        let copied = try await SQLiteAuditStore(path: back, access: .readOnly).entries(from: 1, limit: 1000)
        #expect(copied == (try await source.entries(from: 1, limit: 1000)))

        // A destination whose record 31 is another one: refused, naming it, nothing copied.
        let other = try Self.server.url(chain: Self.chain())
        try await PostgresChain.copy(try source.entries(from: 1, limit: 30), to: other)
        try await PostgresChain.append([AuditQueryTests.record(5)], to: other)
        let refused = try await migrate(from, other)
        #expect(refused.status == 2, "\(refused.stdout)")
        #expect(refused.stderr.contains("record 31 differs"), "\(refused.stderr)")
        #expect(try await PostgresChain.entries(other).count == 31)
    }
}

/// The tests' own access to a PostgreSQL chain: the async store (the blocking bridge must not run
/// on the cooperative pool's threads, which the tests run on).
enum PostgresChain {
    static func open(_ url: String) async throws -> PostgresAuditStore {
        try await PostgresAuditStore.open(try PostgresLocation.parse(url, environment: [:]))
    }

    static func entries(_ url: String) async throws -> [AuditEntry] {
        let store = try await open(url)
        defer { store.close() }
        return try await store.entries(from: 1, limit: 100_000)
    }

    static func copy(_ entries: [AuditEntry], to url: String) async throws {
        let store = try await open(url)
        defer { store.close() }
        try await store.append(copies: entries)
    }

    static func append(_ records: [AuditRecord], to url: String) async throws {
        let store = try await open(url)
        defer { store.close() }
        try await store.append(records)
    }
}
