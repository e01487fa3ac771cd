import PolicyDSL

/// What the pusher reads: the decision, what is missing, and how to supply it, in a few lines.
enum HookMessage {
    static func lines(
        for decision: GateDecision, update: RefUpdate, program: Program, evidenceDirectory: String,
        defaultBranch: String?
    ) -> [String] {
        let range = "\(decision.base?.short ?? "(root)")..\(decision.head?.short ?? "?")"
        let risk = decision.evaluation?.risk ?? 0
        let policy = decision.policyName.map { " by policy \"\($0)\"" } ?? ""
        var lines: [String] = []
        switch decision.verdict {
        case .allow:
            // A plain allow says nothing unless an override or a watched change makes it worth a line.
            let forced = decision.evaluation?.riskItems.contains(where: \.isForcePush) ?? false
            if decision.changes.isEmpty, !decision.overridden, !forced { return [] }
            lines.append("changegate: \(update.ref) \(range): allowed (risk \(risk))\(policy)")
        case .warn:
            lines.append("changegate: \(update.ref) \(range): allowed with warnings (risk \(risk))\(policy)")
        case .deny:
            lines.append("changegate: \(update.ref) \(range): DENIED (risk \(risk))\(policy)")
        case .error:
            lines.append("changegate: \(update.ref) \(range): REFUSED, the change cannot be judged:")
            lines += decision.problems.map { "  " + $0.message }
            return lines
        }
        // What the change does to failover, unless nothing: the settings that decide it are named.
        for change in decision.failover {
            for line in change.summary where !line.hasSuffix("(unchanged)") {
                lines.append("  failover: \(change.file): \(line)")
            }
        }
        guard let evaluation = decision.evaluation else { return lines }
        for verdict in evaluation.verdicts where verdict.overridden {
            lines.append("  !!! OVERRIDE \(verdict.kind.rawValue) \"\(verdict.name)\": \(verdict.reason)")
        }
        for item in evaluation.riskItems where item.isForcePush {
            lines.append("  force push: +\(item.points) risk, \(item.reason)")
        }
        for verdict in evaluation.verdicts where verdict.kind == .warn && verdict.applies {
            lines.append("  warning: \(verdict.name)")
        }
        let failing = evaluation.verdicts.filter { !$0.satisfied }
        guard !failing.isEmpty else { return lines }
        lines.append("  to do:")
        for verdict in failing {
            lines.append("  - [\(verdict.kind.rawValue)] \(verdict.name)")
            if verdict.kind == .deny { lines.append("      \(verdict.reason)") }
            for missing in verdict.missing { lines.append("      \(missing)") }
        }
        let needsReview = failing.contains { $0.missing.contains(where: \.needsReview) }
        let needsTests = failing.contains { $0.missing.contains(where: \.needsTests) }
        let overridable = failing.filter { $0.kind != .deny }.allSatisfy { verdict in
            program.rules.first { $0.name == verdict.name }?.overrideGroup != nil
        }
        let head = decision.head
        let canOverride = overridable && !failing.contains(where: { $0.kind == .deny })
        if let request = decision.override, !decision.overridden {
            lines.append("  override asked for by \(request.actor) (\"\(request.reason)\"): not honoured by any rule")
        }
        if needsReview || needsTests || canOverride {
            lines.append("  how:")
        }
        if needsReview, let head {
            let approval = HookConfiguration.approvalRef(
                for: update.ref, name: "\(head.short)-NAME", defaultBranch: defaultBranch)
            lines.append(
                "    a reviewer (not an author, nor who pushed it) approves: git push origin \(head.short):\(approval)")
        }
        if needsTests, let head {
            lines.append(
                "    CI leaves the test results on the server: \(evidenceDirectory)/\(head.hex).json or \(head.hex)/*.xml"
            )
        }
        if canOverride {
            let groups = Set(
                failing.compactMap { verdict in program.rules.first { $0.name == verdict.name }?.overrideGroup })
            lines.append(
                "    emergency (group \(groups.sorted().joined(separator: ", "))): git push -o changegate.override=\"INC-…: why\" …"
            )
        }
        return lines
    }
}
