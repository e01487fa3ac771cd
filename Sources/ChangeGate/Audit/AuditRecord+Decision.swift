import PolicyDSL

extension AuditRecord {
    /// The record of a gate decision: `accepted` is whether the change went through (for CI, the
    /// exit code was 0; for the hook, the whole push was accepted). `time` is the wall clock at
    /// recording; `evaluatedAt` the time the decision was judged as of, kept when it differs.
    public init(
        _ decision: GateDecision, time: Int, evaluatedAt: Int? = nil, source: Source, repository: String,
        ref: String?, actor: String?, accepted: Bool
    ) {
        self.init(
            time: time, source: source, repository: repository, ref: ref, base: decision.base?.hex,
            head: decision.head?.hex, actor: actor, decision: decision.verdict.rawValue, accepted: accepted)
        if let evaluatedAt, evaluatedAt != time { self.evaluatedAt = evaluatedAt }
        commits = decision.commits.map { commit in
            Commit(
                id: commit.id.hex, author: commit.author.email, committer: commit.committer.email,
                time: Int(commit.committer.time), subject: commit.subject)
        }
        let watched = DecisionRenderer.watches(in: decision)
        changes = decision.changes.map { change in
            let watch = watched["\(change.file)\u{0}\(change.key)"]
            return Change(
                file: change.file, key: change.key, kind: change.kind.rawValue,
                old: change.old.map { JSONValue($0).serialized() }, new: change.new.map { JSONValue($0).serialized() },
                weight: watch?.weight ?? 0, tags: watch?.tags ?? [])
        }
        if let evaluation = decision.evaluation {
            risk = evaluation.risk
            riskItems = evaluation.riskItems.map {
                RiskLine(points: $0.points, reason: $0.reason, file: $0.file, key: $0.key)
            }
            rules = evaluation.verdicts.map { verdict in
                Rule(
                    kind: verdict.kind.rawValue, name: verdict.name, applies: verdict.applies,
                    satisfied: verdict.satisfied, overridden: verdict.overridden, reason: verdict.reason,
                    missing: verdict.missing)
            }
        }
        evidence = decision.evidence.map { use in
            Evidence(
                kind: use.kind.rawValue, subject: use.subject, status: use.status, source: use.source,
                counted: use.counted, reason: use.reason)
        }
        override = decision.override.map { Override(actor: $0.actor, reason: $0.reason) }
        overridden = decision.overridden
        if decision.policyName != nil || decision.policySource != nil || decision.policySHA256 != nil {
            policy = Policy(name: decision.policyName, source: decision.policySource, sha256: decision.policySHA256)
        }
        problems = decision.problems
    }

    /// The record of an approval: `approver` pushed `commit` to the approval ref `ref`.
    public static func approval(
        commit: String, approver: String, ref: String, time: Int, repository: String
    ) -> AuditRecord {
        AuditRecord(
            time: time, source: .approval, repository: repository, ref: ref, head: commit, actor: approver,
            decision: "approved", accepted: true)
    }
}
