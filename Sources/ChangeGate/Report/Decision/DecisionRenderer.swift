import PolicyDSL

/// Renders a ``GateDecision`` for `changegate check`, in every format a CI can show.
public enum DecisionRenderer {
    /// The formats of `changegate check --format`: each case's raw value is the name a user types.
    public enum Format: String, Sendable, CaseIterable {
        /// For people: the decision, a to-do list, the risk, the changes, the rules that passed.
        case text
        /// The machine-readable report (schema in docs/ci.md).
        case json
        /// SARIF 2.1.0, for code-scanning UIs: a result per failing rule and per risky change.
        case sarif
        /// JUnit XML, one test case per rule, for any CI's test tab.
        case junit
        /// GitHub Actions workflow commands (`::error file=…,line=…::`).
        case github
    }

    /// The report in `format`; `color` applies to text only.
    ///
    /// - Parameters:
    ///   - decision: The decision to report.
    ///   - format: The format.
    ///   - color: Whether the text format may use ANSI colours (a terminal).
    /// - Returns: The report, ending with a newline.
    public static func render(_ decision: GateDecision, as format: Format, color: Bool = false) -> String {
        switch format {
        case .text: text(decision, color: color)
        case .json: json(decision).pretty() + "\n"
        case .sarif: sarif(decision).pretty() + "\n"
        case .junit: junit(decision)
        case .github: github(decision)
        }
    }

    /// One line for a log: the verdict, the risk and the number of unmet rules.
    ///
    /// - Parameter decision: The decision.
    /// - Returns: The line, without a newline; for an error decision, its problems.
    public static func summary(_ decision: GateDecision) -> String {
        let risk = decision.evaluation?.risk ?? 0
        let unmet = decision.evaluation?.verdicts.filter { !$0.satisfied }.count ?? 0
        switch decision.verdict {
        case .allow: return "changegate: allowed (risk \(risk))" + (decision.overridden ? ", OVERRIDDEN" : "")
        case .warn:
            return "changegate: allowed with warnings (risk \(risk))" + (decision.overridden ? ", OVERRIDDEN" : "")
        case .deny: return "changegate: denied (risk \(risk), \(unmet) rule\(unmet == 1 ? "" : "s") not met)"
        case .error:
            return "changegate: denied, the change could not be judged: "
                + decision.problems.map(\.message).joined(separator: "; ")
        }
    }

    /// Where a report should point for a rule: the setting that made it apply, else the riskiest
    /// change, else the rule in the policy file when that is in the repository; nil when none is.
    static func location(of verdict: RuleVerdict, in decision: GateDecision) -> ReportLocation? {
        if let witness = verdict.witness {
            if let key = witness.key {
                return inRepository(
                    ReportLocation(file: witness.file, line: decision.line(file: witness.file, key: key)), decision)
            }
            let line = decision.changes.first { $0.file == witness.file }.flatMap { $0.headLine ?? $0.baseLine }
            return inRepository(ReportLocation(file: witness.file, line: line), decision)
        }
        if let change = riskiestChange(in: decision) {
            return ReportLocation(file: change.file, line: change.headLine ?? change.baseLine)
        }
        return inRepository(ReportLocation(file: verdict.range.start.path, line: verdict.range.start.line), decision)
    }

    /// `location` when it names a file of the judged repository, else nil. Code-scanning UIs and
    /// annotations resolve a location against the checkout: a policy given with `--policy` or an
    /// evidence file lives elsewhere (an absolute path, `../…`), and a path relative to the
    /// working directory would point at the wrong file.
    static func inRepository(_ location: ReportLocation?, _ decision: GateDecision) -> ReportLocation? {
        guard let location, isRelativePath(location.file) else { return nil }
        let file = location.file
        let known =
            decision.touchedPaths.contains(file) || decision.changes.contains { $0.file == file }
            || (decision.policyInRepository && file.hasPrefix(Gate.policyDirectory + "/"))
        return known ? location : nil
    }

    /// A clean relative path: not absolute, no `.`, `..` or empty component, no backslash.
    static func isRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".."
        }
    }

    /// The change with the highest watch weight (the first such), or the first change.
    static func riskiestChange(in decision: GateDecision) -> SettingChange? {
        let weights = Dictionary(
            (decision.evaluation?.watched ?? []).map { ("\($0.file)\u{0}\($0.key)", $0.weight) },
            uniquingKeysWith: { a, _ in a })
        var best: (SettingChange, Int)? = nil
        for change in decision.changes {
            let weight = weights["\(change.file)\u{0}\(change.key)"] ?? -1
            if best == nil || weight > best!.1 { best = (change, weight) }
        }
        return best?.0
    }

    /// The watch (weight and tags) each changed setting matched, by file and key.
    static func watches(in decision: GateDecision) -> [String: WatchedChange] {
        Dictionary(
            (decision.evaluation?.watched ?? []).map { ("\($0.file)\u{0}\($0.key)", $0) },
            uniquingKeysWith: { a, _ in a })
    }

    /// A stable identifier for a rule: `deny/no-failover-during-business-hours`.
    static func ruleID(_ verdict: RuleVerdict) -> String {
        var slug = ""
        for character in verdict.name.lowercased() {
            if character.isLetter || character.isNumber {
                slug.append(character)
            } else if !slug.isEmpty, slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.last == "-" { slug.removeLast() }
        return "\(verdict.kind.rawValue)/\(slug.isEmpty ? "rule" : slug)"
    }
}

/// A file and, where known, a line.
struct ReportLocation: Hashable {
    var file: String
    var line: Int?
}
