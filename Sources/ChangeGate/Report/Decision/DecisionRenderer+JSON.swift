import PolicyDSL

extension DecisionRenderer {
    /// The JSON report of `changegate check --format json` (fields documented in docs/ci.md).
    ///
    /// - Parameter decision: The decision to report.
    /// - Returns: The report as a JSON value, keys in the documented order.
    public static func json(_ decision: GateDecision) -> JSONValue {
        let evaluation = decision.evaluation
        let watched = watches(in: decision)
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        // The commit the changes were compared from: `base` itself when it is an ancestor of `head`.
        let mergeBase: JSONValue = optional(decision.ancestry?.mergeBase?.hex)
        let baseIsAncestor: JSONValue = decision.ancestry.map { .bool($0.baseIsAncestor) } ?? .null
        return .object([
            ("decision", .string(decision.verdict.rawValue)),
            ("exitCode", .integer(Int(decision.exitCode))),
            ("base", optional(decision.base?.hex)),
            ("head", optional(decision.head?.hex)),
            ("mergeBase", mergeBase),
            ("baseIsAncestor", baseIsAncestor),
            ("note", optional(decision.ancestryNote)),
            ("overridden", .bool(decision.overridden)),
            (
                "override",
                decision.override.map {
                    .object([("actor", .string($0.actor)), ("reason", .string($0.reason))])
                } ?? .null
            ),
            (
                "risk",
                .object([
                    ("score", .integer(evaluation?.risk ?? 0)),
                    (
                        "items",
                        .array(
                            (evaluation?.riskItems ?? []).map { item in
                                .object([
                                    ("points", .integer(item.points)), ("reason", .string(item.reason)),
                                    ("file", optional(item.file)), ("key", optional(item.key)),
                                ])
                            })
                    ),
                ])
            ),
            (
                "changes",
                .array(
                    decision.changes.map { change in
                        let watch = watched["\(change.file)\u{0}\(change.key)"]
                        return .object([
                            ("file", .string(change.file)), ("previousFile", optional(change.previousFile)),
                            ("key", .string(change.key)), ("kind", .string(change.kind.rawValue)),
                            ("old", JSONValue(change.old)), ("new", JSONValue(change.new)),
                            ("line", JSONValue(change.headLine ?? change.baseLine)),
                            ("weight", JSONValue(watch?.weight)),
                            ("tags", .array((watch?.tags ?? []).map { .string($0) })),
                        ])
                    })
            ),
            (
                "rules",
                .array(
                    (evaluation?.verdicts ?? []).map { verdict in
                        .object([
                            ("id", .string(ruleID(verdict))),
                            ("kind", .string(verdict.kind.rawValue)), ("name", .string(verdict.name)),
                            ("applies", .bool(verdict.applies)), ("satisfied", .bool(verdict.satisfied)),
                            ("overridden", .bool(verdict.overridden)), ("reason", .string(verdict.reason)),
                            ("missing", .array(verdict.missing.map { .string($0.message) })),
                            ("policyLocation", .string(verdict.range.start.description)),
                        ])
                    })
            ),
            (
                "evidence",
                .object([
                    ("reviewers", .array(decision.evidence.filter { $0.kind == .reviewer }.map(evidenceJSON))),
                    ("tests", .array(decision.evidence.filter { $0.kind == .test }.map(evidenceJSON))),
                ])
            ),
            (
                "commits",
                .array(
                    decision.commits.map { commit in
                        .object([
                            ("id", .string(commit.id.hex)), ("author", .string(commit.author.email)),
                            ("committer", .string(commit.committer.email)),
                            ("time", .integer(Int(commit.committer.time))),
                            ("subject", .string(commit.subject)),
                        ])
                    })
            ),
            (
                "policy",
                .object([
                    ("name", optional(decision.policyName)),
                    ("sha256", optional(decision.policySHA256)),
                    ("source", optional(decision.policySource)),
                    (
                        "files",
                        .array(
                            decision.policyFiles.map {
                                .object([("path", .string($0.path)), ("sha256", .string($0.sha256))])
                            })
                    ),
                ])
            ),
            ("failover", .array(decision.failover.map(failoverJSON))),
            ("problems", .array(decision.problems.map { .string($0.message) })),
            ("fileWarnings", .array(decision.fileWarnings.map(SettingsDiffRenderer.json))),
            ("version", .string(ChangeGateVersion.current)),
        ])
    }

    /// A changed file's failover on both sides: what the policy's `failover_*` fields read, and
    /// the report's lines.
    static func failoverJSON(_ change: FailoverChange) -> JSONValue {
        func facts(_ facts: FailoverFacts?) -> JSONValue {
            guard let facts else { return .null }
            return .object([
                ("system", .string(facts.system)), ("possible", .bool(facts.possible)),
                ("worstCaseSeconds", JSONValue(facts.worstCase)),
                ("nodeLostSeconds", JSONValue(facts.possible ? facts.nodeLost : nil)),
                ("databaseCrashedSeconds", JSONValue(facts.possible ? facts.databaseCrashed : nil)),
            ])
        }
        return .object([
            ("file", .string(change.file)), ("previousFile", change.previousFile.map { .string($0) } ?? .null),
            ("base", facts(change.baseFacts)), ("head", facts(change.headFacts)),
            ("impossibleBecause", .array((change.head.flatMap(\.impossibleBecause)).map { .string($0) })),
            ("modelLost", .bool(change.modelLost)),
            ("summary", .array(change.summary.map { .string($0) })),
        ])
    }

    private static func evidenceJSON(_ use: EvidenceUse) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            (use.kind == .reviewer ? "identity" : "name", .string(use.subject))
        ]
        if let status = use.status { fields.append(("status", .string(status))) }
        fields += [
            ("source", .string(use.source)), ("counted", .bool(use.counted)),
            ("reason", use.reason.map { .string($0) } ?? .null),
        ]
        return .object(fields)
    }
}
