import PolicyDSL

/// Runs policy test cases against a compiled policy and reports, for each, what differed from the
/// expectation; and which rules and risk lines no case exercised (coverage).
public struct PolicyTestRunner: Sendable {
    /// The policy under test.
    public var program: Program

    /// A runner for `program`.
    ///
    /// - Parameter program: The checked policy.
    public init(program: Program) {
        self.program = program
    }

    /// One case's outcome: empty `differences` means it passed.
    public struct Result: Sendable, Hashable {
        public var testCase: PolicyTestCase
        public var evaluation: Evaluation
        /// Each difference as lines of a readable diff (`- expected`, `+ got`).
        public var differences: [String]
        public var passed: Bool { differences.isEmpty }
    }

    /// Rules and risk lines that no case made apply.
    public struct Coverage: Sendable, Hashable {
        public var rulesNeverApplied: [String]
        public var riskLinesNeverScored: [String]
        public var isComplete: Bool { rulesNeverApplied.isEmpty && riskLinesNeverScored.isEmpty }
    }

    /// Evaluates the case's change and compares the evaluation with what the case expects.
    ///
    /// - Parameter testCase: The case.
    /// - Returns: The evaluation and each difference from the expectation.
    public func run(_ testCase: PolicyTestCase) -> Result {
        let evaluation = Evaluator.evaluate(program, testCase.input)
        var differences: [String] = []
        let expected = testCase.expectation
        if let decision = expected.decision, decision != evaluation.outcome {
            var text = "decision:\n  - \(decision.rawValue)\n  + \(evaluation.outcome.rawValue)"
            for verdict in evaluation.verdicts where !verdict.satisfied || (verdict.kind == .warn && verdict.applies) {
                text += "\n      \(verdict.name): \(verdict.reason)"
            }
            differences.append(text)
        }
        if let risk = expected.risk, risk != evaluation.risk {
            var text = "risk:\n  - \(risk)\n  + \(evaluation.risk)"
            for item in evaluation.riskItems {
                let place = [item.file, item.key].compactMap { $0 }.joined(separator: " ")
                text += "\n      \(item.points >= 0 ? "+" : "")\(item.points) \(item.reason)"
                text += place.isEmpty ? "" : "  \(place)"
            }
            differences.append(text)
        }
        let failing = evaluation.verdicts.filter { !$0.satisfied }
        if let names = expected.failing {
            if let diff = Self.setDiff("failing rules", expected: names, got: failing.map(\.name)) {
                let reasons = failing.map { "      \($0.name): \($0.reason)" }.joined(separator: "\n")
                differences.append(diff + (reasons.isEmpty ? "" : "\n    why the failing ones fail:\n" + reasons))
            }
        }
        if let names = expected.warnings,
            let diff = Self.setDiff(
                "warnings", expected: names,
                got: evaluation.verdicts.filter { $0.kind == .warn && $0.applies }.map(\.name))
        {
            differences.append(diff)
        }
        if let names = expected.overridden,
            let diff = Self.setDiff(
                "overridden rules", expected: names, got: evaluation.verdicts.filter(\.overridden).map(\.name))
        {
            differences.append(diff)
        }
        if let reasons = expected.riskReasons {
            let got = Set(evaluation.riskItems.map(\.reason))
            let missing = reasons.filter { !got.contains($0) }
            if !missing.isEmpty {
                differences.append(
                    "risk reasons:\n" + missing.map { "  - \($0)" }.joined(separator: "\n") + "\n    scored: "
                        + got.sorted().joined(separator: "; "))
            }
        }
        // A name that matches no rule of the policy is a mistake in the test, not the policy.
        let known = Set(program.rules.map(\.name))
        for name in (expected.failing ?? []) + (expected.warnings ?? []) + (expected.overridden ?? [])
        where !known.contains(name) {
            differences.append("no rule of the policy is named \"\(name)\"")
        }
        let reasons = Set(program.riskLines.map(\.reason) + ["watched setting"])
        for reason in expected.riskReasons ?? [] where !reasons.contains(reason) {
            differences.append("no risk line of the policy has the reason \"\(reason)\"")
        }
        return Result(testCase: testCase, evaluation: evaluation, differences: differences)
    }

    /// What the results left untouched: rules that never applied and risk lines that never scored.
    ///
    /// - Parameter results: Every case's result.
    /// - Returns: The rules and risk lines no case exercised.
    public func coverage(of results: [Result]) -> Coverage {
        var applied = Set<String>()
        var scored = Set<String>()
        for result in results {
            for verdict in result.evaluation.verdicts where verdict.applies { applied.insert(verdict.name) }
            for item in result.evaluation.riskItems { scored.insert(item.reason) }
        }
        return Coverage(
            rulesNeverApplied: program.rules.map(\.name).filter { !applied.contains($0) },
            riskLinesNeverScored: program.riskLines.map(\.reason).filter { !scored.contains($0) })
    }

    /// `- expected` and `+ got` lines for two sets of names, or nil when they are equal.
    static func setDiff(_ title: String, expected: [String], got: [String]) -> String? {
        let want = Set(expected)
        let have = Set(got)
        guard want != have else { return nil }
        var lines = ["\(title):"]
        for name in want.union(have).sorted() {
            if want.contains(name), !have.contains(name) {
                lines.append("  - \(name)")
            } else if have.contains(name), !want.contains(name) {
                lines.append("  + \(name)")
            } else {
                lines.append("    \(name)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
