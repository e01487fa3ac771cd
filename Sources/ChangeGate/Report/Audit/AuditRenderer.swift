import Foundation

/// The auditor's views of the trail: a table, JSON, JSON lines, CSV, and one record in full.
public enum AuditRenderer {
    /// The formats of `changegate audit log` and `export`: a table for people, a JSON array, JSON
    /// lines, or CSV.
    public enum Format: String, Sendable, CaseIterable {
        case table, json, ndjson, csv
    }

    /// `landings`: ``AuditStore/landings(of:)`` of `entries`, so that the table never shows a hook's
    /// verdict as a ref that moved; nil when unknown (the machine formats give the records as they are).
    ///
    /// - Parameters:
    ///   - entries: The records, in the order to list them.
    ///   - format: The format.
    ///   - landings: For each hook decision's sequence number, the record that says its ref
    ///     landed; nil when unknown.
    /// - Returns: The listing.
    public static func render(_ entries: [AuditEntry], as format: Format, landings: [Int: Int]?) -> String {
        switch format {
        case .table: table(entries, landings: landings)
        case .json: "[" + entries.map(json).joined(separator: ",\n ") + "]\n"
        case .ndjson: entries.map { json($0) + "\n" }.joined()
        case .csv: csv(entries)
        }
    }

    /// The record's canonical JSON with its chain hashes: what an auditor's tools re-hash.
    ///
    /// - Parameter entry: The stored record.
    /// - Returns: Its body with `previousHash` and `hash` added, on one line.
    public static func json(_ entry: AuditEntry) -> String {
        // The body is a JSON object: the hashes go in before its closing brace.
        var body = entry.body
        guard body.hasSuffix("}") else { return body }
        body.removeLast()
        return body + ",\"hash\":\"\(entry.hash)\",\"previousHash\":\"\(entry.previousHash)\"}"
    }

    static func time(_ seconds: Int) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static func settings(_ record: AuditRecord, limit: Int) -> String {
        let keys = record.changes.map { "\($0.file):\($0.key)" }
        guard keys.count > limit else { return keys.joined(separator: ", ") }
        return keys.prefix(limit).joined(separator: ", ") + " +\(keys.count - limit) more"
    }

    /// What the hook let through but no post-receive record says landed.
    static let notLanded = "NOT LANDED"

    static func table(_ entries: [AuditEntry], landings: [Int: Int]?) -> String {
        guard !entries.isEmpty else { return "no records match\n" }
        let header = ["SEQ", "TIME (UTC)", "SOURCE", "DECISION", "RISK", "ACTOR", "REF", "HEAD", "SETTINGS"]
        let rows = entries.map { entry -> [String] in
            let r = entry.record
            var decision = r.decision + (r.accepted ? "" : " (refused)")
            if r.overridden { decision += " OVERRIDE" }
            if r.awaitsLanding == true, let landings {
                if landings[r.sequence] == nil { decision += " " + notLanded }
            } else if r.awaitsLanding == true {
                decision += " (landing unknown)"
            }
            if r.source == .approval || r.decision == "error" { decision = r.decision }
            // Actors, refs, paths and keys are pushers' text: escaped for the terminal.
            return [
                String(r.sequence), time(r.time), r.source.rawValue, decision, String(r.risk), r.actor ?? "-",
                r.ref ?? "-", r.head.map { String($0.prefix(7)) } ?? "-", settings(r, limit: 2),
            ].map(TerminalText.escape)
        }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    static func csv(_ entries: [AuditEntry]) -> String {
        func field(_ text: String?) -> String {
            guard let text else { return "" }
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let header =
            "sequence,time,source,repository,ref,base,head,actor,decision,accepted,risk,settings,override_actor,"
            + "override_reason,policy_sha256,previous_hash,hash"
        let rows = entries.map { entry -> String in
            let r = entry.record
            return [
                String(r.sequence), time(r.time), r.source.rawValue, r.repository, r.ref, r.base, r.head, r.actor,
                r.decision, r.accepted ? "true" : "false", String(r.risk),
                r.changes.map { "\($0.file):\($0.key)" }.joined(separator: ";"), r.override?.actor, r.override?.reason,
                r.policy?.sha256, entry.previousHash, entry.hash,
            ].map(field).joined(separator: ",")
        }
        return ([header] + rows).joined(separator: "\r\n") + "\r\n"
    }

    /// One record in full, for `audit show`.
    /// `landing`: the sequence number of the record that says the ref landed
    /// (``AuditStore/landings(of:)``), `.some(nil)` when none does, nil when that is unknown.
    ///
    /// - Parameters:
    ///   - entry: The stored record.
    ///   - landing: Whether and where its ref landed, as above.
    /// - Returns: The record, one field a line.
    public static func show(_ entry: AuditEntry, landing: Int??) -> String {
        let r = entry.record
        var lines: [String] = []
        lines.append("Record \(r.sequence)  \(time(r.time))  source \(r.source.rawValue)")
        if let evaluated = r.evaluatedAt {
            // The caller's --now: shown, never taken for when the record was written.
            lines.append("Recorded at \(time(r.time)), evaluated as of \(time(evaluated)) (the --now it was given)")
        }
        lines.append("Decision: \(r.decision)\(r.accepted ? "" : " (refused)")\(r.overridden ? ", OVERRIDDEN" : "")")
        if r.awaitsLanding == true {
            switch landing {
            case .some(.some(let sequence)):
                lines.append("Landed: yes, record \(sequence) (post-receive saw git move the ref)")
            case .some(.none):
                lines.append(
                    "Landed: \(notLanded) — the hook let it through, but no post-receive record says the ref moved "
                        + "(a later hook, a lost ref lock or a kill refused the push after ChangeGate)")
            case .none:
                lines.append("Landed: unknown (the trail could not be read to tell)")
            }
        }
        lines.append("Repository: \(r.repository)")
        if let ref = r.ref { lines.append("Ref: \(ref)") }
        if r.base != nil || r.head != nil { lines.append("Range: \(r.base ?? "(root)")..\(r.head ?? "(deleted)")") }
        if let mergeBase = r.mergeBase {
            lines.append(
                "Merge base: \(mergeBase) (the base is not an ancestor of the head: changes compared from here)")
        }
        lines.append("Actor: \(r.actor ?? "(none)")")
        if let policy = r.policy {
            lines.append(
                "Policy: \(policy.name.map { "\"\($0)\"" } ?? "?") from \(policy.source ?? "?"), sha256 \(policy.sha256 ?? "?")"
            )
        }
        if let override = r.override { lines.append("Override by \(override.actor): \(override.reason)") }
        if !r.problems.isEmpty {
            lines.append("Problems:")
            lines += r.problems.map { "  " + $0 }
        }
        if !r.commits.isEmpty {
            lines.append("Commits:")
            lines += r.commits.map { "  \($0.id.prefix(10)) \(time($0.time)) \($0.author): \($0.subject)" }
        }
        if !r.changes.isEmpty {
            lines.append("Settings changed:")
            lines += r.changes.map { c in
                let tags = c.tags.isEmpty ? "" : " [\(c.tags.joined(separator: ", "))]"
                return "  \(c.file): \(c.key) \(c.kind) \(c.old ?? "∅") → \(c.new ?? "∅") (weight \(c.weight))\(tags)"
            }
        }
        if let cut = r.truncation {
            // The record was held to its bound: say what it does not hold, so no one reads it as whole.
            var parts: [String] = []
            if cut.omittedChanges > 0 {
                parts.append(
                    "\(cut.omittedChanges) more changed settings (SHA-256 of them \(cut.omittedChangesSHA256 ?? "?"))")
            }
            if cut.omittedRiskItems > 0 { parts.append("\(cut.omittedRiskItems) risk items") }
            if cut.omittedCommits > 0 { parts.append("\(cut.omittedCommits) commits") }
            if cut.omittedEvidence > 0 { parts.append("\(cut.omittedEvidence) pieces of evidence") }
            if cut.omittedProblems > 0 { parts.append("\(cut.omittedProblems) problems") }
            if let rules = cut.omittedRules, rules > 0 { parts.append("\(rules) rules") }
            if let missing = cut.omittedMissing, missing > 0 { parts.append("\(missing) lines of what rules miss") }
            if cut.truncatedTexts > 0 { parts.append("\(cut.truncatedTexts) texts cut short (each with its SHA-256)") }
            lines.append(
                "TRUNCATED to the record bound of \(cut.maxBytes) bytes; not stored: " + parts.joined(separator: ", "))
        }
        lines.append("Risk: \(r.risk)")
        lines += r.riskItems.map { item in
            let at = item.key.map { " (\(item.file ?? "?"): \($0))" } ?? ""
            return "  \(item.points >= 0 ? "+" : "")\(item.points) \(item.reason)\(at)"
        }
        if !r.rules.isEmpty {
            lines.append("Rules:")
            lines += r.rules.flatMap { rule in
                let state = rule.overridden ? "overridden" : !rule.applies ? "n/a" : rule.satisfied ? "ok" : "FAILED"
                return ["  [\(rule.kind)] \(rule.name): \(state) — \(rule.reason)"] + rule.missing.map { "      \($0)" }
            }
        }
        if !r.evidence.isEmpty {
            lines.append("Evidence:")
            lines += r.evidence.map { e in
                let status = e.status.map { " \($0)" } ?? ""
                let counted = e.counted ? "counted" : "not counted" + (e.reason.map { ": \($0)" } ?? "")
                return "  \(e.kind) \(e.subject)\(status) from \(e.source) (\(counted))"
            }
        }
        lines.append("ChangeGate \(r.version)")
        lines.append("Chain: previous \(entry.previousHash)")
        lines.append("       hash     \(entry.hash)")
        // Each line holds pushers' text (subjects, reasons, paths, values): escaped for the terminal,
        // a line break inside a field included, so that no field can start a line of its own.
        return lines.map(TerminalText.escape).joined(separator: "\n") + "\n"
    }
}
