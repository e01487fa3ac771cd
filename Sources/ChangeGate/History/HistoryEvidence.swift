import PolicyDSL

/// What `history --evaluate` re-judges a commit with: the evidence the gate had when it decided on
/// that commit, from the audit trail's record of that decision, or none (and why).
///
/// Without it the replay would judge every reviewed commit as if nobody had reviewed it, and print
/// "DENIED … needs 1 more reviewer" above the approval the trail holds.
public struct HistoryEvidence: Sendable, Hashable, CustomStringConvertible {
    /// The record the evidence comes from; nil when there is none.
    public var sequence: Int?
    /// Why there is no evidence, when there is none.
    public var missing: String?
    public var reviewers: [ReviewerEvidence] = []
    public var tests: [TestEvidence] = []
    /// The ref, actor and override of the recorded decision: what the rules read besides evidence.
    public var ref: String = ""
    public var actor: String?
    public var override: OverrideRequest?

    /// No evidence, for `reason`.
    ///
    /// - Parameter reason: Why there is none.
    /// - Returns: The empty evidence.
    public static func none(_ reason: String) -> HistoryEvidence {
        HistoryEvidence(sequence: nil, missing: reason)
    }

    /// What the output says: `evidence from the trail record #7: reviewer …` or `no evidence: …`.
    public var description: String {
        guard let sequence else { return "no evidence: " + (missing ?? "none recorded") }
        var parts = reviewers.map { "reviewer \($0.identity)" + ($0.counts ? "" : " (not counted)") }
        parts += tests.map { "test \($0.name) \($0.status.rawValue)" }
        if let override { parts.append("override by \(override.actor)") }
        return "evidence from the trail record #\(sequence)"
            + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }

    /// The evidence of the decision the trail recorded for `commit` as its head: the latest one
    /// that let it through, else the latest at all (a refusal's evidence is what the gate had then).
    /// Trailer evidence is left out: the replay reads the commits' trailers itself.
    ///
    /// - Parameters:
    ///   - commit: The commit.
    ///   - store: The audit trail.
    /// - Returns: The evidence, or none with the reason.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    public static func recorded(for commit: ObjectID, in store: any AuditStore) throws(AuditError)
        -> HistoryEvidence
    {
        var query = AuditQuery()
        query.head = commit.hex
        // Decisions only: not approvals, nor the hook's notes of arrivals and landings.
        let decisions = try store.entries(matching: query).filter { [.hook, .ci, .service].contains($0.record.source) }
        guard let chosen = decisions.first(where: \.record.accepted) ?? decisions.first else {
            return .none("the audit trail holds no decision on \(commit.short) (only trusted trailers count)")
        }
        let record = chosen.record
        var evidence = HistoryEvidence(sequence: record.sequence, missing: nil)
        for use in record.evidence where !TrailerEvidence.isTrailerSource(use.source) {
            if use.kind == EvidenceUse.Kind.reviewer.rawValue {
                evidence.reviewers.append(
                    ReviewerEvidence(identity: use.subject, source: use.source, counts: use.counted, reason: use.reason)
                )
            } else if use.kind == EvidenceUse.Kind.test.rawValue, use.counted,
                let status = use.status.flatMap(TestEvidence.Status.init(rawValue:))
            {
                evidence.tests.append(TestEvidence(name: use.subject, status: status, source: use.source))
            }
        }
        evidence.ref = record.ref ?? ""
        evidence.actor = record.actor
        evidence.override = record.override.map { OverrideRequest(actor: $0.actor, reason: $0.reason) }
        return evidence
    }
}
