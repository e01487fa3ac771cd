import ChangeGate
import ChangeGatePostgres
import Foundation
import TestSupport
import Testing

/// What every audit store promises, one test body run over each store (as GRDB runs one body over
/// `DatabaseQueue` and `DatabasePool`): the in-memory store, SQLite through one connection (the
/// CLI's and the hook's), SQLite through a pool, and SQLite read through a read-only pool while a
/// single connection writes (a server reading what hooks append), and PostgreSQL on a real server
/// the suite starts (``PostgresTestServer``), each test on a chain of its own. The contract is run on
/// the stores' async face, which every store has; a last test checks that the sync face of the
/// stores that have one gives the same answers.
@Suite("Audit stores: one contract for every store")
struct AuditStoreContractTests {
    /// A way to damage a store's records behind its back, as someone with write access could.
    enum Tampering: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// The record's body says `deny` where it said `allow`; its hash is left alone.
        case editBody
        /// The record is gone.
        case delete
        /// The record's previous hash no longer names the record before (its own hash re-made).
        case relink

        var testDescription: String { rawValue }
    }

    /// A store under test, and how to damage it.
    struct Opened {
        var store: any AsyncAuditStore
        var tamper: (Tampering, Int) throws -> Void
        var folder: URL?
        var closing: () -> Void = {}

        func close() {
            closing()
            if let folder { try? FileManager.default.removeItem(at: folder) }
        }
    }

    struct Kind: Sendable, CustomTestStringConvertible {
        var name: String
        /// True for a store with a sync face (``AuditStore``) as well.
        var synchronous = true
        var open: @Sendable () async throws -> Opened
        var testDescription: String { name }
    }

    static let kinds: [Kind] = [
        Kind(name: "memory") {
            let store = MemoryAuditStore()
            return Opened(store: store, tamper: { tampering, sequence in memoryTamper(store, tampering, sequence) })
        },
        Kind(name: "SQLite, one connection") {
            let (folder, path) = try trailPath()
            return Opened(
                store: try SQLiteAuditStore(path: path), tamper: { try sqliteTamper(path, $0, $1) }, folder: folder)
        },
        Kind(name: "SQLite, pool") {
            let (folder, path) = try trailPath()
            return Opened(
                store: try SQLiteAuditStore(path: path, connections: .pool), tamper: { try sqliteTamper(path, $0, $1) },
                folder: folder)
        },
        Kind(name: "SQLite, pool reads beside one writing connection") {
            let (folder, path) = try trailPath()
            let writer = try SQLiteAuditStore(path: path)
            let reader = try SQLiteAuditStore(path: path, access: .readOnly, connections: .pool)
            return Opened(
                store: SplitStore(writer: writer, reader: reader), tamper: { try sqliteTamper(path, $0, $1) },
                folder: folder)
        },
        Kind(name: "PostgreSQL", synchronous: false) {
            let server = try PostgresTestServer.shared.get()
            let chain = "contract-\(UUID().uuidString.prefix(8))"
            let location = try PostgresLocation.parse(server.url(chain: chain), environment: [:])
            let store = try await PostgresAuditStore.open(location)
            return Opened(
                store: store, tamper: { try postgresTamper(server, chain, $0, $1) }, closing: { store.close() })
        },
    ]

    static var synchronousKinds: [Kind] { kinds.filter(\.synchronous) }

    /// Raw SQL as the database's superuser, as someone with that role could.
    /// PostgreSQL has SHA-256 of its own: a relinked record's hash is re-made in SQL.
    static func postgresTamper(_ server: PostgresTestServer, _ chain: String, _ tampering: Tampering, _ sequence: Int)
        throws
    {
        let at = "chain = '\(chain)' AND sequence = \(sequence)"
        let sql =
            switch tampering {
            case .editBody:
                "UPDATE changegate_records SET body = replace(body, '\"decision\":\"allow\"', '\"decision\":\"deny\"'), "
                    + "decision = 'deny' WHERE \(at)"
            case .delete:
                "DELETE FROM changegate_records WHERE \(at); DELETE FROM changegate_record_changes WHERE \(at)"
            case .relink:
                "UPDATE changegate_records SET previous_hash = repeat('f', 64), "
                    + "hash = encode(sha256(convert_to(repeat('f', 64) || E'\\n' || body, 'UTF8')), 'hex') WHERE \(at)"
            }
        // The store's triggers refuse every edit (migration 2); a superuser switches them off for
        // the session, as an attacker with that role could.
        try server.psql("SET session_replication_role = replica; " + sql)
    }

    static func trailPath() throws -> (URL, String) {
        let folder = try Paths.temporaryDirectory("audit-contract")
        return (folder, folder.appendingPathComponent("audit.sqlite").path)
    }

    static func memoryTamper(_ store: MemoryAuditStore, _ tampering: Tampering, _ sequence: Int) {
        store.tamper { kept in
            guard let index = kept.firstIndex(where: { $0.sequence == sequence }) else { return }
            switch tampering {
            case .editBody:
                kept[index].body = kept[index].body.replacingOccurrences(
                    of: #""decision":"allow""#, with: #""decision":"deny""#)
            case .delete:
                kept.remove(at: index)
            case .relink:
                kept[index].previousHash = String(repeating: "f", count: 64)
                kept[index].hash = AuditEntry.hash(body: kept[index].body, previousHash: kept[index].previousHash)
            }
        }
    }

    /// Raw SQL on the file, through the `sqlite3` command line (as `AuditChainTests` does).
    static func sqliteTamper(_ path: String, _ tampering: Tampering, _ sequence: Int) throws {
        let sql =
            switch tampering {
            case .editBody:
                "UPDATE records SET body = replace(body, '\"decision\":\"allow\"', '\"decision\":\"deny\"'), "
                    + "decision = 'deny' WHERE sequence = \(sequence)"
            case .delete:
                "DELETE FROM records WHERE sequence = \(sequence); DELETE FROM record_changes WHERE sequence = \(sequence)"
            case .relink:
                // SQLite has no SHA-256 of its own: the new hash is made here and written as text.
                try relinkSQL(path, sequence)
            }
        let result = try Shell.run(["sqlite3", path, sql])
        #expect(result.status == 0, "sqlite3: \(result.stderr)")
    }

    static func relinkSQL(_ path: String, _ sequence: Int) throws -> String {
        let result = try Shell.run(["sqlite3", path, "SELECT body FROM records WHERE sequence = \(sequence)"])
        let body = String(result.stdout.dropLast())  // the newline sqlite3 ends its output with
        let previous = String(repeating: "f", count: 64)
        let hash = AuditEntry.hash(body: body, previousHash: previous)
        return "UPDATE records SET previous_hash = '\(previous)', hash = '\(hash)' WHERE sequence = \(sequence)"
    }

    // MARK: - The records

    static let now = AuditQueryTests.now

    /// Records that tell the query semantics apart: the query suite's eight, and the edges of text
    /// comparison (ASCII case, non-ASCII case, normalization, a comma in a name, a tag's case, a
    /// setting and a tag on different changes).
    static func records() -> [AuditRecord] {
        typealias Q = AuditQueryTests
        var records = [
            Q.record(60 * 24 * 3, keys: [("bootstrap.dcs.ttl", ["failover"])], risk: 25),
            Q.record(60 * 7, ref: "refs/heads/release/2024.6", actor: "dave@example.com", keys: [("app.pool", [])]),
            Q.record(
                60 * 5, source: .ci, keys: [("bootstrap.dcs.loop_wait", ["failover"])], decision: "deny", risk: 80),
            Q.record(
                60 * 2, repository: "/srv/other.git", keys: [("spec.instances", ["failover", "replication"])], risk: 30),
            Q.record(50, author: "erin@example.com", keys: [("postgresql.parameters.work_mem", [])], risk: 5),
            AuditRecord.approval(
                commit: "h10", approver: "bob@example.com", ref: "refs/changegate/approvals/x", time: now - 600,
                repository: "/srv/shop.git"),
            Q.record(10, keys: [("failover.members[0].priority", ["failover"])], decision: "warn", risk: 55),
            Q.record(1, ref: "refs/heads/feature/x", keys: [("bootstrap.dcs.ttl", ["failover"])], risk: 25),
            Q.record(9, actor: "ÉVE@example.com", author: "Zoë@Example.com", keys: [("a.b", ["FailOver"])]),
            Q.record(
                8, repository: "/srv/caf\u{E9}.git", keys: [("bootstrap.dcs.ttl", ["other"]), ("x.y", ["failover"])]),
        ]
        // Two people `a` and `b`: no author is `a,b`.
        var two = Q.record(7)
        two.commits = [
            AuditRecord.Commit(id: "c1", author: "a", committer: "b", time: 0, subject: "s")
        ]
        records.append(two)
        records.append(
            AuditRecord(time: now - 60, source: .push, repository: "/srv/shop.git", decision: "landed", accepted: true))
        // Keys that a store narrowing in SQL could miss or over-select (PostgreSQL's LIKE): a key
        // at the top level that `**.` also matches, LIKE's own `_` and `%` in a key, a quoted segment.
        records.append(Q.record(6, keys: [("work_mem", [])]))
        records.append(Q.record(5, keys: [("xAy.z", []), ("p%q.r", [])]))
        records.append(Q.record(4, keys: [("x_y.z", [])]))
        records.append(Q.record(3, keys: [("a.\"b.c\".d", ["FAILOVER"])]))
        // Reviews: carol's counted, mallory's did not (an older head's), and a test named like a reviewer.
        var reviewed = Q.record(2, keys: [("app.reviewed", [])])
        reviewed.evidence = [
            AuditRecord.Evidence(
                kind: "reviewer", subject: "carol@example.com", status: nil, source: "forge review", counted: true,
                reason: nil),
            AuditRecord.Evidence(
                kind: "reviewer", subject: "mallory@example.com", status: nil, source: "forge review", counted: false,
                reason: "an older head"),
            AuditRecord.Evidence(
                kind: "test", subject: "mallory@example.com", status: "passed", source: "junit", counted: true,
                reason: nil),
        ]
        records.append(reviewed)
        // The key in one file and another key in the file asked for: a file and a setting must be
        // on one change.
        // And the same file's key twice (a store that walks changes must still list the record once).
        var twoFiles = Q.record(1, keys: [("bootstrap.dcs.ttl", []), ("app.pool", []), ("bootstrap.dcs.ttl", [])])
        twoFiles.changes[0].file = "db/other/patroni.yml"
        twoFiles.changes[2].file = "db/other/patroni.yml"
        records.append(twoFiles)
        return records
    }

    /// The queries the table runs: each filter, their combinations, and the edges above.
    static func queries() -> [(String, AuditQuery)] {
        func query(_ build: (inout AuditQuery) -> Void) -> AuditQuery {
            var query = AuditQuery()
            build(&query)
            return query
        }
        return [
            ("everything", AuditQuery()),
            ("since", query { $0.since = now - 6 * 3600 }),
            ("until", query { $0.until = now - 6 * 3600 }),
            (
                "since and until",
                query {
                    $0.since = now - 3 * 3600; $0.until = now - 9 * 60
                }
            ),
            ("repository", query { $0.repository = "/srv/other.git" }),
            ("repository, precomposed", query { $0.repository = "/srv/caf\u{E9}.git" }),
            ("repository, decomposed", query { $0.repository = "/srv/cafe\u{301}.git" }),
            ("ref glob *", query { $0.ref = "refs/heads/*" }),
            ("ref glob **", query { $0.ref = "refs/heads/**" }),
            ("ref exact", query { $0.ref = "refs/heads/release/2024.6" }),
            ("head", query { $0.head = "h10" }),
            ("actor, ASCII case", query { $0.actor = "DAVE@example.com" }),
            ("actor, non-ASCII case", query { $0.actor = "éve@example.com" }),
            ("actor, same bytes", query { $0.actor = "ÉVE@EXAMPLE.COM" }),
            ("author", query { $0.author = "erin@example.com" }),
            ("author, any case", query { $0.author = "ZOË@example.com" }),
            ("author, two people", query { $0.author = "a,b" }),
            ("author, one of two", query { $0.author = "b" }),
            ("settings", query { $0.settings = ["bootstrap.dcs.*"] }),
            ("settings, any of", query { $0.settings = ["**.priority", "spec.instances"] }),
            ("settings, ** matches no segment", query { $0.settings = ["**.work_mem"] }),
            ("settings, * over a segment", query { $0.settings = ["*.dcs.ttl"] }),
            ("settings, a wildcard inside a segment", query { $0.settings = ["boot*.dcs.ttl"] }),
            ("settings, trailing **", query { $0.settings = ["bootstrap.**"] }),
            ("settings, LIKE's _ is literal", query { $0.settings = ["x_y.*"] }),
            ("settings, LIKE's % is literal", query { $0.settings = ["p%q.r"] }),
            ("settings, a quoted segment", query { $0.settings = ["a.\"b.c\".d"] }),
            ("settings, * between literals", query { $0.settings = ["a.*.d"] }),
            ("settings, ** alone", query { $0.settings = ["**"] }),
            ("tags", query { $0.tags = ["failover"] }),
            ("file", query { $0.file = "db/other/patroni.yml" }),
            ("file, not a prefix", query { $0.file = "db/other" }),
            ("file, case", query { $0.file = "DB/other/patroni.yml" }),
            (
                "file and setting on one change",
                query {
                    $0.file = "db/prod/patroni.yml"; $0.settings = ["bootstrap.dcs.ttl"]
                }
            ),
            ("key", query { $0.key = "bootstrap.dcs.ttl" }),
            ("key, not a pattern", query { $0.key = "bootstrap.dcs.*" }),
            ("key, quoted is another key", query { $0.key = "a.b.c.d" }),
            ("key, quoted", query { $0.key = "a.\"b.c\".d" }),
            (
                "file and key on one change",
                query {
                    $0.file = "db/prod/patroni.yml"; $0.key = "bootstrap.dcs.ttl"
                }
            ),
            (
                "file and key, twice on one record",
                query {
                    $0.file = "db/other/patroni.yml"; $0.key = "bootstrap.dcs.ttl"
                }
            ),
            (
                "file and key, not on one change",
                query {
                    $0.file = "db/other/patroni.yml"; $0.key = "app.pool"
                }
            ),
            (
                "file and key with the other filters",
                query {
                    $0.file = "db/prod/patroni.yml"; $0.key = "bootstrap.dcs.ttl"; $0.tags = ["failover"]
                    $0.since = now - 2 * 86_400; $0.before = 10; $0.limit = 1
                }
            ),
            ("tags, any of", query { $0.tags = ["replication", "other"] }),
            (
                "setting and tag on one change",
                query {
                    $0.settings = ["bootstrap.dcs.ttl"]; $0.tags = ["failover"]
                }
            ),
            ("decision", query { $0.decision = "deny" }),
            ("decision, case", query { $0.decision = "DENY" }),
            ("source", query { $0.source = .approval }),
            ("source push", query { $0.source = .push }),
            ("minimum risk", query { $0.minimumRisk = 30 }),
            ("approver, an approval record", query { $0.approver = "BOB@example.com" }),
            ("approver, a counted review", query { $0.approver = "carol@example.com" }),
            ("approver, a review that did not count", query { $0.approver = "mallory@example.com" }),
            ("before", query { $0.before = 5 }),
            (
                "before, with a limit and a filter",
                query {
                    $0.before = 9; $0.tags = ["failover"]; $0.limit = 2
                }
            ),
            ("before the first", query { $0.before = 1 }),
            ("limit", query { $0.limit = 3 }),
            ("limit 0", query { $0.limit = 0 }),
            (
                "limit over filters",
                query {
                    $0.tags = ["failover"]; $0.limit = 2
                }
            ),
            (
                "everything at once",
                query {
                    $0.since = now - 4 * 86_400; $0.repository = "/srv/shop.git"; $0.ref = "refs/heads/**"
                    $0.actor = "frank@example.com"; $0.author = "frank@example.com"; $0.settings = ["**"]
                    $0.tags = ["failover"]; $0.decision = "allow"; $0.source = .hook; $0.minimumRisk = 20
                }
            ),
        ]
    }

    /// The reference: every stored entry, newest first, filtered by `AuditQuery.matches`.
    static func reference(_ all: [AuditEntry], _ query: AuditQuery) -> [Int] {
        Array(
            all.sorted { $0.record.sequence > $1.record.sequence }.filter { query.matches($0.record) }
                .prefix(max(0, query.limit ?? .max))
        ).map(\.record.sequence)
    }

    // MARK: - The contract

    @Test(
        "appends number records from 1, chain each to the one before, and head and entry(sequence:) agree",
        arguments: kinds)
    func appendsChain(_ kind: Kind) async throws {
        let opened = try await kind.open()
        defer { opened.close() }
        let store = opened.store
        #expect(try await store.head() == nil)
        #expect(try await store.append([]).isEmpty)
        let records = Self.records()
        let first = try await store.append(Array(records.prefix(3)))
        let rest = try await store.append(Array(records.dropFirst(3)))
        let entries = first + rest
        #expect(entries.map(\.record.sequence) == Array(1...records.count))
        var previous = AuditEntry.genesis
        for (entry, record) in zip(entries, records) {
            var numbered = record
            numbered.sequence = entry.record.sequence
            #expect(entry.record == numbered)
            #expect(entry.body == (try AuditEntry.canonicalBody(of: numbered)))
            #expect(entry.previousHash == previous)
            #expect(entry.hash == AuditEntry.hash(body: entry.body, previousHash: previous))
            previous = entry.hash
        }
        #expect(try await store.head() == AuditHead(sequence: records.count, hash: previous))
        #expect(try await store.entry(sequence: 3) == entries[2])
        #expect(try await store.entry(sequence: records.count + 1) == nil)
        #expect(try await store.entry(sequence: 0) == nil)
    }

    @Test(
        "entries(heads:repository:) returns the records of those heads in that repository, newest first",
        arguments: kinds)
    func entriesOfHeads(_ kind: Kind) async throws {
        let opened = try await kind.open()
        defer { opened.close() }
        let all = try await opened.store.append(Self.records())
        let heads = ["h10", "h1", "h8", "h2", "nope", "h1"]
        for repository in ["/srv/shop.git", "/srv/other.git", "/srv/cafe\u{301}.git"] {
            let expected = all.filter { entry in
                entry.record.repository.utf8.elementsEqual(repository.utf8)
                    && entry.record.head.map { heads.contains($0) } == true
            }.sorted { $0.record.sequence > $1.record.sequence }.map(\.record.sequence)
            let found = try await opened.store.entries(heads: heads, repository: repository).map(\.record.sequence)
            #expect(found == expected, "\(repository)")
        }
        #expect(try await opened.store.entries(heads: [], repository: "/srv/shop.git").isEmpty)
    }

    @Test(
        "entries(matching:) returns what AuditQuery.matches selects, newest first, for every query",
        arguments: kinds)
    func queriesMatchTheReference(_ kind: Kind) async throws {
        let opened = try await kind.open()
        defer { opened.close() }
        let all = try await opened.store.append(Self.records())
        for (name, query) in Self.queries() {
            let found = try await opened.store.entries(matching: query).map(\.record.sequence)
            #expect(found == Self.reference(all, query), "\(name)")
        }
        // The reference itself, on a few queries whose answer is known by hand.
        let known: [String: [Int]] = [
            "everything": Array((1...18).reversed()),
            "approver, an approval record": [6],
            "approver, a counted review": [17],
            "approver, a review that did not count": [],
            "before": [4, 3, 2, 1],
            "before, with a limit and a filter": [8, 7],
            "before the first": [],
            "settings, ** matches no segment": [13, 5],
            "settings, trailing **": [18, 10, 8, 3, 1],
            "settings, LIKE's _ is literal": [15],
            "settings, LIKE's % is literal": [14],
            "settings, a quoted segment": [16],
            "settings, * between literals": [16],
            "actor, non-ASCII case": [],
            "actor, same bytes": [9],
            "author, any case": [9],
            "author, two people": [],
            "author, one of two": [11],
            "repository, decomposed": [],
            "setting and tag on one change": [8, 1],
            "tags": [16, 10, 9, 8, 7, 4, 3, 1],
            "file": [18],
            "file, not a prefix": [],
            "file, case": [],
            "file and setting on one change": [10, 8, 1],
            "key": [18, 10, 8, 1],
            "key, not a pattern": [],
            "key, quoted is another key": [],
            "key, quoted": [16],
            "file and key on one change": [10, 8, 1],
            "file and key, twice on one record": [18],
            "file and key, not on one change": [],
            "file and key with the other filters": [8],
            "limit over filters": [16, 10],
        ]
        for (name, query) in Self.queries() {
            guard let expected = known[name] else { continue }
            #expect(Self.reference(all, query) == expected, "\(name)")
        }
        var bad = AuditQuery()
        bad.settings = ["a..b"]
        let error = try await #require(throws: AuditError.self) { try await opened.store.entries(matching: bad) }
        #expect(error.kind == .query)
    }

    @Test(
        "approvals of a commit come oldest first, and count only on a chain that verifies from them on",
        arguments: kinds)
    func approvals(_ kind: Kind) async throws {
        let opened = try await kind.open()
        defer { opened.close() }
        let store = opened.store
        func approval(_ approver: String, _ commit: String, _ time: Int) -> AuditRecord {
            .approval(
                commit: commit, approver: approver, ref: "refs/changegate/approvals/\(approver)", time: time,
                repository: "/srv/shop.git")
        }
        try await store.append([AuditQueryTests.record(30), AuditQueryTests.record(20)])  // 1, 2
        try await store.append([approval("bob@example.com", "c0ffee", Self.now - 100)])  // 3
        // 4, 5
        try await store.append([AuditQueryTests.record(5), approval("carol@example.com", "c0ffee", Self.now - 50)])
        // 6, 7
        try await store.append([approval("dave@example.com", "beef", Self.now - 40), AuditQueryTests.record(1)])
        #expect(try await store.approvals(of: "c0ffee").map(\.actor) == ["bob@example.com", "carol@example.com"])
        #expect(try await store.approvals(of: "beef").map(\.sequence) == [6])
        #expect(try await store.approvals(of: "0000").isEmpty)
        // Damage before the first approval of a commit leaves its approvals counted (the walk starts
        // there); damage after it refuses them all.
        try opened.tamper(.editBody, 1)
        #expect(try await store.approvals(of: "c0ffee").count == 2)
        try opened.tamper(.editBody, 4)
        let error = try await #require(throws: AuditError.self) { try await store.approvals(of: "c0ffee") }
        #expect(error.kind == .corrupt)
        #expect(error.message.contains("record 4"))
        #expect(try await store.approvals(of: "beef").count == 1)
    }

    @Test("commitIf false records nothing and throws .deadline; the next append follows on", arguments: kinds)
    func commitIfFalse(_ kind: Kind) async throws {
        let opened = try await kind.open()
        defer { opened.close() }
        let store = opened.store
        let kept = try await store.append([AuditQueryTests.record(3)])
        var asked = 0
        let error = try await #require(throws: AuditError.self) {
            // A generous limit: what is tested is `commitIf` saying no, not the clock (a loaded
            // machine must not turn it into "did not answer").
            try await store.append([AuditQueryTests.record(2), AuditQueryTests.record(1)], waitLimit: .seconds(10)) {
                asked += 1
                return false
            }
        }
        #expect(error.kind == .deadline)
        #expect(asked == 1)
        #expect(try await store.head() == AuditHead(sequence: 1, hash: kept[0].hash))
        #expect(try await store.entries(matching: AuditQuery()).map(\.record.sequence) == [1])
        #expect(try await store.entry(sequence: 2) == nil)
        let next = try await store.append([AuditQueryTests.record(1)], waitLimit: nil) { true }
        #expect(next.map(\.record.sequence) == [2])
        #expect(next[0].previousHash == kept[0].hash)
    }

    // MARK: - Copies (audit migrate)

    /// A record altered on its way from one trail to another.
    enum Forgery: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// The body says `deny` where it said `allow`; the hash is the source's.
        case editedBody
        /// The body edited and its hash made again: the entry alone is consistent, the next one's
        /// link is not.
        case rehashed
        /// The previous hash no longer names the record before.
        case relinked
        /// A record left out: the next one's sequence number does not follow.
        case gap
        /// The decoded record says something its (untouched) body does not.
        case recordAltered

        var testDescription: String { rawValue }
    }

    /// A source trail of ``records()``, in memory.
    static func sourceEntries() throws -> [AuditEntry] {
        let source = MemoryAuditStore()
        try source.append(records())
        return try source.entries(from: 1, limit: 100)
    }

    @Test(
        "copies keep the source's sequence numbers, times, bodies and hashes; read back in chain order",
        arguments: kinds)
    func copies(_ kind: Kind) async throws {
        let opened = try await kind.open()
        defer { opened.close() }
        let store = opened.store
        let all = try Self.sourceEntries()
        #expect(try await store.append(copies: []) == nil)
        #expect(try await store.append(copies: Array(all.prefix(4))) == AuditHead(sequence: 4, hash: all[3].hash))
        let head = try #require(all.last.map { AuditHead(sequence: $0.record.sequence, hash: $0.hash) })
        #expect(try await store.append(copies: Array(all.dropFirst(4))) == head)
        #expect(try await store.append(copies: []) == head)
        #expect(try await store.entries(from: 1, limit: 100) == all)
        #expect(try await store.entries(from: 3, limit: 2).map(\.record.sequence) == [3, 4])
        #expect(try await store.entries(from: all.count + 1, limit: 5).isEmpty)
        #expect(try await store.head() == head)
        let verification = try await store.verify()
        #expect(verification.isIntact && verification.head == head, "\(verification)")
        // A copy that overlaps what is there is refused: the trail's next record is the next one.
        let overlap = try await #require(throws: AuditError.self) { try await store.append(copies: [all[2]]) }
        #expect(overlap.kind == .corrupt, "\(overlap)")
        // An append follows the copied chain.
        let next = try await store.append([AuditQueryTests.record(0)])
        #expect(next.map(\.record.sequence) == [all.count + 1])
        #expect(next.first?.previousHash == head.hash)
    }

    @Test("a forged copy is refused, naming the record, and nothing of it is kept", arguments: kinds, Forgery.allCases)
    func forgedCopy(_ kind: Kind, _ forgery: Forgery) async throws {
        let opened = try await kind.open()
        defer { opened.close() }
        let store = opened.store
        let all = try Self.sourceEntries()
        try await store.append(copies: Array(all.prefix(2)))
        var batch = Array(all[2..<6])  // records 3 to 6; record 4 is forged
        var refusedAt = 4
        switch forgery {
        case .editedBody:
            batch[1].body = batch[1].body.replacingOccurrences(of: #""decision":"allow""#, with: #""decision":"deny""#)
            try #require(batch[1].body != all[3].body)
        case .rehashed:
            batch[1].body = batch[1].body.replacingOccurrences(of: #""decision":"allow""#, with: #""decision":"deny""#)
            batch[1].record = try AuditEntry.decode(body: batch[1].body)
            batch[1].hash = AuditEntry.hash(body: batch[1].body, previousHash: batch[1].previousHash)
            refusedAt = 5
        case .relinked:
            batch[1].previousHash = String(repeating: "f", count: 64)
        case .gap:
            batch.remove(at: 0)
            refusedAt = 4
        case .recordAltered:
            batch[1].record.decision = "deny"
        }
        let error = try await #require(throws: AuditError.self) { try await store.append(copies: batch) }
        #expect(error.kind == .corrupt, "\(error)")
        #expect(error.message.contains("record \(refusedAt)"), "\(error)")
        #expect(try await store.head() == AuditHead(sequence: 2, hash: all[1].hash))
        #expect(try await store.entries(from: 1, limit: 100) == Array(all.prefix(2)))
        #expect(try await store.verify().isIntact)
    }

    @Test("verify walks a whole chain", arguments: kinds)
    func verifyWhole(_ kind: Kind) async throws {
        let opened = try await kind.open()
        defer { opened.close() }
        let empty = try await opened.store.verify()
        #expect(empty.records == 0 && empty.head == nil && empty.problem == nil)
        try await opened.store.append(Self.records())
        try await opened.store.append([AuditQueryTests.record(0)])
        let verification = try await opened.store.verify()
        #expect(verification.records == Self.records().count + 1)
        #expect(verification.head == (try await opened.store.head()))
        #expect(verification.problem == nil)
        #expect(verification.isIntact)
    }

    @Test("verify names the record that was tampered with", arguments: kinds, Tampering.allCases)
    func verifyTampered(_ kind: Kind, _ tampering: Tampering) async throws {
        let opened = try await kind.open()
        defer { opened.close() }
        try await opened.store.append(Self.records())
        #expect(try await opened.store.verify().isIntact)
        try opened.tamper(tampering, 5)
        let verification = try await opened.store.verify()
        let problem = try #require(verification.problem)
        #expect(problem.sequence == 5)
        #expect(verification.records == 4)
        #expect(
            verification.head
                == (try await opened.store.entry(sequence: 4)).map { AuditHead(sequence: 4, hash: $0.hash) })
        let expected =
            switch tampering {
            case .editBody: "its content was edited"
            case .delete: "missing: the trail jumps from record 4 to 6"
            case .relink: "it does not follow record 4"
            }
        #expect(problem.message.hasPrefix(expected), "\(problem.message)")
        #expect(!verification.isIntact)
    }

    @Test("the async face gives what the sync face gives", arguments: synchronousKinds)
    func asyncEqualsSync(_ kind: Kind) async throws {
        let opened = try await kind.open()
        defer { opened.close() }
        let store = try #require(opened.store as? any AuditStore)
        let viaAsync = try await store.append(Array(Self.records().prefix(6)))
        let viaSync = try Self.syncAppend(store, Array(Self.records().dropFirst(6)))
        #expect(viaAsync.map(\.record.sequence) == Array(1...6))
        #expect(viaSync.first?.previousHash == viaAsync.last?.hash)
        let refused = await #expect(throws: AuditError.self) {
            try await store.append([AuditQueryTests.record(0)], waitLimit: nil) { false }
        }
        #expect(refused?.kind == .deadline)
        for (name, query) in Self.queries() {
            let async = try await store.entries(matching: query)
            #expect(async == (try Self.syncEntries(store, query)), "\(name)")
        }
        #expect(try await store.head() == (try Self.syncHead(store)))
        #expect(try await store.entry(sequence: 4) == (try Self.syncEntry(store, 4)))
        #expect(try await store.approvals(of: "h10") == (try Self.syncApprovals(store, "h10")))
        #expect(try await store.verify() == (try Self.syncVerify(store)))
        try opened.tamper(.editBody, 2)  // an `allow`: record 3 is a `deny`, which the edit leaves as is
        #expect(try await store.verify() == (try Self.syncVerify(store)))
        #expect(try await store.verify().problem?.sequence == 2)
    }

    // Called from an async test, a store's methods are its async ones: these sync functions call
    // the sync face.
    static func syncAppend(_ store: any AuditStore, _ records: [AuditRecord]) throws -> [AuditEntry] {
        try store.append(records)
    }
    static func syncEntries(_ store: any AuditStore, _ query: AuditQuery) throws -> [AuditEntry] {
        try store.entries(matching: query)
    }
    static func syncHead(_ store: any AuditStore) throws -> AuditHead? { try store.head() }
    static func syncEntry(_ store: any AuditStore, _ sequence: Int) throws -> AuditEntry? {
        try store.entry(sequence: sequence)
    }
    static func syncApprovals(_ store: any AuditStore, _ commit: String) throws -> [AuditRecord] {
        try store.approvals(of: commit)
    }
    static func syncVerify(_ store: any AuditStore) throws -> AuditVerification { try store.verify() }
}

/// Appends through one store and reads through another: the hook's connection writing, a server's
/// pool reading the same file.
struct SplitStore: AuditStore {
    var writer: SQLiteAuditStore
    var reader: SQLiteAuditStore

    func append(_ records: [AuditRecord]) throws(AuditError) -> [AuditEntry] { try writer.append(records) }
    func append(_ records: [AuditRecord], waitLimit: Duration?, commitIf: () -> Bool) throws(AuditError)
        -> [AuditEntry]
    {
        try writer.append(records, waitLimit: waitLimit, commitIf: commitIf)
    }
    func entries(matching query: AuditQuery) throws(AuditError) -> [AuditEntry] {
        try reader.entries(matching: query)
    }
    func entry(sequence: Int) throws(AuditError) -> AuditEntry? { try reader.entry(sequence: sequence) }
    func head() throws(AuditError) -> AuditHead? { try reader.head() }
    func verify() throws(AuditError) -> AuditVerification { try reader.verify() }
    func approvals(of commit: String) throws(AuditError) -> [AuditRecord] { try reader.approvals(of: commit) }
    func entries(from sequence: Int, limit: Int) throws(AuditError) -> [AuditEntry] {
        try reader.entries(from: sequence, limit: limit)
    }
    func append(copies entries: [AuditEntry]) throws(AuditError) -> AuditHead? { try writer.append(copies: entries) }
}
