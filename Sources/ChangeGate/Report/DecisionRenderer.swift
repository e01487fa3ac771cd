import PolicyDSL

/// Renders a ``GateDecision`` for `changegate check`.
public enum DecisionRenderer {
    /// The decision first, then what is missing as a to-do list, then the risk, the changes and the
    /// rules that passed.
    public static func text(_ decision: GateDecision, color: Bool) -> String {
        let paint = Painter(enabled: color)
        var out = ""
        let headline: String
        switch decision.verdict {
        case .allow: headline = paint.green(paint.bold("ALLOWED"))
        case .warn: headline = paint.yellow(paint.bold("ALLOWED WITH WARNINGS"))
        case .deny: headline = paint.red(paint.bold("DENIED"))
        case .error: headline = paint.red(paint.bold("DENIED (the change could not be judged)"))
        }
        let range = "\(decision.base?.short ?? "?")..\(decision.head?.short ?? "?")"
        out += "\(headline)  \(range)"
        if let name = decision.policyName { out += "  policy \"\(name)\"" }
        if let source = decision.policySource { out += " from \(source)" }
        out += "\n"
        if !decision.problems.isEmpty {
            out += "\nProblems:\n"
            for problem in decision.problems { out += "  - \(problem)\n" }
        }
        guard let evaluation = decision.evaluation else { return out }

        let overridden = evaluation.verdicts.filter(\.overridden)
        for verdict in overridden {
            out +=
                "\n" + paint.yellow(paint.bold("OVERRIDE"))
                + " \(verdict.kind.rawValue) \"\(verdict.name)\": \(verdict.reason)\n"
        }
        let failing = evaluation.verdicts.filter { !$0.satisfied }
        if !failing.isEmpty {
            out += "\nTo do:\n"
            for verdict in failing {
                out += "  - [\(verdict.kind.rawValue)] \(verdict.name)\n"
                if verdict.kind == .deny {
                    out += "      \(verdict.reason)\n"
                }
                for missing in verdict.missing { out += "      \(missing)\n" }
            }
        }
        let warnings = evaluation.verdicts.filter { $0.kind == .warn && $0.applies }
        if !warnings.isEmpty {
            out += "\nWarnings:\n"
            for verdict in warnings { out += "  - \(verdict.reason)\n" }
        }
        out += "\nRisk \(evaluation.risk):\n"
        for item in evaluation.riskItems {
            let points = (item.points < 0 ? "" : "+") + String(item.points)
            let place = [item.file, item.key].compactMap { $0 }.joined(separator: " ")
            out += "  \(points.padding(5)) \(item.reason)" + (place.isEmpty ? "" : "  \(place)") + "\n"
        }
        if !decision.changes.isEmpty {
            out += "\nChanges:\n"
            let watched = Dictionary(
                evaluation.watched.map { ("\($0.file)\u{0}\($0.key)", $0) }, uniquingKeysWith: { a, _ in a })
            for change in decision.changes {
                let sign = change.kind == .added ? "+" : (change.kind == .removed ? "-" : "~")
                var line = "  \(sign) \(change.file)  \(change.key)  "
                line += [change.old, change.new].map { $0.map(SettingsDiffRenderer.display) ?? "∅" }.joined(
                    separator: " → ")
                if let watch = watched["\(change.file)\u{0}\(change.key)"] {
                    line +=
                        "  (weight \(watch.weight)"
                        + (watch.tags.isEmpty ? "" : ", " + watch.tags.joined(separator: ", ")) + ")"
                }
                out += line + "\n"
            }
        }
        let passed = evaluation.verdicts.filter { $0.satisfied && $0.applies && $0.kind != .warn }
        if !passed.isEmpty {
            out += "\nPassed:\n"
            for verdict in passed { out += "  ✓ [\(verdict.kind.rawValue)] \(verdict.name)\n" }
        }
        return out
    }

    /// The JSON report of `changegate check --format json`.
    public static func json(_ decision: GateDecision) -> JSONValue {
        let evaluation = decision.evaluation
        let watched = Dictionary(
            (evaluation?.watched ?? []).map { ("\($0.file)\u{0}\($0.key)", $0) }, uniquingKeysWith: { a, _ in a })
        return .object([
            ("decision", .string(decision.verdict.rawValue)),
            ("base", decision.base.map { .string($0.hex) } ?? .null),
            ("head", decision.head.map { .string($0.hex) } ?? .null),
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
                                    ("file", item.file.map { .string($0) } ?? .null),
                                    ("key", item.key.map { .string($0) } ?? .null),
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
                            ("file", .string(change.file)), ("key", .string(change.key)),
                            ("kind", .string(change.kind.rawValue)), ("old", JSONValue(change.old)),
                            ("new", JSONValue(change.new)), ("weight", JSONValue(watch?.weight)),
                            ("tags", .array((watch?.tags ?? []).map { .string($0) })),
                        ])
                    })
            ),
            (
                "rules",
                .array(
                    (evaluation?.verdicts ?? []).map { verdict in
                        .object([
                            ("kind", .string(verdict.kind.rawValue)), ("name", .string(verdict.name)),
                            ("applies", .bool(verdict.applies)), ("satisfied", .bool(verdict.satisfied)),
                            ("overridden", .bool(verdict.overridden)), ("reason", .string(verdict.reason)),
                            ("missing", .array(verdict.missing.map { .string($0) })),
                        ])
                    })
            ),
            (
                "policy",
                .object([
                    ("name", decision.policyName.map { .string($0) } ?? .null),
                    ("source", decision.policySource.map { .string($0) } ?? .null),
                ])
            ),
            ("problems", .array(decision.problems.map { .string($0) })),
        ])
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
