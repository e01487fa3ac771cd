import ChangeGate
import ChangeGatePostgres
import Foundation
import TestSupport
import Testing

/// `changegate audit log --follow`: the last records a filter selects, then each new one as it is
/// appended, read by sequence number after a wake-up (PostgreSQL: LISTEN/NOTIFY, whose 30 s fallback
/// is far longer than the test waits; SQLite: the head polled every 0.2 s). The same test body over
/// both stores, through the real command (PostgreSQL through the exec to `changegate-server`).
@Suite("audit log --follow")
struct AuditFollowTests {
    /// A child process's standard output as it comes. A class shared with the pipe's handler;
    /// `@unchecked Sendable`: `text` is touched only while `lock` is held.
    final class Output: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func add(_ more: Data) { lock.withLock { data.append(more) } }
        var lines: [String] {
            lock.withLock { String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init) }
        }
    }

    enum Store: String, CaseIterable, CustomStringConvertible {
        case sqlite, postgres
        var description: String { rawValue }
    }

    static let ttl = [("bootstrap.dcs.ttl", ["failover"])]
    static let other = [("postgresql.parameters.work_mem", ["performance"])]

    @Test(
        "the last matching records oldest first, then each new matching one at once; others are not shown",
        arguments: Store.allCases)
    func follows(_ kind: Store) async throws {
        let folder = try Paths.temporaryDirectory("audit-follow")
        defer { try? FileManager.default.removeItem(at: folder) }
        let location: String
        var chain = ""
        let append: @Sendable ([AuditRecord]) async throws -> Void
        switch kind {
        case .sqlite:
            location = folder.appendingPathComponent("audit.sqlite").path
            let store = try SQLiteAuditStore(path: location)
            append = { records in try store.append(records) }
        case .postgres:
            let server = try PostgresTestServer.shared.get()
            chain = "follow-\(UUID().uuidString.prefix(8).lowercased())"
            location = server.url(chain: chain)
            let store = try await PostgresAuditStore.open(try PostgresLocation.parse(location, environment: [:]))
            append = { records in try await store.append(records) }
        }
        try await append([
            AuditQueryTests.record(50, keys: Self.ttl), AuditQueryTests.record(40, keys: Self.ttl),
            AuditQueryTests.record(30, keys: Self.other), AuditQueryTests.record(20, keys: Self.ttl),
        ])

        let process = Process()
        process.executableURL = Paths.changegate
        process.arguments = [
            "audit", "log", "--follow", "--format", "ndjson", "--limit", "2", "--setting", "bootstrap.dcs.ttl",
            "--audit", location,
        ]
        let pipe = Pipe()
        let output = Output()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { handle in output.add(handle.availableData) }
        try process.run()
        defer {
            // SIGKILL: a child of the test process may inherit SIGTERM blocked.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            pipe.fileHandleForReading.readabilityHandler = nil
        }

        @Sendable func sequences() -> [Int] {
            output.lines.compactMap { line in
                guard let data = line.data(using: .utf8),
                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                else { return nil }
                return object["sequence"] as? Int
            }
        }
        /// Waits (off the cooperative pool) until `count` records are shown, at most `limit`.
        func shown(_ count: Int, within limit: Duration) async throws -> Duration {
            try await OffPool.run {
                let clock = ContinuousClock()
                let start = clock.now
                while sequences().count < count && clock.now - start < limit { usleep(20_000) }
                return clock.now - start
            }
        }

        _ = try await shown(2, within: .seconds(20))
        #expect(sequences() == [2, 4], "the backlog: \(output.lines)")
        if kind == .postgres {
            // Anyone who may connect may NOTIFY the channel. A forged wake-up, with the chain's name
            // or a payload made to look like SQL, shows nothing: the follower then reads records
            // after the last it showed, and the payload is never a record or a query.
            try PostgresTestServer.shared.get().psql(
                "NOTIFY changegate_appends, '\(chain)'; NOTIFY changegate_appends, '\(chain)'' OR 1=1 --'; "
                    + "NOTIFY changegate_appends, '{\"sequence\": 99}'")
            _ = try await OffPool.run { usleep(1_000_000) }
            #expect(sequences() == [2, 4], "a forged NOTIFY showed something: \(output.lines)")
            #expect(process.isRunning, "a forged NOTIFY stopped --follow")
        }
        try await append([AuditQueryTests.record(10, keys: Self.other)])
        try await append([AuditQueryTests.record(5, keys: Self.ttl)])
        let waited = try await shown(3, within: .seconds(10))
        #expect(sequences() == [2, 4, 6], "\(output.lines)")
        #expect(waited < .seconds(3), "the new record took \(waited) to show")
        try await append([AuditQueryTests.record(1, keys: Self.ttl), AuditQueryTests.record(0, keys: Self.ttl)])
        _ = try await shown(5, within: .seconds(10))
        #expect(sequences() == [2, 4, 6, 7, 8], "\(output.lines)")
        #expect(process.isRunning, "--follow stopped by itself")
    }

    @Test("--follow with json or csv is a usage error naming the formats it writes")
    func formats() throws {
        for format in ["json", "csv"] {
            let result = try Shell.run([
                Paths.changegate.path, "audit", "log", "--follow", "--format", format, "--audit", "/nonexistent.sqlite",
            ])
            #expect(result.status == 2, "\(result.status) \(result.stderr)")
            #expect(result.stderr.contains("--follow writes a table or ndjson"), "\(result.stderr)")
        }
    }
}
