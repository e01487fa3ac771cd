import ChangeGate
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ChangeGatePostgres

/// What only PostgreSQL has to show: many writers on one chain, the same chain as SQLite's, a
/// server that is not there, and locations whose passwords never show. Against a real server the
/// suite starts (``PostgresTestServer``); the store contract itself is `AuditStoreContractTests`.
@Suite("Audit stores: PostgreSQL")
struct PostgresAuditStoreTests {
    static func open(chain: String = "t-\(UUID().uuidString.prefix(8))", tcp: Bool = false) async throws
        -> PostgresAuditStore
    {
        let server = try PostgresTestServer.shared.get()
        let url = tcp ? server.tcpURL(chain: chain) : server.url(chain: chain)
        return try await PostgresAuditStore.open(try PostgresLocation.parse(url, environment: [:]))
    }

    @Test("16 writers with a connection each append to one chain at once: no fork, no gap, no duplicate")
    func manyWriters() async throws {
        let chain = "writers-\(UUID().uuidString.prefix(8))"
        let writers = 16
        let each = 10
        try await withThrowingTaskGroup(of: [AuditEntry].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    // Half over TCP, half over the socket: separate stores, separate connections.
                    let store = try await Self.open(chain: chain, tcp: writer % 2 == 0)
                    defer { store.close() }
                    var appended: [AuditEntry] = []
                    for index in 0..<each {
                        appended += try await store.append([AuditQueryTests.record(writer * 100 + index)])
                    }
                    return appended
                }
            }
            var all: [AuditEntry] = []
            for try await appended in group { all += appended }
            #expect(all.count == writers * each)
            #expect(Set(all.map(\.record.sequence)) == Set(1...(writers * each)))
        }
        let store = try await Self.open(chain: chain)
        defer { store.close() }
        let verification = try await store.verify()
        #expect(verification.isIntact, "\(String(describing: verification.problem)) \(verification.damage)")
        #expect(verification.records == writers * each)
    }

    @Test("the same records make the same chain in SQLite and in PostgreSQL, to the same head hash")
    func sameChainAsSQLite() async throws {
        let folder = try Paths.temporaryDirectory("pg-same-chain")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sqlite = try SQLiteAuditStore(path: folder.appendingPathComponent("audit.sqlite").path)
        let postgres = try await Self.open()
        defer { postgres.close() }
        let records = AuditStoreContractTests.records()
        typealias Sync = AuditStoreContractTests
        let inSQLite = try Sync.syncAppend(sqlite, records)
        let inPostgres = try await postgres.append(records)
        #expect(inSQLite == inPostgres)
        let sqliteHead = try Sync.syncHead(sqlite)
        let postgresHead = try await postgres.head()
        #expect(sqliteHead != nil && sqliteHead == postgresHead)
        // Copied record by record from SQLite, the trail verifies to the same head.
        let copy = try await Self.open()
        defer { copy.close() }
        for entry in try Sync.syncEntries(sqlite, AuditQuery()).reversed() {
            var record = entry.record
            record.sequence = 0
            _ = try await copy.append([record])
        }
        let copied = try await copy.verify()
        #expect(copied.isIntact && copied.head == sqliteHead)
    }

    @Test("matches sparse over many pages: every one found, newest first, as the reference finds them")
    func pagedQuery() async throws {
        let store = try await Self.open()
        defer { store.close() }
        // 1,500 records, every 97th changing ttl: a page of the newest 200 holds two at most, so
        // the limit of 12 is met only by reading on, page after page, below the last row seen.
        var records: [AuditRecord] = []
        for index in 0..<1_500 {
            records.append(
                AuditQueryTests.record(
                    2_000 - index, keys: [(index % 97 == 0 ? "bootstrap.dcs.ttl" : "app.pool.size", [])]))
        }
        let all = try await store.append(records)
        var query = AuditQuery()
        query.settings = ["bootstrap.dcs.ttl"]
        query.limit = 12
        let found = try await store.entries(matching: query).map(\.record.sequence)
        #expect(found == AuditStoreContractTests.reference(all, query))
        #expect(found.count == 12)
        query.limit = nil
        #expect(try await store.entries(matching: query).count == 16)
    }

    @Test("a long read that keeps receiving rows outlasts the time limit; one that falls silent does not")
    func limitOnSilence() async throws {
        let store = try await Self.open()
        defer { store.close() }
        // Before: `audit migrate` of a million records failed its final verify with "the server
        // did not answer within 10 s" while rows were streaming in.
        let progress = Heartbeat()
        let answered = try await store.run("reading", limit: .milliseconds(400), progress: progress) { _, _ in
            for _ in 0..<12 {
                try await Task.sleep(for: .milliseconds(100))
                progress.beat()
            }
            return true
        }
        #expect(answered)
        let silent = Heartbeat()
        let error = await #expect(throws: AuditError.self) {
            try await store.run("reading", limit: .milliseconds(400), progress: silent) { _, _ in
                try await Task.sleep(for: .seconds(3))
                return true
            }
        }
        #expect(error?.description.contains("did not answer within") == true, "\(String(describing: error))")
    }

    @Test("verify tells its progress every few thousand records, rising, and the whole chain at the end")
    func verifyProgress() async throws {
        let store = try await Self.open()
        defer { store.close() }
        let records = 2 * auditProgressStep + 100
        for start in stride(from: 0, to: records, by: 2_000) {
            _ = try await store.append((start..<min(records, start + 2_000)).map { AuditQueryTests.record($0 % 50) })
        }
        let seen = Mutex<[Int]>([])
        let verification = try await store.verify(progress: { count in seen.withLock { $0.append(count) } })
        #expect(verification.isIntact)
        let counts = seen.withLock { $0 }
        #expect(counts == [auditProgressStep, 2 * auditProgressStep, records], "\(counts)")
    }

    @Test("--explain: the server's plan answers a setting and a time filter by indexes")
    func explain() async throws {
        let store = try await Self.open()
        defer { store.close() }
        _ = try await store.append(AuditStoreContractTests.records())
        var query = AuditQuery()
        query.settings = ["**.work_mem"]
        query.since = 1
        let plan = try #require(try await store.queryPlan(for: query))
        #expect(plan.contains("changegate_record_changes"), "\(plan)")
        #expect(plan.contains("Index"), "\(plan)")
        #expect(plan.contains("Limit"), "\(plan)")
        // A setting's history: its own changes found through an index on the key (on a table this
        // small the planner may take the key index or the (file, key) one; either way no scan).
        var history = AuditQuery()
        history.file = "db/prod/patroni.yml"
        history.key = "bootstrap.dcs.ttl"
        let walked = try #require(try await store.queryPlan(for: history))
        #expect(walked.contains("key = 'bootstrap.dcs.ttl'::text"), "\(walked)")
        #expect(walked.contains("Index Cond: ((chain = "), "\(walked)")
        #expect(!walked.contains("Seq Scan on changegate_record_changes"), "\(walked)")
        query.settings = ["a..b"]
        await #expect(throws: AuditError.self) { try await store.queryPlan(for: query) }
    }

    @Test("a chain's head row moved back by hand stops appends and shows in verify")
    func headRowEdited() async throws {
        let chain = "head-\(UUID().uuidString.prefix(8))"
        let store = try await Self.open(chain: chain)
        defer { store.close() }
        try await store.append([AuditQueryTests.record(3), AuditQueryTests.record(2)])
        try PostgresTestServer.shared.get().psql(
            "SET session_replication_role = replica; UPDATE changegate_chains SET records = 1 WHERE chain = '\(chain)'")
        let error = try await #require(throws: AuditError.self) {
            try await store.append([AuditQueryTests.record(1)])
        }
        #expect(error.kind == .corrupt && error.message.contains("its head is record 1"), "\(error)")
        let verification = try await store.verify()
        #expect(!verification.isIntact)
        #expect(verification.damage.first?.contains("head row says record 1") == true, "\(verification.damage)")
    }

    @Test("a NUL in a key, a subject and a ref (legal in YAML and in a commit) is recorded, found and verified")
    func nulBytes() async throws {
        // PostgreSQL's text holds no NUL: a pusher whose key held one must not make the decision
        // unrecordable, nor make a query for it miss.
        let store = try await Self.open()
        defer { store.close() }
        var record = AuditQueryTests.record(
            1, ref: "refs/heads/a\u{0}b", keys: [("bootstrap.dcs\u{0}x.ttl", ["fail\u{0}over"])])
        record.commits[0].subject = "subject\u{0}with a NUL"
        let appended = try await store.append([record, AuditQueryTests.record(0)])
        #expect(appended.count == 2)
        var bySetting = AuditQuery()
        bySetting.settings = ["bootstrap.**"]
        #expect(try await store.entries(matching: bySetting).map(\.record.sequence) == [1])
        var byRef = AuditQuery()
        byRef.ref = "refs/heads/a\u{0}b"
        #expect(try await store.entries(matching: byRef).map(\.record.sequence) == [1])
        #expect(try await store.entry(sequence: 1)?.record.changes.first?.key == "bootstrap.dcs\u{0}x.ttl")
        #expect(try await store.verify().isIntact)
    }

    @Test("a server that is not there fails the open, saying where, not the password")
    func unreachable() async throws {
        // Port 1 on loopback: nothing listens there. (How long the refusal takes is not asserted:
        // the standards keep timings out of tests.)
        let location = try PostgresLocation.parse(
            "postgres://writer:s3cret-pw@127.0.0.1:1/trail", environment: [:])
        let error = try await #require(throws: AuditError.self) {
            _ = try await PostgresAuditStore.open(location, waitLimit: .seconds(2))
        }
        #expect(error.kind == .open, "\(error)")
        #expect(error.message.contains("127.0.0.1:1/trail"), "\(error)")
        #expect(!error.message.contains("s3cret-pw"), "\(error)")
    }

    @Test("locations: URL, socket folder, PG* variables, password files; the password is never shown")
    func locations() throws {
        let full = try PostgresLocation.parse(
            "postgresql://writer:p%40ss@db.example.com:6543/audit?chain=eu", environment: [:])
        #expect(full.host == "db.example.com" && full.port == 6543 && full.user == "writer")
        #expect(full.password == "p@ss" && full.database == "audit" && full.chain == "eu")
        #expect(!full.description.contains("p@ss") && !full.description.contains("p%40ss"))

        let socket = try PostgresLocation.parse("postgres:///audit?host=/run/postgresql&user=hook", environment: [:])
        #expect(socket.socketFolder == "/run/postgresql" && socket.host == nil && socket.user == "hook")
        #expect(socket.chain == PostgresLocation.defaultChain)

        let environment = ["PGHOST": "pg.internal", "PGPORT": "5433", "PGUSER": "ci", "PGPASSWORD": "from-env"]
        let fromEnvironment = try PostgresLocation.parse("postgres:///trail", environment: environment)
        #expect(fromEnvironment.host == "pg.internal" && fromEnvironment.port == 5433)
        #expect(fromEnvironment.user == "ci" && fromEnvironment.password == "from-env")

        let folder = try Paths.temporaryDirectory("pgpass")
        defer { try? FileManager.default.removeItem(at: folder) }
        let passfile = folder.appendingPathComponent("pgpass")
        try Data("# comment\nother:5432:*:ci:wrong\npg.internal:5433:trail:ci:pass\\:word\n".utf8).write(to: passfile)
        let fromFile = try PostgresLocation.parse(
            "postgres:///trail?passfile=\(passfile.path)",
            environment: ["PGHOST": "pg.internal", "PGPORT": "5433", "PGUSER": "ci"])
        #expect(fromFile.password == "pass:word")

        let inQuery = try #require(throws: AuditError.self) {
            try PostgresLocation.parse("postgres://u@h/d?password=hunter2", environment: [:])
        }
        #expect(inQuery.message.contains("passfile") && !inQuery.message.contains("hunter2"))
        let unknown = try #require(throws: AuditError.self) {
            try PostgresLocation.parse("postgres://u@h/d?sslcert=x", environment: [:])
        }
        #expect(unknown.message.contains("`sslcert`"))
        let badPort = try #require(throws: AuditError.self) {
            try PostgresLocation.parse("postgres://u@h/d?port=99999", environment: [:])
        }
        #expect(badPort.message.contains("99999"))
    }
}
