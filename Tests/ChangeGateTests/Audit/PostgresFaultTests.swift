import ChangeGate
import ChangeGatePostgres
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Faults against a real PostgreSQL, with writers in processes of their own
/// (`ChangeGateAuditFill --attempts`, through the blocking bridge `changegate-server` uses): the
/// server crashed and restarted (`pg_ctl restart -m immediate`) under 16 writers, a writer's backend
/// terminated mid-append, a writer SIGKILLed mid-append. Afterwards: every append a writer reported
/// is in the trail at the sequence it reported, no attempt is in it twice, the chain verifies, and
/// every writer that could not append said so and exited nonzero. (The unreachable database under a
/// real push is in ``PostgresCLITests``.)
///
/// Each test has a server of its own (``PostgresTestServer/start()``): restarting the shared one
/// would break the other suites' connections. The tests run one at a time (16 writer processes
/// are enough for 2 cores), and every blocking step runs off the cooperative pool (``OffPool``).
@Suite("PostgreSQL faults: a crash, a terminated backend, a killed writer", .serialized)
struct PostgresFaultTests {
    static var fill: String {
        Paths.changegate.deletingLastPathComponent().appendingPathComponent("ChangeGateAuditFill").path
    }

    /// A writer process and what it reported.
    final class Writer: @unchecked Sendable {
        let process = Process()
        private let output = Pipe()
        private let errors = Pipe()
        // Read on threads of their own while the process runs; read back after it ended.
        private let lock = NSLock()
        private var stdout = Data()
        private var stderr = Data()
        private let finished = DispatchGroup()

        init(url: String, records: Int, attempts: Int = 100) throws {
            process.executableURL = URL(fileURLWithPath: PostgresFaultTests.fill)
            process.arguments = ["--records", String(records), "--attempts", String(attempts), "--wait", "5", url]
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = FileHandle.nullDevice
            try process.run()
            for (pipe, isOutput) in [(output, true), (errors, false)] {
                finished.enter()
                Thread.detachNewThread { [self] in
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    lock.lock()
                    if isOutput { stdout = data } else { stderr = data }
                    lock.unlock()
                    finished.leave()
                }
            }
        }

        /// Waits for the process and its output; returns its status (a signal's number for a kill).
        func wait() -> Int32 {
            process.waitUntilExit()
            finished.wait()
            return process.terminationStatus
        }

        /// `ok ID SEQ` lines: the appends it reported.
        var reported: [String: Int] {
            lock.lock()
            defer { lock.unlock() }
            var found: [String: Int] = [:]
            for line in String(decoding: stdout, as: UTF8.self).split(separator: "\n") {
                let words = line.split(separator: " ")
                if words.count == 3, words[0] == "ok", let sequence = Int(words[2]) {
                    found[String(words[1])] = sequence
                }
            }
            return found
        }

        var errorText: String {
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: stderr, as: UTF8.self)
        }

        /// The prefix of its attempt ids, `w<pid>-`.
        var label: String { "w\(process.processIdentifier)-" }
    }

    /// What the trail holds after the writers: each attempt id (in the actor) and its sequence.
    static func trail(_ url: String) async throws -> (ids: [String: [Int]], verification: AuditVerification) {
        let store = try await PostgresAuditStore.open(try PostgresLocation.parse(url, environment: [:]))
        defer { store.close() }
        var ids: [String: [Int]] = [:]
        var next = 1
        while true {
            let batch = try await store.entries(from: next, limit: 1_000)
            guard let last = batch.last else { break }
            for entry in batch { ids[entry.record.actor ?? "", default: []].append(entry.record.sequence) }
            next = last.record.sequence + 1
        }
        return (ids, try await store.verify())
    }

    /// The assertions every fault test ends with.
    static func check(_ writers: [Writer], statuses: [Int32], url: String, records: Int, killed: Set<Int> = [])
        async throws
    {
        let (ids, verification) = try await trail(url)
        #expect(verification.isIntact, "\(verification)")
        let duplicated = ids.filter { $0.value.count > 1 }
        #expect(duplicated.isEmpty, "attempts recorded twice: \(duplicated)")
        for (index, writer) in writers.enumerated() {
            let reported = writer.reported
            for (id, sequence) in reported {
                #expect(
                    ids[id] == [sequence],
                    "writer \(index) reported \(id) at \(sequence); the trail has \(ids[id] ?? [])")
            }
            if killed.contains(index) { continue }
            if statuses[index] == 0 {
                // One reported append per record: none lost on its way.
                #expect(
                    Set(reported.keys.map { $0.split(separator: "-").dropLast().joined(separator: "-") }).count
                        == records)
            } else {
                #expect(writer.errorText.contains("gave up"), "writer \(index) exited \(statuses[index]) silently")
            }
        }
        // Attempts in the trail that no writer reported are appends whose reply was lost (the commit
        // happened as the connection died); each is an attempt a writer made and reported an error for.
        let attempted = Set(writers.map(\.label))
        for id in ids.keys where id != "seed" {
            #expect(attempted.contains { id.hasPrefix($0) }, "a record no writer attempted: \(id)")
        }
    }

    /// Waits for the writers to end, off the cooperative pool; their statuses in order.
    static func wait(_ writers: [Writer]) async throws -> [Int32] {
        try await OffPool.run { writers.map { $0.wait() } }
    }

    /// Polls `condition` (a query's answer) until it holds, for at most 60 s.
    static func waitFor(_ what: String, _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw Failure(description: "timed out waiting for \(what)") }
            usleep(20_000)
        }
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    static func records(_ server: PostgresTestServer, _ chain: String) throws -> Int {
        Int(try server.psql("SELECT coalesce(max(sequence), 0) FROM changegate_records WHERE chain = '\(chain)'")) ?? 0
    }

    @Test("16 writers while the server crashes and restarts: nothing lost, nothing twice, the chain whole")
    func restartUnderWriters() async throws {
        let server = try await OffPool.run { try PostgresTestServer.start() }
        let chain = "restart"
        let url = server.url(chain: chain)
        let perWriter = 40
        let writers = try (0..<16).map { _ in try Writer(url: url, records: perWriter) }
        // The crash comes once the writers are well under way.
        try await OffPool.run {
            try Self.waitFor("the first records") {
                try server.psql("SELECT to_regclass('changegate_records')") != ""
                    && (try Self.records(server, chain)) >= 60
            }
            try server.restart(mode: "immediate")
        }
        let statuses = try await Self.wait(writers)
        #expect(writers.contains { $0.errorText.contains("error ") }, "no writer saw the crash: it came too late")
        try await Self.check(writers, statuses: statuses, url: url, records: perWriter)
    }

    /// Holds the chain's row lock from a `psql` session until `release` is called, so that writers
    /// wait inside their append transactions (mid-append, for certain).
    final class RowLock: @unchecked Sendable {
        private let process = Process()
        private let input = Pipe()

        init(_ server: PostgresTestServer, chain: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "psql", "-X", "-q", "-h", server.socketFolder, "-p", String(server.port), "-U", "postgres", "-d",
                "postgres", "-v", "ON_ERROR_STOP=1",
            ]
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(
                Data("BEGIN;\nSELECT 1 FROM changegate_chains WHERE chain = '\(chain)' FOR UPDATE;\n".utf8))
            // Held once the session sits in its transaction with the row locked.
            try PostgresFaultTests.waitFor("psql to lock the chain's row") {
                try server.psql(
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND query LIKE '%FOR UPDATE%'"
                ) == "1"
            }
        }

        func release() throws {
            input.fileHandleForWriting.write(Data("COMMIT;\n".utf8))
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    static func waiting(_ server: PostgresTestServer) throws -> Int {
        Int(
            try server.psql(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE wait_event_type = 'Lock' AND wait_event <> 'advisory' AND backend_type = 'client backend'
                """)) ?? 0
    }

    /// A chain with a few records, so that its row exists to be locked.
    static func seeded(_ server: PostgresTestServer, _ chain: String) async throws -> String {
        let url = server.url(chain: chain)
        let store = try await PostgresAuditStore.open(try PostgresLocation.parse(url, environment: [:]))
        defer { store.close() }
        var trail = SyntheticAuditTrail(seed: 7)
        var record = trail.next()
        record.actor = "seed"
        try await store.append([record])
        return url
    }

    @Test("a writer's backend terminated mid-append: the writer says so, retries, and nothing is lost or twice")
    func terminatedBackend() async throws {
        let server = try await OffPool.run { try PostgresTestServer.start() }
        let chain = "terminate"
        let url = try await Self.seeded(server, chain)
        let lock = try await OffPool.run { try RowLock(server, chain: chain) }
        let writers = try (0..<4).map { _ in try Writer(url: url, records: 20) }
        let terminated = try await OffPool.run {
            try Self.waitFor("the writers waiting on the row lock") { try Self.waiting(server) == 4 }
            return try server.psql(
                """
                SELECT count(pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity
                  WHERE wait_event_type = 'Lock' AND wait_event <> 'advisory' AND backend_type = 'client backend'
                  LIMIT 1) AS one
                """)
        }
        #expect(terminated == "1")
        try await OffPool.run { try lock.release() }
        let statuses = try await Self.wait(writers)
        #expect(statuses == [0, 0, 0, 0], "\(writers.map(\.errorText))")
        #expect(writers.filter { $0.errorText.contains("error ") }.count == 1, "\(writers.map(\.errorText))")
        try await Self.check(writers, statuses: statuses, url: url, records: 20)
    }

    @Test("a writer SIGKILLed mid-append: its open transaction is rolled back, the others go on")
    func killedWriter() async throws {
        let server = try await OffPool.run { try PostgresTestServer.start() }
        let chain = "kill"
        let url = try await Self.seeded(server, chain)
        let lock = try await OffPool.run { try RowLock(server, chain: chain) }
        let writers = try (0..<4).map { _ in try Writer(url: url, records: 20) }
        try await OffPool.run {
            try Self.waitFor("the writers waiting on the row lock") { try Self.waiting(server) == 4 }
        }
        // Every writer is inside its first append's transaction, waiting for the chain's row.
        kill(writers[0].process.processIdentifier, SIGKILL)
        #expect(try await Self.wait([writers[0]]) == [SIGKILL])
        try await OffPool.run { try lock.release() }
        let statuses = [SIGKILL] + (try await Self.wait(Array(writers.dropFirst())))
        #expect(Array(statuses.dropFirst()) == [0, 0, 0], "\(writers.map(\.errorText))")
        try await Self.check(writers, statuses: statuses, url: url, records: 20, killed: [0])
        // The killed writer's append was never reported, and is not in the trail.
        let (ids, _) = try await Self.trail(url)
        #expect(writers[0].reported.isEmpty)
        #expect(!ids.keys.contains { $0.hasPrefix(writers[0].label) }, "\(ids.keys.sorted())")
    }
}
