import PolicyDSL

extension DecisionRenderer {
    /// GitHub Actions workflow commands: `::error` for each unmet rule and each problem, `::warning`
    /// for warnings and overrides, `::notice` for each change that adds risk, then the decision.
    ///
    /// - Parameter decision: The decision to report.
    /// - Returns: The workflow commands, one a line.
    public static func github(_ decision: GateDecision) -> String {
        var out = ""
        func command(_ name: String, _ location: ReportLocation?, title: String, _ message: String) {
            var properties: [String] = []
            if let location {
                properties.append("file=\(property(location.file))")
                if let line = location.line { properties.append("line=\(line)") }
            }
            properties.append("title=\(property(title))")
            out += "::\(name) \(properties.joined(separator: ","))::\(data(message))\n"
        }
        if let note = decision.ancestryNote {
            command("warning", nil, title: "ChangeGate: the base is not an ancestor of the head", note)
        }
        for problem in decision.problems {
            command(
                "error", inRepository(problemLocation(problem), decision),
                title: "ChangeGate: the change could not be judged", problem.message)
        }
        for verdict in decision.evaluation?.verdicts ?? [] {
            let location = location(of: verdict, in: decision)
            if verdict.overridden {
                command("warning", location, title: "ChangeGate OVERRIDE: \(verdict.name)", verdict.reason)
            } else if !verdict.satisfied {
                let message = ([verdict.kind == .deny ? verdict.reason : "not met"] + verdict.missing.map(\.message))
                    .joined(separator: "\n")
                command("error", location, title: "ChangeGate \(verdict.kind.rawValue): \(verdict.name)", message)
            } else if verdict.kind == .warn, verdict.applies {
                command("warning", location, title: "ChangeGate warning: \(verdict.name)", verdict.reason)
            }
        }
        for warning in decision.fileWarnings {
            command(
                "warning", ReportLocation(file: warning.file, line: warning.line), title: "ChangeGate: \(warning.kind)",
                warning.message)
        }
        for change in decision.failover {
            for line in change.summary where !line.hasSuffix("(unchanged)") {
                command(
                    line.contains("→ impossible") || line.contains("now broken") || change.modelLost
                        ? "warning" : "notice",
                    ReportLocation(file: change.file, line: nil), title: "ChangeGate failover model", line)
            }
        }
        var points: [String: Int] = [:]
        for item in decision.evaluation?.riskItems ?? [] {
            if let file = item.file, let key = item.key { points["\(file)\u{0}\(key)", default: 0] &+= item.points }
        }
        for change in decision.changes {
            guard let scored = points["\(change.file)\u{0}\(change.key)"], scored > 0 else { continue }
            let values = [change.old, change.new].map { $0.map(SettingsDiffRenderer.display) ?? "∅" }.joined(
                separator: " → ")
            command(
                "notice", ReportLocation(file: change.file, line: change.headLine ?? change.baseLine),
                title: "ChangeGate risk +\(scored)", "\(change.key): \(values)")
        }
        let risk = decision.evaluation?.risk ?? 0
        let summary: String
        switch decision.verdict {
        case .allow: summary = "ChangeGate: allowed (risk \(risk))"
        case .warn: summary = "ChangeGate: allowed with warnings (risk \(risk))"
        case .deny: summary = "ChangeGate: denied (risk \(risk))"
        case .error: summary = "ChangeGate: denied, the change could not be judged"
        }
        out += "::\(decision.exitCode == 0 ? "notice" : "error") title=ChangeGate::\(data(summary))\n"
        return out
    }

    /// Escapes a workflow command's message.
    private static func data(_ text: String) -> String {
        // GitHub's log renders ANSI sequences: each line's controls are escaped first.
        TerminalText.escapeLines(text).replacingAll(["%": "%25", "\r": "%0D", "\n": "%0A"])
    }

    /// Escapes a workflow command's property value.
    private static func property(_ text: String) -> String {
        TerminalText.escape(text).replacingAll(["%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"])
    }
}

extension String {
    /// Works on scalars: "\r\n" is one Character, and each half must be escaped.
    fileprivate func replacingAll(_ table: [Unicode.Scalar: String]) -> String {
        var out = ""
        for scalar in unicodeScalars {
            if let replacement = table[scalar] { out += replacement } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
