import Foundation

@testable import ChangeGate

/// The incident of shared/seed/postmortem.txt as the service's trail would hold it: `bootstrap.dcs.ttl`
/// in `db/prod/patroni.yml` proposed 30 → 15 (denied: no DBA review, the simulation found no
/// failover), bob's approval, the revert 15 → 30 (allowed), an override, a record whose texts are
/// markup (which every page must show as text), and `filler` ordinary decisions for paging.
enum IncidentTrail {
    static let repository = "/srv/git/shop-db.git"
    static let file = "db/prod/patroni.yml"
    static let key = "bootstrap.dcs.ttl"
    static let incidentHead = String(repeating: "ab", count: 20)
    static let revertHead = String(repeating: "cd", count: 20)
    static let markup = "<script>alert('x')</script>"

    /// Appends the records (oldest first) and returns their entries.
    @discardableResult
    static func fill(_ path: String, filler: Int = 0, now: Int = Int(Date().timeIntervalSince1970)) throws
        -> [AuditEntry]
    {
        var records: [AuditRecord] = []
        for index in 0..<filler {
            var record = AuditRecord(
                time: now - 7200 - index, source: .ci, repository: repository, ref: "refs/heads/main",
                base: String(repeating: "0", count: 40), head: String(format: "%040x", index + 1),
                actor: "ci@example.com", decision: "allow", accepted: true)
            record.changes = [
                AuditRecord.Change(
                    file: "app/config.yml", key: "app.pool", kind: "modified", old: "\(index)", new: "\(index + 1)",
                    weight: 0, tags: [])
            ]
            records.append(record)
        }
        var incident = AuditRecord(
            time: now - 3600, source: .hook, repository: repository, ref: "refs/heads/main",
            base: String(repeating: "1", count: 40), head: incidentHead, actor: "frank@example.com",
            decision: "deny", accepted: false)
        incident.changes = [
            AuditRecord.Change(
                file: file, key: key, kind: "modified", old: "30", new: "15", weight: 40, tags: ["failover"])
        ]
        incident.risk = 70
        incident.commits = [
            AuditRecord.Commit(
                id: incidentHead, author: "frank@example.com", committer: "frank@example.com", time: now - 3700,
                subject: "update failover protocols")
        ]
        let review = AuditRecord.Rule(
            kind: "require", name: "DBA review and failover simulation", applies: true, satisfied: false,
            overridden: false, reason: "a failover setting changed",
            missing: ["1 more reviewer from dba (dba@example.com, bob@example.com)"])
        incident.rules = [review]
        incident.evidence = [
            AuditRecord.Evidence(
                kind: "test", subject: "failover-simulation/kill-leader", status: "failed",
                source: "junit .build/demo/simulation/incident/failover-simulation.xml", counted: true, reason: nil)
        ]
        incident.policy = AuditRecord.Policy(
            name: "ecommerce failover gate", source: "policies/", sha256: String(repeating: "e", count: 64))
        records.append(incident)
        records.append(
            AuditRecord.approval(
                commit: incidentHead, approver: "bob@example.com", ref: "refs/changegate/approvals/\(incidentHead)-bob",
                time: now - 3000, repository: repository))
        var revert = AuditRecord(
            time: now - 1800, source: .ci, repository: repository, ref: "refs/heads/main", base: incidentHead,
            head: revertHead, actor: "alice@example.com", decision: "allow", accepted: true)
        revert.changes = [
            AuditRecord.Change(
                file: file, key: key, kind: "modified", old: "15", new: "30", weight: 40, tags: ["failover"])
        ]
        revert.risk = 10
        revert.evidence = [
            AuditRecord.Evidence(
                kind: "reviewer", subject: "bob@example.com", status: nil, source: "forge review of the head",
                counted: true, reason: nil)
        ]
        records.append(revert)
        var overridden = AuditRecord(
            time: now - 900, source: .service, repository: repository, ref: "refs/heads/main",
            base: revertHead, head: String(repeating: "ef", count: 20), actor: "carol@example.com", decision: "warn",
            accepted: true)
        overridden.changes = [
            AuditRecord.Change(
                file: file, key: "bootstrap.dcs.loop_wait", kind: "modified", old: "10", new: "5", weight: 30,
                tags: ["failover"])
        ]
        overridden.risk = 45
        overridden.override = AuditRecord.Override(actor: "carol@example.com", reason: "incident 4711: restore quorum")
        overridden.overridden = true
        records.append(overridden)
        var hostile = AuditRecord(
            time: now - 600, source: .ci, repository: repository, ref: "refs/heads/" + markup,
            head: String(repeating: "99", count: 20), actor: markup, decision: "allow", accepted: true)
        hostile.changes = [
            AuditRecord.Change(
                file: "db/\(markup).yml", key: "x.\"\(markup)\"", kind: "added", old: nil, new: "\"\(markup)\"",
                weight: 0, tags: [])
        ]
        records.append(hostile)
        return try AuditStores.open(path).append(records)
    }
}
