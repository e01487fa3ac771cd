import ChangeGate
import Foundation

/// The auditor's query on a long trail: `changegate audit log --setting` over a million records
/// (whole process, as the auditor runs it), and append throughput with 8 writers at once.
struct AuditQueries {
    let changegate: String
    let filler: String
    let scratch: String
    let records: Int

    /// A SQLite trail of `records` synthetic records ending today, filled once a day and reused.
    static func filledTrail(records: Int, filler: String, scratch: String) throws -> String {
        let day = Int(Date().timeIntervalSince1970) / 86_400
        let path = scratch + "/audit-\(records)-d\(day).sqlite"
        if (try? SQLiteAuditStore(path: path).head()?.sequence) != records {
            try? FileManager.default.removeItem(atPath: path)
            progress("filling an audit trail with \(records.formatted()) records (once; reused afterwards)")
            let end = String(day * 86_400)
            try Shell.run(
                filler,
                ["audit-fill", "--records", "\(records)", "--batch", "10000", "--seed", "7", "--end", end, path])
        }
        return path
    }

    func cases() throws -> [Benchmark] {
        let path = try Self.filledTrail(records: records, filler: filler, scratch: scratch)
        let input = scratch + "/empty.input"
        _ = FileManager.default.createFile(atPath: input, contents: Data())
        let writers = scratch + "/audit-writers.sqlite"
        return [
            Benchmark(
                name: "audit log --setting bootstrap.dcs.ttl (\(records.formatted()) records, newest 50)",
                target: .milliseconds(50),
                subject: {
                    _ = try Spawn.run(
                        changegate,
                        ["audit", "log", "--audit", path, "--setting", "bootstrap.dcs.ttl", "--format", "ndjson"],
                        inputFile: input, environment: [:], directory: scratch)
                },
                note: "the whole `changegate audit log` process on a trail of \(records.formatted()) synthetic records "
                    + "(1 to 3 settings each, a tenth of them `bootstrap.dcs.ttl`), printing the newest 50 matches."),
            Benchmark(
                name: "audit log --setting '**.work_mem' --since 30d (\(records.formatted()) records)",
                target: .milliseconds(50),
                subject: {
                    _ = try Spawn.run(
                        changegate,
                        [
                            "audit", "log", "--audit", path, "--setting", "**.work_mem", "--since", "30d", "--format",
                            "ndjson",
                        ],
                        inputFile: input, environment: [:], directory: scratch)
                },
                note: "a pattern with a leading `**` (no index prefix) bounded by time, as a responder asks it."),
            Benchmark(
                name: "audit append: 8 writers × 100 records at once", target: nil, warmUp: 1, runs: 5,
                // A new trail each round, and its local witness with it: a witness whose trail is gone
                // is a trail cut back, which appends refuse (docs/audit.md).
                setUp: {
                    for suffix in ["", "-wal", "-shm", ".head", ".lock"] {
                        try? FileManager.default.removeItem(atPath: writers + suffix)
                    }
                },
                subject: {
                    let pids = try (1...8).map { seed in
                        try Spawn.start(filler, ["audit-fill", "--records", "100", "--seed", "\(seed)", writers])
                    }
                    for pid in pids where Spawn.wait(pid) != 0 {
                        throw Shell.Failure(command: "changegate-bench audit-fill", status: 1, output: "")
                    }
                },
                note: "eight processes each appending 100 records, one transaction per record (each a `BEGIN "
                    + "IMMEDIATE` on the chain's end with fsync): 800 records; divide for the rate."),
        ]
    }
}
