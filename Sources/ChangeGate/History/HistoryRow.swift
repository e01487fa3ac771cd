import PolicyDSL

/// One changed setting as `changegate history` lists it: the change and what the policy's watches
/// say about its key.
public struct HistoryRow: Sendable, Hashable {
    public var file: String
    /// The path before a rename, when the commit renamed the file.
    public var previousFile: String?
    public var key: String
    public var kind: ChangeKind
    public var old: ConfigValue?
    public var new: ConfigValue?
    /// The line on the head side (the base side for a removal), to jump to.
    public var line: Int?
    /// False when the row was asked for with `--setting` but no watch covers the key.
    public var watched: Bool
    /// The most specific watch's weight (0 when unwatched).
    public var weight: Int
    public var tags: [String]

    /// A row.
    ///
    /// - Parameters:
    ///   - file: The file's path.
    ///   - previousFile: Its path before a rename.
    ///   - key: The setting's key path.
    ///   - kind: How it changed.
    ///   - old: The value before.
    ///   - new: The value after.
    ///   - line: The line to jump to.
    ///   - watched: Whether a watch covers the key.
    ///   - weight: The watch's weight.
    ///   - tags: The watch's tags.
    public init(
        file: String, previousFile: String? = nil, key: String, kind: ChangeKind, old: ConfigValue?,
        new: ConfigValue?, line: Int? = nil, watched: Bool, weight: Int, tags: [String]
    ) {
        self.file = file
        self.previousFile = previousFile
        self.key = key
        self.kind = kind
        self.old = old
        self.new = new
        self.line = line
        self.watched = watched
        self.weight = weight
        self.tags = tags
    }
}

/// A commit with the rows it contributes (never empty: commits with nothing to list are not
/// reported) and, with `--evaluate`, what the policy would have decided.
public struct HistoryCommit: Sendable, Hashable {
    public var id: ObjectID
    /// The committer's time, seconds since the Unix epoch: the moment the change entered the branch
    /// history, which is what `--since` and `--until` bound (as in `git log`).
    public var time: Int64
    /// The author's e-mail address.
    public var author: String
    public var subject: String
    public var rows: [HistoryRow]
    public var judgement: HistoryJudgement?
    /// Who approved the commit, from the audit trail when there is one: approvals pushed to the
    /// hook and reviewers counted by recorded decisions, once each, oldest first.
    public var approvals: [HistoryApproval] = []
    /// When the server received the commit, from the audit trail; nil when it does not know.
    public var received: Int64? = nil

    /// How far the committer date is from when the server received the commit, in seconds, when
    /// more than an hour: a claimed date the responder should not trust (nil otherwise).
    public var committerDateOff: Int64? {
        guard let received, abs(received - time) > 3_600 else { return nil }
        return time - received
    }

    /// A listed commit.
    ///
    /// - Parameters:
    ///   - id: The commit.
    ///   - time: Its committer time, in seconds since the Unix epoch.
    ///   - author: Its author's e-mail address.
    ///   - subject: Its subject line.
    ///   - rows: Its listed changes.
    ///   - judgement: The verdict `--evaluate` gave it.
    public init(
        id: ObjectID, time: Int64, author: String, subject: String, rows: [HistoryRow],
        judgement: HistoryJudgement? = nil
    ) {
        self.id = id
        self.time = time
        self.author = author
        self.subject = subject
        self.rows = rows
        self.judgement = judgement
    }

    /// The sum of the listed rows' weights: how the incident view ranks commits.
    public var weight: Int { rows.reduce(0) { $0 + $1.weight } }
}

/// The policy replayed on one commit (`--evaluate`): the gate's decision in brief.
public struct HistoryJudgement: Sendable, Hashable {
    /// A rule that kept the change from being allowed, with why in the evaluator's words.
    public struct FailingRule: Sendable, Hashable {
        public var kind: Rule.Kind
        public var name: String
        /// Each missing thing (a `require`), or the rule's reason (a `deny`).
        public var reasons: [String]
    }

    public var verdict: GateDecision.Verdict
    public var risk: Int?
    public var failing: [FailingRule]
    /// The names of `warn` rules that applied.
    public var warnings: [String]
    /// Why the commit could not be judged (`verdict` is `.error`).
    public var problems: [String]
    /// The evidence it was judged with: from the trail's record of the decision on it, or none.
    public var evidence: HistoryEvidence?

    /// What `--evaluate` keeps of a decision.
    ///
    /// - Parameter decision: The gate's decision on the commit.
    public init(_ decision: GateDecision) {
        verdict = decision.verdict
        risk = decision.evaluation?.risk
        problems = decision.problems.map(\.message)
        let verdicts = decision.evaluation?.verdicts ?? []
        failing = verdicts.filter { !$0.satisfied }.map { verdict in
            let reasons: [String]
            switch verdict.kind {
            case .deny: reasons = verdict.witness.map { ["\($0.description)"] } ?? []
            default: reasons = verdict.missing.isEmpty ? [verdict.reason] : verdict.missing.map(\.message)
            }
            return FailingRule(kind: verdict.kind, name: verdict.name, reasons: reasons)
        }
        warnings = verdicts.filter { $0.kind == .warn && $0.applies }.map(\.name)
    }
}

/// A file that could not be read at some commit; the scan goes on without its changes there.
public struct HistoryWarning: Sendable, Hashable, CustomStringConvertible {
    public var commit: ObjectID
    public var problem: FileProblem

    public var description: String {
        var location = problem.file
        if let line = problem.line { location += ":\(line)" }
        if let column = problem.column { location += ":\(column)" }
        return
            "warning: commit \(commit.short): \(location): \(problem.message) (its changes in this commit are not listed)"
    }
}

/// What a scan went through, for the closing line of a report.
public struct HistorySummary: Sendable, Hashable {
    /// Commits read from the walk, merges and those outside the time window included.
    public var scanned = 0
    /// Merge commits passed over (their changes are listed at the commits that made them).
    public var mergesSkipped = 0
    /// Commits with at least one listed row (before `--limit`).
    public var matchingCommits = 0
    public var warnings = 0

    /// Nothing read yet.
    public init() {}
}

/// One approval of a listed commit, as the audit trail recorded it.
public struct HistoryApproval: Sendable, Hashable {
    public var approver: String
    /// Seconds since the Unix epoch.
    public var time: Int
    /// `approval pushed to refs/changegate/approvals/…`, or the evidence source a decision counted.
    public var source: String
    /// The audit record it comes from.
    public var sequence: Int

    /// An approval.
    ///
    /// - Parameters:
    ///   - approver: Who approved.
    ///   - time: When, in seconds since the Unix epoch.
    ///   - source: Where the approval came from.
    ///   - sequence: The audit record it comes from.
    public init(approver: String, time: Int, source: String, sequence: Int) {
        self.approver = approver
        self.time = time
        self.source = source
        self.sequence = sequence
    }

    /// The approvals of `commit` recorded in `store`.
    ///
    /// - Parameters:
    ///   - commit: The commit.
    ///   - store: The audit trail.
    /// - Returns: Each approver once, with the approval's time, source and record.
    /// - Throws: ``AuditError`` when the trail cannot be read.
    public static func recorded(for commit: ObjectID, in store: any AuditStore) throws(AuditError) -> [HistoryApproval]
    {
        var seen = Set<String>()
        var approvals: [HistoryApproval] = []
        for record in try store.approvals(of: commit.hex) {
            guard let approver = record.actor, seen.insert(approver.lowercased()).inserted else { continue }
            approvals.append(
                HistoryApproval(
                    approver: approver, time: record.time, source: "approval pushed to \(record.ref ?? "?")",
                    sequence: record.sequence))
        }
        var query = AuditQuery()
        query.head = commit.hex
        for entry in try store.entries(matching: query).reversed() where entry.record.source != .approval {
            for use in entry.record.evidence where use.kind == "reviewer" && use.counted {
                guard seen.insert(use.subject.lowercased()).inserted else { continue }
                approvals.append(
                    HistoryApproval(
                        approver: use.subject, time: entry.record.time, source: use.source,
                        sequence: entry.record.sequence))
            }
        }
        return approvals
    }
}
