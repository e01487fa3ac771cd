import ChangeGate

/// Audit records shaped like a busy config repository's: hook and CI decisions over Patroni,
/// Kubernetes and service settings, a tenth of them on failover keys, some denied, some approvals.
/// The bench fills its trails with them, and the tests' writer processes (`ChangeGateAuditFill`).
public struct SyntheticAuditTrail: Sendable {
    public var random: SeededGenerator
    public var time: Int

    public init(seed: UInt64, start: Int = 1_700_000_000) {
        random = SeededGenerator(seed: seed)
        time = start
    }

    /// Appends `count` records to `store`, `batch` per transaction (1: every append contends for
    /// the lock, as concurrent hooks do); each commit's subject names `label`. The caller keeps the
    /// store: a writer that exits with it open leaves its write-ahead log, as after a crash.
    public mutating func fill(_ store: some AuditStore, count: Int, batch: Int, label: String) throws(AuditError) {
        var written = 0
        while written < count {
            var records: [AuditRecord] = []
            for _ in 0..<min(max(1, batch), count - written) { records.append(next(label: label)) }
            try store.append(records)
            written += records.count
        }
    }

    public static let keys = [
        "bootstrap.dcs.ttl", "bootstrap.dcs.loop_wait", "bootstrap.dcs.retry_timeout",
        "bootstrap.dcs.maximum_lag_on_failover", "postgresql.parameters.work_mem", "spec.instances",
        "resources.limits.cpu", "replicaCount", "image.tag", "tuning.k3",
    ]

    public mutating func next(label: String = "") -> AuditRecord {
        time += Int.random(in: 30...900, using: &random)
        let person = "dev\(Int.random(in: 0..<40, using: &random))@example.com"
        if Int.random(in: 0..<20, using: &random) == 0 {
            return AuditRecord.approval(
                commit: hex(), approver: person, ref: "refs/changegate/approvals/\(label)\(time)", time: time,
                repository: "/srv/git/config.git")
        }
        var record = AuditRecord(
            time: time, source: Bool.random(using: &random) ? .hook : .ci, repository: "/srv/git/config.git",
            ref: ["refs/heads/main", "refs/heads/release/2024.\(time % 12)", "refs/heads/prod"][time % 3],
            base: hex(), head: hex(), actor: person, decision: "allow", accepted: true)
        record.commits = [
            AuditRecord.Commit(
                id: record.head ?? "", author: person, committer: person, time: time, subject: "Tune \(label)")
        ]
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let key = Self.keys[Int.random(in: 0..<Self.keys.count, using: &random)]
            let failover = key.hasPrefix("bootstrap.dcs.") || key == "spec.instances"
            record.changes.append(
                AuditRecord.Change(
                    file: "db/eu-west/pg-\(Int.random(in: 0..<500, using: &random))/patroni.yml", key: key,
                    kind: "modified", old: String(Int.random(in: 1...100, using: &random)),
                    new: String(Int.random(in: 1...100, using: &random)), weight: failover ? 25 : 0,
                    tags: failover ? ["failover"] : []))
        }
        record.risk = record.changes.reduce(0) { $0 + $1.weight }
        if record.risk >= 50, Bool.random(using: &random) {
            record.decision = "deny"
            record.accepted = false
        }
        return record
    }

    private mutating func hex() -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<40).map { _ in digits[Int(random.next() & 15)] })
    }
}
