import PolicyDSL

/// What a change does to one file's failover: the model's assessments before and after, the
/// values a policy reads (`failover_possible`, `base_failover_worst_case`, …) and the lines a report
/// says ("worst-case failover 40 s → 320 s (primary_start_timeout 30 → 300)").
public struct FailoverChange: Sendable, Hashable {
    public var file: String
    /// The file's path before a rename.
    public var previousFile: String?
    public var base: [FailoverAssessment]
    public var head: [FailoverAssessment]
    /// True when the base side had a model and the head side, still there, reads as no system the
    /// model knows: a change cannot leave the model's reach by rewriting what makes a file
    /// recognisable, so the head then counts as unable to fail over.
    public var modelLost: Bool

    /// A file's assessments before and after.
    ///
    /// - Parameters:
    ///   - file: The file's path on the head side.
    ///   - previousFile: Its path on the base side when renamed.
    ///   - base: The assessments before.
    ///   - head: The assessments after.
    ///   - headExists: Whether the file is still there after.
    public init(
        file: String, previousFile: String? = nil, base: [FailoverAssessment], head: [FailoverAssessment],
        headExists: Bool = true
    ) {
        self.file = file
        self.previousFile = previousFile
        self.base = base
        self.head = head
        self.modelLost = headExists && head.isEmpty && !base.isEmpty
    }

    /// What the policy reads of the head side; nil when no model reads it.
    public var headFacts: FailoverFacts? {
        if modelLost, let first = base.first {
            return FailoverFacts(
                system: first.systemName, possible: false,
                violations: ["the file no longer reads as \(first.system?.description ?? "a `failover:` block")"])
        }
        return Self.facts(head)
    }

    /// What the policy reads of the base side.
    public var baseFacts: FailoverFacts? { Self.facts(base) }

    /// A file's assessments as one: failover possible only when it is for every cluster the file
    /// describes, each bound the longest of theirs.
    static func facts(_ assessments: [FailoverAssessment]) -> FailoverFacts? {
        guard let first = assessments.first else { return nil }
        func longest(_ mode: FailoverAssessment.FailureMode) -> Int? {
            assessments.compactMap { $0.bounds.first { $0.mode == mode }?.seconds }.max()
        }
        return FailoverFacts(
            system: first.systemName, possible: assessments.allSatisfy(\.possible), nodeLost: longest(.nodeLost),
            databaseCrashed: longest(.databaseCrashed), violations: assessments.flatMap(\.violations))
    }

    /// One cluster's assessment on each side, paired by system and cluster name.
    public struct Pair: Sendable, Hashable {
        public var base: FailoverAssessment?
        public var head: FailoverAssessment?

        /// "Patroni batman", "CloudNativePG pg-main", "generic `failover:` block".
        public var label: String {
            let assessment = head ?? base
            let system = assessment?.system?.description ?? "generic `failover:` block"
            return assessment?.cluster.map { "\(system) \($0)" } ?? system
        }
    }

    /// Two clusters of one name in a file (a decoy beside the real one) are paired by their order
    /// among that name's, so neither drops out of the report.
    public var pairs: [Pair] {
        func keyed(_ side: [FailoverAssessment]) -> [(String, FailoverAssessment)] {
            var seen: [String: Int] = [:]
            return side.map { a in
                let name = a.systemName + "\u{0}" + (a.cluster ?? "")
                let n = seen[name, default: 0]
                seen[name] = n + 1
                return (name + "\u{0}\(n)", a)
            }
        }
        let before = keyed(base)
        var out: [Pair] = []
        var seen = Set<String>()
        for (k, assessment) in keyed(head) {
            seen.insert(k)
            out.append(Pair(base: before.first { $0.0 == k }?.1, head: assessment))
        }
        for (k, assessment) in before where !seen.contains(k) { out.append(Pair(base: assessment, head: nil)) }
        return out
    }

    /// The report's lines for this file, each naming the settings that decide it.
    public var summary: [String] {
        var lines: [String] = []
        for pair in pairs {
            let label = pair.label
            guard let head = pair.head else {
                if modelLost {
                    lines.append(
                        "\(label): the file no longer reads as its configuration, so the model cannot tell "
                            + "whether it fails over (counted as impossible)")
                }
                continue
            }
            let reasons = head.impossibleBecause.joined(separator: "; ")
            switch (pair.base?.possible, head.possible) {
            case (true?, false): lines.append("\(label): automatic failover possible → impossible (\(reasons))")
            case (false?, true):
                lines.append(
                    "\(label): automatic failover impossible → possible (no longer: "
                        + (pair.base?.impossibleBecause.joined(separator: "; ") ?? "") + ")")
            case (_, false): lines.append("\(label): automatic failover impossible (\(reasons))")
            default: break
            }
            if let worst = head.worstCase {
                if let base = pair.base, let before = base.worstCase, before != worst {
                    let changed = Self.changedInputs(base, head)
                    lines.append(
                        "\(label): worst-case failover \(before) s → \(worst) s"
                            + (changed.isEmpty ? "" : " (" + changed.joined(separator: ", ") + ")"))
                } else if let base = pair.base, base.worstCase == worst {
                    // The worst case held, but a failure mode's bound moved: say which.
                    let moved = FailoverAssessment.FailureMode.allCases.compactMap { mode -> String? in
                        let before = base.bounds.first { $0.mode == mode }?.seconds
                        let after = head.bounds.first { $0.mode == mode }?.seconds
                        guard before != after else { return nil }
                        return "\(mode.rawValue) \(before.map { "\($0) s" } ?? "never") → "
                            + (after.map { "\($0) s" } ?? "never")
                    }
                    if moved.isEmpty {
                        lines.append("\(label): worst-case failover \(worst) s (unchanged)")
                    } else {
                        let changed = Self.changedInputs(base, head)
                        lines.append(
                            "\(label): worst-case failover \(worst) s; " + moved.joined(separator: ", ")
                                + (changed.isEmpty ? "" : " (" + changed.joined(separator: ", ") + ")"))
                    }
                } else {
                    lines.append("\(label): worst-case failover \(worst) s")
                }
            }
            for violation in head.violations where !(pair.base?.violations.contains(violation) ?? false) {
                lines.append("\(label): now broken: \(violation)")
            }
        }
        return lines
    }

    /// `primary_start_timeout 30 → 300`: the inputs whose values differ between the sides.
    static func changedInputs(_ base: FailoverAssessment, _ head: FailoverAssessment) -> [String] {
        let before = Dictionary(base.inputs.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        return head.inputs.compactMap { input in
            guard let old = before[input.key], old.value != input.value else { return nil }
            func shown(_ i: FailoverAssessment.Input) -> String { i.assumed ? "\(i.value) (default)" : i.value }
            return "\(input.key) \(shown(old)) → \(shown(input))"
        }
    }
}
