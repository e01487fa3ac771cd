import Foundation
import TestSupport

/// The same trail in SQLite and in PostgreSQL (issue 20): the auditor's two queries, appends from
/// 16 writers in 2 processes, `verify` and its peak memory as the trail grows tenfold, and each
/// query's plan as the database gives it (`audit log --explain`). PostgreSQL is a server the bench
/// starts itself (as the tests do), filled by `audit migrate` from the SQLite trail, so that both
/// hold the same records to the same head hash.
struct AuditStoreComparison {
    let changegate: String
    /// `ChangeGateAuditFill`: the writer processes, which speak both stores.
    let filler: String
    let scratch: String
    /// The filled SQLite trail of `records` records, and one of a tenth as many.
    let trail: String
    let smallTrail: String
    let records: Int

    struct Plan {
        var title: String
        var text: String
    }

    func cases() throws -> (timed: [Benchmark], memory: [MemoryCase], plans: [Plan]) {
        progress("starting PostgreSQL for the audit store cases")
        let server = try PostgresTestServer.start(durable: true)
        let postgres = server.url(chain: "bench")
        let smallPostgres = server.url(chain: "bench-small")
        for (from, to) in [(trail, postgres), (smallTrail, smallPostgres)] {
            progress("copying \(from) into PostgreSQL (audit migrate)")
            try Shell.run(changegate, ["audit", "migrate", "--from", from, "--to", to, "--batch", "5000"])
        }
        // ANALYZE: the planner's statistics, as autovacuum would have them on a live server.
        try server.psql("ANALYZE")
        let input = scratch + "/empty.input"
        _ = FileManager.default.createFile(atPath: input, contents: Data())
        let stores = [("SQLite", trail, smallTrail), ("PostgreSQL", postgres, smallPostgres)]
        let queries: [(name: String, arguments: [String])] = [
            ("--setting bootstrap.dcs.ttl", ["--setting", "bootstrap.dcs.ttl"]),
            ("--setting '**.work_mem' --since 30d", ["--setting", "**.work_mem", "--since", "30d"]),
        ]
        var timed: [Benchmark] = []
        var memory: [MemoryCase] = []
        var plans: [Plan] = []
        let count = records.formatted()
        for (store, location, small) in stores {
            for query in queries {
                let arguments = ["audit", "log", "--audit", location] + query.arguments
                // The SQLite rows of the first query are AuditQueries' own (same trail, same command).
                if store != "SQLite" {
                    timed.append(
                        Benchmark(
                            name: "audit log \(query.name) (\(count) records, \(store))", target: .milliseconds(50),
                            subject: {
                                _ = try Spawn.run(
                                    changegate, arguments + ["--format", "ndjson"], inputFile: input,
                                    environment: [:], directory: scratch)
                            },
                            reference: (
                                "`changegate audit head` (the same start, exec and connection; one indexed row)",
                                {
                                    _ = try Spawn.run(
                                        changegate, ["audit", "head", "--audit", location], inputFile: input,
                                        environment: [:], directory: scratch)
                                }
                            ),
                            note: "the whole `changegate audit log` process, newest 50 matches, against a local "
                                + "server: the exec into `changegate-postgres`, its start, the connection and the "
                                + "query. The reference pays all of it but the query: the difference is the "
                                + "query's own cost."))
                }
                let plan = try Shell.output(changegate, arguments + ["--explain"])
                plans.append(
                    Plan(
                        title: "\(store): `audit log \(query.name)`",
                        text: plan.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
            timed.append(
                Benchmark(
                    name: "audit verify (\(count) records, \(store))", target: nil, warmUp: 1, runs: 3,
                    subject: {
                        let status = try Spawn.run(
                            changegate, ["audit", "verify", "--audit", location], inputFile: input,
                            environment: [:], directory: scratch)
                        guard status == 0 else {
                            throw Shell.Failure(
                                command: "changegate audit verify \(location)", status: status, output: "")
                        }
                    },
                    note: "the whole chain walked from its first record, every body hashed."))
            memory.append(
                MemoryCase(
                    name: "audit verify, \(count) records (\(store))",
                    subject: { try verifyPeak(location, input: input) },
                    reference: (
                        "the same on \((records / 10).formatted()) records", { try verifyPeak(small, input: input) }
                    ),
                    note: "peak resident memory of `changegate audit verify` on ten times the records: flat means "
                        + "a ratio near 1 (the records are streamed, not loaded)."))
            timed.append(appends(store: store, server: store == "PostgreSQL" ? server : nil))
        }
        return (timed, memory, plans)
    }

    private func verifyPeak(_ location: String, input: String) throws -> Int {
        let run = try Spawn.runMeasuringMemory(
            changegate, ["audit", "verify", "--audit", location], inputFile: input, environment: [:],
            directory: scratch)
        guard run.status == 0 else {
            throw Shell.Failure(command: "changegate audit verify \(location)", status: run.status, output: "")
        }
        return run.peakKiB
    }

    /// 2 processes × 8 writer threads × 25 records, one transaction per record, into a new chain
    /// each round (SQLite: a new file; PostgreSQL: a new chain name in the same database).
    private func appends(store: String, server: PostgresTestServer?) -> Benchmark {
        let file = scratch + "/audit-writers-16.sqlite"
        let round = RoundCounter()
        let each = 25
        return Benchmark(
            name: "audit append: 16 writers in 2 processes (\(store))", target: nil, warmUp: 1, runs: 5,
            setUp: {
                round.next()
                for suffix in ["", "-wal", "-shm", ".head", ".lock"] {
                    try? FileManager.default.removeItem(atPath: file + suffix)
                }
            },
            subject: {
                let location = server?.url(chain: "writers-\(round.value)") ?? file
                let pids = try (1...2).map { process in
                    try Spawn.start(
                        filler, ["--records", "\(each)", "--writers", "8", "--seed", "\(process * 100)", location])
                }
                for pid in pids where Spawn.wait(pid) != 0 {
                    throw Shell.Failure(command: "ChangeGateAuditFill --writers 8 \(location)", status: 1, output: "")
                }
            },
            unitsPerRun: 2 * 8 * each,
            note: "two `ChangeGateAuditFill` processes, each with 8 threads and a store (a connection) per thread, "
                + "each appending \(each) records one transaction at a time (SQLite: `BEGIN IMMEDIATE` with fsync; "
                + "PostgreSQL: the chain's head row locked `FOR UPDATE`, fsync and synchronous commit on): "
                + "\(2 * 8 * each) records a run, including the processes' start.")
    }
}

/// The round number of a case's set-up, shared with its subject (both closures of one case).
final class RoundCounter: @unchecked Sendable {
    // @unchecked Sendable: the bench runs its cases on one thread.
    private(set) var value = 0
    func next() { value += 1 }
}
