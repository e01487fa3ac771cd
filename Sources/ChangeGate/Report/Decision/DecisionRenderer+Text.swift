import PolicyDSL

extension DecisionRenderer {
    /// The decision first, then what is missing as a to-do list, then the risk and the changes, the
    /// evidence and the rules that passed. An override is shown at the top, loudly.
    ///
    /// - Parameters:
    ///   - decision: The decision to report.
    ///   - color: Whether to use ANSI colours (a terminal).
    /// - Returns: The report; repository content in it goes through ``TerminalText``.
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
        out += headline
        // A decision made before the revisions were resolved (a bad --now) has no range to show;
        // three dots, as git writes it, when the changes are taken from the merge base.
        if decision.base != nil || decision.head != nil {
            let dots = decision.ancestry?.baseIsAncestor == false ? "..." : ".."
            out += "  \(decision.base?.short ?? "?")\(dots)\(decision.head?.short ?? "?")"
        }
        // Every field below that a pusher or a file can hold (paths, keys, values, reasons, names,
        // subjects) goes through `e`, so that no control character reaches the terminal.
        let e = TerminalText.escape
        if let name = decision.policyName { out += "  policy \"\(e(name))\"" }
        if let source = decision.policySource { out += " from \(e(source))" }
        out += "\n"
        if let note = decision.ancestryNote { out += "\nNote: \(note).\n" }
        if !decision.problems.isEmpty {
            out += "\nProblems:\n"
            for problem in decision.problems { out += "  - \(e(problem.message))\n" }
        }
        if !decision.fileWarnings.isEmpty {
            out += "\nFile warnings:\n"
            for warning in decision.fileWarnings { out += "  - \(e(warning.description))\n" }
        }
        guard let evaluation = decision.evaluation else { return out }

        for verdict in evaluation.verdicts where verdict.overridden {
            out +=
                "\n" + paint.yellow(paint.bold("!!! OVERRIDE"))
                + " \(verdict.kind.rawValue) \"\(e(verdict.name))\": \(e(verdict.reason))\n"
        }
        if let request = decision.override, !decision.overridden {
            out += "\nOverride asked for by \(request.actor.isEmpty ? "an unknown actor" : e(request.actor))"
            out += " (\"\(e(request.reason))\"): not honoured by any rule\n"
        }
        let failing = evaluation.verdicts.filter { !$0.satisfied }
        if !failing.isEmpty {
            out += "\nTo do:\n"
            for verdict in failing {
                out += "  - [\(verdict.kind.rawValue)] \(e(verdict.name))\n"
                if verdict.kind == .deny {
                    out += "      \(e(verdict.reason))\n"
                }
                for missing in verdict.missing { out += "      \(e(missing.message))\n" }
            }
        }
        let warnings = evaluation.verdicts.filter { $0.kind == .warn && $0.applies }
        if !warnings.isEmpty {
            out += "\nWarnings:\n"
            for verdict in warnings { out += "  - \(e(verdict.reason))\n" }
        }
        out +=
            evaluation.riskItems.isEmpty
            ? "\nRisk 0: no watched setting changed and no risk line applies\n" : "\nRisk \(evaluation.risk):\n"
        for item in evaluation.riskItems {
            let points = (item.points < 0 ? "" : "+") + String(item.points)
            let place = [item.file, item.key].compactMap { $0 }.joined(separator: " ")
            out += "  \(points.padding(5)) \(e(item.reason))" + (place.isEmpty ? "" : "  \(e(place))") + "\n"
        }
        let failover = decision.failover.flatMap { change in change.summary.map { (change.file, $0) } }
        if !failover.isEmpty {
            out += "\nFailover (the model: docs/failover-model.md; `changegate failover explain FILE` shows why):\n"
            for (file, line) in failover { out += "  \(e(file))  \(e(line))\n" }
        }
        if !decision.changes.isEmpty {
            out += "\nChanges:\n"
            let watched = watches(in: decision)
            for change in decision.changes {
                let sign = change.kind == .added ? "+" : (change.kind == .removed ? "-" : "~")
                let line = (change.headLine ?? change.baseLine).map { ":\($0)" } ?? ""
                var text = "  \(sign) \(e(change.file))\(line)  \(e(change.key))  "
                text += e(
                    [change.old, change.new].map { $0.map(SettingsDiffRenderer.display) ?? "∅" }.joined(
                        separator: " → "))
                if let watch = watched["\(change.file)\u{0}\(change.key)"] {
                    text +=
                        "  (weight \(watch.weight)"
                        + (watch.tags.isEmpty ? "" : ", " + e(watch.tags.joined(separator: ", "))) + ")"
                }
                out += text + "\n"
            }
        }
        if !decision.evidence.isEmpty {
            out += "\nEvidence:\n"
            for use in decision.evidence {
                let mark = use.counted ? "✓" : "✗"
                let status = use.status.map { " \($0)" } ?? ""
                out += "  \(mark) \(use.kind.rawValue) \(e(use.subject))\(e(status))  from \(e(use.source))"
                out += use.reason.map { " — \(e($0))" } ?? ""
                out += "\n"
            }
        }
        let passed = evaluation.verdicts.filter { $0.satisfied && $0.applies && $0.kind != .warn && !$0.overridden }
        if !passed.isEmpty {
            out += "\nPassed:\n"
            for verdict in passed { out += "  ✓ [\(verdict.kind.rawValue)] \(e(verdict.name))\n" }
        }
        if let digest = decision.policySHA256 {
            out += "\nPolicy sha256 \(digest)\n"
        }
        return out
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
