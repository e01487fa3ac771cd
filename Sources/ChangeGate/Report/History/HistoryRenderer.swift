import PolicyDSL

/// Renders `changegate history` piece by piece — a start, each commit, an end — so that a long
/// history is written while it is read. The formats: an aligned table for people, one JSON
/// document, or newline-delimited JSON (one object per change row) for tools.
public struct HistoryRenderer {
    /// The formats of `changegate history --format`.
    public enum Format: String, Sendable, CaseIterable {
        case table, json, ndjson
    }

    /// What the incident view knows before writing its first commit.
    public struct Totals: Sendable {
        /// The commits to be listed, in order.
        public var listed: [HistoryCommit]
        /// How many commits matched before `--limit` kept the first few.
        public var matching: Int

        /// Totals.
        ///
        /// - Parameters:
        ///   - listed: The commits to be listed.
        ///   - matching: How many matched before `--limit`.
        public init(listed: [HistoryCommit], matching: Int) {
            self.listed = listed
            self.matching = matching
        }
    }

    /// The format written.
    public let format: Format
    /// The query the listing answers, echoed in its header.
    public let query: HistoryQuery
    /// The policy the scan used; nil without one.
    public let policy: LoadedPolicy?
    /// The newest commit walked (the ref or the range's end), resolved.
    public let head: ObjectID
    /// Commits written so far (JSON needs commas between them).
    private var written = 0

    /// A renderer for one listing.
    ///
    /// - Parameters:
    ///   - format: The format.
    ///   - query: The query the listing answers.
    ///   - policy: The policy the scan used.
    ///   - head: The newest commit walked.
    public init(format: Format, query: HistoryQuery, policy: LoadedPolicy?, head: ObjectID) {
        self.format = format
        self.query = query
        self.policy = policy
        self.head = head
    }

    /// The most warnings a JSON document lists (the summary counts them all).
    public static let maxWarningsListed = 1_000

    /// What comes before the first commit: the table's header line (with the counts when they are
    /// known, in the incident view), or the opening of the JSON document.
    ///
    /// - Parameter totals: What the incident view knows before its first commit; nil in walk order.
    /// - Returns: The text to write first; empty for NDJSON.
    public func start(totals: Totals?) -> String {
        switch format {
        case .table: return tableStart(totals: totals)
        case .json: return jsonStart()
        case .ndjson: return ""
        }
    }

    /// One commit: its table rows, its JSON object (after a comma from the second on), or a JSON
    /// line per change row.
    ///
    /// - Parameter commit: The commit and its rows.
    /// - Returns: The text to write.
    public mutating func commit(_ commit: HistoryCommit) -> String {
        defer { written += 1 }
        switch format {
        case .table: return table(commit)
        case .json:
            return (written == 0 ? "\n    " : ",\n    ") + Self.json(commit).pretty(margin: "    ")
        case .ndjson:
            var out: [UInt8] = []
            Self.writeNDJSON(commit, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// What comes after the last commit: the table's closing count, the JSON document's end.
    /// `warnings` are the scan's (files of a commit that could not be read): JSON lists them (at
    /// most ``maxWarningsListed``), so that a consumer of the document alone sees them too.
    ///
    /// - Parameters:
    ///   - summary: What the scan read and found.
    ///   - warnings: The scan's warnings.
    /// - Returns: The text to write last.
    public func end(summary: HistorySummary, warnings: [HistoryWarning] = []) -> String {
        switch format {
        case .table: return tableEnd(summary: summary)
        case .json:
            let object = JSONValue.object([
                ("scanned", .integer(summary.scanned)),
                ("mergesSkipped", .integer(summary.mergesSkipped)),
                ("matchingCommits", .integer(summary.matchingCommits)),
                ("listedCommits", .integer(written)),
                ("warnings", .integer(summary.warnings)),
            ])
            let listed = JSONValue.array(
                warnings.prefix(Self.maxWarningsListed).map { warning in
                    .object([
                        ("commit", .string(warning.commit.hex)),
                        ("file", .string(warning.problem.file)),
                        ("line", JSONValue(warning.problem.line)),
                        ("column", JSONValue(warning.problem.column)),
                        ("message", .string(warning.problem.message)),
                    ])
                })
            return (written == 0 ? "]" : "\n  ]") + ",\n  \"summary\": " + indented(object) + ",\n  \"warnings\": "
                + indented(listed) + "\n}\n"
        case .ndjson: return ""
        }
    }

    // MARK: - Table

    /// `failover-setting changes`, `watched-setting changes`, `setting changes matching "**"`.
    private func noun(count: Int?) -> String {
        let plural = count == 1 ? "change" : "changes"
        var text: String
        if !query.tags.isEmpty {
            text = query.tags.joined(separator: "/") + "-setting \(plural)"
        } else if !query.settings.isEmpty {
            text = "setting \(plural)"
        } else {
            text = "watched-setting \(plural)"
        }
        if !query.settings.isEmpty {
            text += " matching " + query.settings.map { "\"\($0.pattern)\"" }.joined(separator: ", ")
        }
        return text
    }

    /// `on HEAD since 2024-06-04T08:05:00Z until 2024-06-04T14:05:00Z`
    private var scope: String {
        var text: String
        switch query.revisions {
        case .ref(let ref): text = "on \(ref)"
        case .range(let range): text = "in \(range)"
        }
        if let since = query.since { text += " since \(RelativeTime.iso8601(since))" }
        if let until = query.until { text += " until \(RelativeTime.iso8601(until))" }
        return text
    }

    private func tableStart(totals: Totals?) -> String {
        var out: String
        if let totals {
            let changes = totals.listed.reduce(0) { $0 + $1.rows.count }
            let commits = totals.listed.count
            out = "\(changes) \(noun(count: changes)) in \(commits) commit\(commits == 1 ? "" : "s") \(scope)"
            out += ", \(query.order.rawValue)"
            if totals.matching > commits { out += " (the first \(commits) of \(totals.matching) commits)" }
        } else {
            out = "\(noun(count: nil).prefix(1).uppercased())\(noun(count: nil).dropFirst()) \(scope)"
            out += ", \(query.order.rawValue)"
        }
        out += "\n"
        if let policy {
            out += "policy \"\(policy.result.program?.name ?? "?")\" from \(policy.source)\n"
        } else {
            out += "no policy: weights and tags are not known\n"
        }
        return out
    }

    private func table(_ commit: HistoryCommit) -> String {
        let time = RelativeTime.iso8601(commit.time)
        // Paths, keys, values and names are pushers' text: escaped for the terminal.
        let cells = commit.rows.map { row in
            [
                row.file, row.key, row.kind.rawValue, Self.valueText(row),
                row.watched ? "+\(row.weight)" : "", row.tags.joined(separator: ","),
            ].map(TerminalText.escape)
        }
        let widths = (0..<6).map { column in
            min(60, cells.map { TerminalText.characterCount($0[column]) }.max() ?? 0)
        }
        var out = "\n"
        for row in cells {
            var line = "\(time)  \(commit.id.short)  \(TerminalText.escape(commit.author))"
            for (column, cell) in row.enumerated() {
                line += "  " + (column == 4 ? padLeft(cell, widths[column]) : pad(cell, widths[column]))
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        if let off = commit.committerDateOff, let received = commit.received {
            out +=
                "  ! committer date \(RelativeTime.iso8601(commit.time)) is \(Self.span(abs(off))) "
                + "\(off < 0 ? "before" : "after") the server received it (\(RelativeTime.iso8601(received))): "
                + "listed by the time received\n"
        }
        if let judgement = commit.judgement { out += Self.judgementLines(judgement) }
        for approval in commit.approvals {
            out +=
                TerminalText.escape(
                    "  ✓ approved by \(approval.approver) at \(RelativeTime.iso8601(Int64(approval.time))) "
                        + "(\(approval.source); audit record \(approval.sequence))") + "\n"
        }
        return out
    }

    /// `3d 4h`, `2h 5m`, `40m`: a span for people.
    static func span(_ seconds: Int64) -> String {
        let days = seconds / 86_400
        let hours = seconds % 86_400 / 3_600
        let minutes = seconds % 3_600 / 60
        if days > 0 { return hours > 0 ? "\(days)d \(hours)h" : "\(days)d" }
        if hours > 0 { return minutes > 0 ? "\(hours)h \(minutes)m" : "\(hours)h" }
        return "\(minutes)m"
    }

    /// `  → DENIED (risk 170): DBA review and failover simulation (needs 1 more reviewer …)`,
    /// one line per rule that failed.
    static func judgementLines(_ judgement: HistoryJudgement) -> String {
        // Rule names, reasons and problems hold pushers' text; each output line is escaped whole.
        var text = judgementText(judgement)
        // Identities in the evidence are pushers' text too: escaped before the split, so that none
        // starts a line of its own.
        if let evidence = judgement.evidence { text += "    " + TerminalText.escape(evidence.description) + "\n" }
        return text.split(separator: "\n").map { TerminalText.escape(String($0)) + "\n" }.joined()
    }

    private static func judgementText(_ judgement: HistoryJudgement) -> String {
        let risk = judgement.risk.map { " (risk \($0))" } ?? ""
        switch judgement.verdict {
        case .allow:
            return "  → allowed\(risk)\n"
        case .warn:
            return "  → ALLOWED WITH WARNINGS\(risk): " + judgement.warnings.joined(separator: "; ") + "\n"
        case .deny:
            var out = ""
            for (index, rule) in judgement.failing.enumerated() {
                out += index == 0 ? "  → DENIED\(risk): " : "    and: "
                out += rule.name
                if !rule.reasons.isEmpty { out += " (" + rule.reasons.joined(separator: "; ") + ")" }
                out += "\n"
            }
            return out.isEmpty ? "  → DENIED\(risk)\n" : out
        case .error:
            return "  → NOT JUDGED: " + judgement.problems.joined(separator: "; ") + "\n"
        }
    }

    private func tableEnd(summary: HistorySummary) -> String {
        var parts: [String] = []
        if query.order == .newestFirst {
            parts.append(written == 0 ? "no changes found" : "\(written) commit\(written == 1 ? "" : "s") listed")
        }
        parts.append("\(summary.scanned) commit\(summary.scanned == 1 ? "" : "s") read")
        if summary.mergesSkipped > 0 {
            parts.append(
                "\(summary.mergesSkipped) merge\(summary.mergesSkipped == 1 ? "" : "s") skipped "
                    + "(listed at the commits they merge)")
        }
        if summary.warnings > 0 {
            parts.append("\(summary.warnings) file\(summary.warnings == 1 ? "" : "s") could not be read (see warnings)")
        }
        return "\n" + parts.joined(separator: "; ") + "\n"
    }

    /// `30 → 15`, `∅ → "manual"`, `30 → "30"  (integer → string)`: values as `check` writes them.
    static func valueText(_ row: HistoryRow) -> String {
        var text = [row.old, row.new].map { $0.map(SettingsDiffRenderer.display) ?? "∅" }.joined(separator: " → ")
        if let old = row.old, let new = row.new, old.typeName != new.typeName {
            text += "  (\(old.typeName) → \(new.typeName))"
        }
        return text
    }

    private func pad(_ s: String, _ width: Int) -> String {
        let count = TerminalText.characterCount(s)
        return count >= width ? s : s + String(repeating: " ", count: width - count)
    }

    private func padLeft(_ s: String, _ width: Int) -> String {
        let count = TerminalText.characterCount(s)
        return count >= width ? s : String(repeating: " ", count: width - count) + s
    }

    // MARK: - JSON

    private func jsonStart() -> String {
        let policyValue: JSONValue =
            policy.map { policy in
                .object([
                    ("name", policy.result.program.map { .string($0.name) } ?? .null),
                    ("source", .string(policy.source)),
                    ("sha256", .string(policy.sha256)),
                ])
            } ?? .null
        return "{\n  \"range\": \(indented(rangeJSON)),\n  \"policy\": \(indented(policyValue)),\n  \"commits\": ["
    }

    private var rangeJSON: JSONValue {
        .object([
            ("revisions", .string(query.revisions.description)),
            ("head", .string(head.hex)),
            ("since", query.since.map { .string(RelativeTime.iso8601($0)) } ?? .null),
            ("until", query.until.map { .string(RelativeTime.iso8601($0)) } ?? .null),
            ("settings", .array(query.settings.map { .string($0.pattern) })),
            ("tags", .array(query.tags.map { .string($0) })),
            ("order", .string(query.order.rawValue)),
            ("limit", JSONValue(query.limit)),
        ])
    }

    private func indented(_ value: JSONValue) -> String {
        value.pretty(margin: "  ")
    }

    /// One commit of the JSON document: ids in full, times in UTC, values as native JSON.
    ///
    /// - Parameter commit: The commit and its rows.
    /// - Returns: The commit's JSON object.
    public static func json(_ commit: HistoryCommit) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(commit.id.hex)),
            ("time", .string(RelativeTime.iso8601(commit.time))),
            ("author", .string(commit.author)),
            ("subject", .string(commit.subject)),
            ("weight", .integer(commit.weight)),
            ("changes", .array(commit.rows.map(rowJSON))),
        ]
        if let received = commit.received {
            members.insert(("received", .string(RelativeTime.iso8601(received))), at: 2)
            if let off = commit.committerDateOff { members.insert(("committerDateOff", .integer(Int(off))), at: 3) }
        }
        if let judgement = commit.judgement { members.append(("decision", json(judgement))) }
        if !commit.approvals.isEmpty {
            members.append(
                (
                    "approvals",
                    .array(
                        commit.approvals.map { approval in
                            .object([
                                ("approver", .string(approval.approver)),
                                ("time", .string(RelativeTime.iso8601(Int64(approval.time)))),
                                ("source", .string(approval.source)), ("auditRecord", .integer(approval.sequence)),
                            ])
                        })
                ))
        }
        return .object(members)
    }

    static func rowJSON(_ row: HistoryRow) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("file", .string(row.file)),
            ("key", .string(row.key)),
            ("kind", .string(row.kind.rawValue)),
            ("old", JSONValue(row.old)),
            ("new", JSONValue(row.new)),
            ("line", JSONValue(row.line)),
            ("watched", .bool(row.watched)),
            ("weight", .integer(row.weight)),
            ("tags", .array(row.tags.map { .string($0) })),
        ]
        if let previous = row.previousFile { members.insert(("previousFile", .string(previous)), at: 1) }
        return .object(members)
    }

    static func json(_ judgement: HistoryJudgement) -> JSONValue {
        .object([
            ("verdict", .string(judgement.verdict.rawValue)),
            ("risk", JSONValue(judgement.risk)),
            (
                "failing",
                .array(
                    judgement.failing.map { rule in
                        .object([
                            ("kind", .string(rule.kind.rawValue)),
                            ("name", .string(rule.name)),
                            ("reasons", .array(rule.reasons.map { .string($0) })),
                        ])
                    })
            ),
            ("warnings", .array(judgement.warnings.map { .string($0) })),
            ("problems", .array(judgement.problems.map { .string($0) })),
            (
                "evidence",
                judgement.evidence.map { evidence in
                    .object([
                        ("auditRecord", JSONValue(evidence.sequence)), ("description", .string(evidence.description)),
                    ])
                } ?? .null
            ),
        ])
    }

    /// One change row with its commit, for `--format ndjson`.
    ///
    /// - Parameters:
    ///   - row: The change row.
    ///   - commit: Its commit.
    /// - Returns: The row's JSON object with its commit's fields.
    public static func ndjsonRow(_ row: HistoryRow, of commit: HistoryCommit) -> JSONValue {
        // Kept as the reference of what `writeNDJSON` writes (a test compares the two).
        guard case .object(let rowMembers) = rowJSON(row) else { return .null }
        var members: [(String, JSONValue)] = [
            ("commit", .string(commit.id.hex)),
            ("time", .string(RelativeTime.iso8601(commit.time))),
            ("author", .string(commit.author)),
            ("subject", .string(commit.subject)),
        ]
        members += rowMembers
        if let judgement = commit.judgement { members.append(("decision", .string(judgement.verdict.rawValue))) }
        return .object(members)
    }

    /// The NDJSON lines of a commit, one per row, written straight as bytes: the same text as
    /// ``ndjsonRow(_:of:)`` serialized, without building a JSON tree per row, and the commit's own
    /// fields encoded once for all its rows (a release manifest adds thousands of rows at once).
    ///
    /// - Parameters:
    ///   - commit: The commit and its rows.
    ///   - out: The bytes written so far.
    static func writeNDJSON(_ commit: HistoryCommit, to out: inout [UInt8]) {
        var head: [UInt8] = []
        head.append(contentsOf: #"{"commit":"#.utf8)
        JSONValue.writeString(commit.id.hex, to: &head)
        head.append(contentsOf: #","time":"#.utf8)
        JSONValue.writeString(RelativeTime.iso8601(commit.time), to: &head)
        head.append(contentsOf: #","author":"#.utf8)
        JSONValue.writeString(commit.author, to: &head)
        head.append(contentsOf: #","subject":"#.utf8)
        JSONValue.writeString(commit.subject, to: &head)
        head.append(contentsOf: #","file":"#.utf8)
        var tail: [UInt8] = []
        if let judgement = commit.judgement {
            tail.append(contentsOf: #","decision":"#.utf8)
            JSONValue.writeString(judgement.verdict.rawValue, to: &tail)
        }
        tail.append(contentsOf: "}\n".utf8)
        out.reserveCapacity(out.count + commit.rows.count * (head.count + 160))
        for row in commit.rows {
            out.append(contentsOf: head)
            JSONValue.writeString(row.file, to: &out)
            if let previous = row.previousFile {
                out.append(contentsOf: #","previousFile":"#.utf8)
                JSONValue.writeString(previous, to: &out)
            }
            out.append(contentsOf: #","key":"#.utf8)
            JSONValue.writeString(row.key, to: &out)
            out.append(contentsOf: #","kind":"#.utf8)
            JSONValue.writeString(row.kind.rawValue, to: &out)
            out.append(contentsOf: #","old":"#.utf8)
            writeValue(row.old, to: &out)
            out.append(contentsOf: #","new":"#.utf8)
            writeValue(row.new, to: &out)
            out.append(contentsOf: #","line":"#.utf8)
            if let line = row.line {
                out.append(contentsOf: String(line).utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
            out.append(contentsOf: (row.watched ? #","watched":true,"weight":"# : #","watched":false,"weight":"#).utf8)
            out.append(contentsOf: String(row.weight).utf8)
            out.append(contentsOf: #","tags":["#.utf8)
            for (index, tag) in row.tags.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(tag, to: &out)
            }
            out.append(UInt8(ascii: "]"))
            out.append(contentsOf: tail)
        }
    }

    /// A setting's value as compact JSON: scalars written at once, lists and maps through
    /// ``JSONValue``.
    private static func writeValue(_ value: ConfigValue?, to out: inout [UInt8]) {
        switch value {
        case nil, .null?: out.append(contentsOf: "null".utf8)
        case .bool(let b)?: out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i)?: out.append(contentsOf: String(i).utf8)
        case .float(let d)?: JSONValue.writeNumber(d, to: &out)
        case .string(let s)?: JSONValue.writeString(s, to: &out)
        case .list?, .map?: JSONValue(value).serialize(into: &out)
        }
    }
}
