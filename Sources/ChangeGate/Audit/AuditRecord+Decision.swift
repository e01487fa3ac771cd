import Crypto
import Foundation
import PolicyDSL

extension AuditRecord {
    /// The record of a gate decision: `accepted` is whether the change went through (for CI, the
    /// exit code was 0; for the hook, the whole push was accepted). `time` is the wall clock at
    /// recording; `evaluatedAt` the time the decision was judged as of, kept when it differs.
    ///
    /// - Parameters:
    ///   - decision: The gate's decision.
    ///   - time: The machine's clock when recording, in seconds since the Unix epoch.
    ///   - evaluatedAt: The time the decision was judged as of; kept only when it differs.
    ///   - source: Who records it.
    ///   - repository: The repository, as records name it.
    ///   - ref: The ref updated; nil for none.
    ///   - actor: Who asked.
    ///   - accepted: Whether the change went through.
    public init(
        _ decision: GateDecision, time: Int, evaluatedAt: Int? = nil, source: Source, repository: String,
        ref: String?, actor: String?, accepted: Bool
    ) {
        self.init(
            time: time, source: source, repository: repository, ref: ref, base: decision.base?.hex,
            head: decision.head?.hex, actor: actor, decision: decision.verdict.rawValue, accepted: accepted)
        if let evaluatedAt, evaluatedAt != time { self.evaluatedAt = evaluatedAt }
        if let ancestry = decision.ancestry, !ancestry.baseIsAncestor { mergeBase = ancestry.mergeBase?.hex }
        commits = decision.commits.map { commit in
            Commit(
                id: commit.id.hex, author: commit.author.email, committer: commit.committer.email,
                time: Int(commit.committer.time), subject: commit.subject)
        }
        // The watch (weight and tags) each changed setting matched, by file and key; built here, not
        // asked of Report, which comes after Audit in the flow (docs/architecture.md).
        let watched = Dictionary(
            (decision.evaluation?.watched ?? []).map { ("\($0.file)\u{0}\($0.key)", $0) },
            uniquingKeysWith: { a, _ in a })
        var full: [FullChange] = []
        full.reserveCapacity(decision.changes.count)
        for change in decision.changes {
            let watch = watched["\(change.file)\u{0}\(change.key)"]
            full.append(
                FullChange(
                    file: change.file, key: change.key, kind: change.kind.rawValue,
                    old: change.old.map { JSONValue($0).serialized() },
                    new: change.new.map { JSONValue($0).serialized() },
                    weight: watch?.weight ?? 0, tags: watch?.tags ?? []))
        }
        if let evaluation = decision.evaluation {
            risk = evaluation.risk
            riskItems = evaluation.riskItems.map {
                RiskLine(points: $0.points, reason: $0.reason, file: $0.file, key: $0.key)
            }
            rules = evaluation.verdicts.map { verdict in
                Rule(
                    kind: verdict.kind.rawValue, name: verdict.name, applies: verdict.applies,
                    satisfied: verdict.satisfied, overridden: verdict.overridden, reason: verdict.reason,
                    missing: verdict.missing.map(\.message))
            }
        }
        evidence = decision.evidence.map { use in
            Evidence(
                kind: use.kind.rawValue, subject: use.subject, status: use.status, source: use.source,
                counted: use.counted, reason: use.reason)
        }
        override = decision.override.map { request in
            var override = Override(actor: request.actor, reason: request.reason)
            if request.reason.utf8.count > Self.maxOverrideReasonBytes {
                var uncounted = Truncation(maxBytes: Self.maxBodyBytes)
                override.reason = Self.cut(request.reason, &uncounted, limit: Self.maxOverrideReasonBytes)
                override.reasonSHA256 = Self.digest(request.reason)
            }
            return override
        }
        overridden = decision.overridden
        if decision.policyName != nil || decision.policySource != nil || decision.policySHA256 != nil {
            policy = Policy(name: decision.policyName, source: decision.policySource, sha256: decision.policySHA256)
        }
        problems = decision.problems.map(\.message)
        bound(full)
    }

    /// The record of an approval: `approver` pushed `commit` to the approval ref `ref`.
    ///
    /// - Parameters:
    ///   - commit: The approved commit's full hex id.
    ///   - approver: Who pushed the approval.
    ///   - ref: The approval's ref.
    ///   - time: When, in seconds since the Unix epoch.
    ///   - repository: The repository, as records name it.
    /// - Returns: The record.
    public static func approval(
        commit: String, approver: String, ref: String, time: Int, repository: String
    ) -> AuditRecord {
        AuditRecord(
            time: time, source: .approval, repository: repository, ref: ref, head: commit, actor: approver,
            decision: "approved", accepted: true)
    }
}

// MARK: - The record's size bound

extension AuditRecord {
    /// The most bytes of canonical JSON one decision's record takes. A change of thousands of large
    /// settings would otherwise add hundreds of MiB to the trail per try (every record is kept
    /// forever, and every `audit verify` reads it).
    public static let maxBodyBytes = 1 << 20
    /// The most UTF-8 bytes of a stored key, value, file, subject or evidence text; longer ones are
    /// stored cut, ending in `…`, with a digest where the change says which.
    public static let maxTextBytes = 1_024
    /// The most UTF-8 bytes of a stored problem (it says why the change was refused: kept longer).
    public static let maxProblemBytes = 4_096
    /// The most `missing` lines stored for one rule; the others are counted, with a digest of all.
    public static let maxMissingPerRule = 20
    /// The most UTF-8 bytes of the stored override reason (stored once; a push option is shorter).
    public static let maxOverrideReasonBytes = 65_536

    /// A change with its whole texts, before anything is cut.
    fileprivate struct FullChange {
        var file: String
        var key: String
        var kind: String
        var old: String?
        var new: String?
        var weight: Int
        var tags: [String]
    }

    /// Stores `changes` and cuts the record's lists so that its body stays within ``maxBodyBytes``:
    /// texts over ``maxTextBytes`` are cut with a digest; then, where the lists are still too
    /// large, the changes a watch or a risk line matched are kept first, then the rest in order,
    /// and what is left out is counted (with a digest of the changes) in ``truncation``. The
    /// rules (those that applied first), problems, commits, risk lines and evidence each get a
    /// share; the changes the rest, and never less than a floor share for the changes a watch or a
    /// risk line matched. A rule's name, reason and `missing` lines are cut like the other texts
    /// (a pusher writes part of them: the reviewers that do not count, an override's reason), and
    /// only its first ``maxMissingPerRule`` missing lines are stored. The policy's texts are kept
    /// whole: the policy bounds them.
    fileprivate mutating func bound(_ full: [FullChange]) {
        var cut = Truncation(maxBytes: Self.maxBodyBytes)
        // The override's reason, cut (with its digest) when the record was made.
        if override?.reasonSHA256 != nil { cut.truncatedTexts += 1 }
        changes = full.map { whole in
            var change = Change(
                file: whole.file, key: whole.key, kind: whole.kind, old: whole.old, new: whole.new,
                weight: whole.weight, tags: whole.tags)
            if whole.file.utf8.count > Self.maxTextBytes {
                change.file = Self.cut(whole.file, &cut)
                change.fileSHA256 = Self.digest(whole.file)
            }
            if whole.key.utf8.count > Self.maxTextBytes {
                change.key = Self.cut(whole.key, &cut)
                change.keySHA256 = Self.digest(whole.key)
            }
            if let old = whole.old, old.utf8.count > Self.maxTextBytes {
                change.old = Self.cut(old, &cut)
                change.oldSHA256 = Self.digest(old)
            }
            if let new = whole.new, new.utf8.count > Self.maxTextBytes {
                change.new = Self.cut(new, &cut)
                change.newSHA256 = Self.digest(new)
            }
            if change.fileSHA256 != nil || change.keySHA256 != nil || change.oldSHA256 != nil || change.newSHA256 != nil
            {
                change.truncated = true
            }
            return change
        }
        problems = problems.map { Self.cut($0, &cut, limit: Self.maxProblemBytes) }
        for index in commits.indices {
            commits[index].author = Self.cut(commits[index].author, &cut)
            commits[index].committer = Self.cut(commits[index].committer, &cut)
            commits[index].subject = Self.cut(commits[index].subject, &cut)
        }
        riskItems = riskItems.map { Self.bounded($0, &cut) }
        for index in evidence.indices {
            evidence[index].subject = Self.cut(evidence[index].subject, &cut)
            evidence[index].source = Self.cut(evidence[index].source, &cut)
            evidence[index].reason = evidence[index].reason.map { Self.cut($0, &cut) }
        }
        rules = rules.map { Self.bounded($0, &cut) }
        cut.omittedMissing = Self.omittedMissing(in: rules)

        let sizes = (
            changes: changes.map(Self.size), problems: problems.map { Self.jsonSize($0) + 4 },
            commits: commits.map(Self.size), riskItems: riskItems.map(Self.size), evidence: evidence.map(Self.size),
            rules: rules.map(Self.size)
        )
        let total = [sizes.changes, sizes.problems, sizes.commits, sizes.riskItems, sizes.evidence, sizes.rules]
            .reduce(0) { $0 + $1.reduce(0, +) }
        // The lists aside, what the record holds (the policy, the override, the truncation note).
        var rest = self
        rest.changes = []
        rest.problems = []
        rest.commits = []
        rest.riskItems = []
        rest.evidence = []
        rest.rules = []
        rest.truncation = Truncation(maxBytes: Self.maxBodyBytes)
        rest.truncation?.omittedChangesSHA256 = String(repeating: "0", count: 64)
        rest.truncation?.omittedRules = 0
        rest.truncation?.omittedMissing = 0
        // The counts' digits, worst case, and the sequence the store assigns.
        let fixed = Self.encodedSize(rest) + 8 * 20 + 20
        guard fixed + total > Self.maxBodyBytes else {
            if !cut.isEmpty { truncation = cut }
            return
        }
        var available = max(0, Self.maxBodyBytes - fixed)
        // Held back for the changes the decision turned on, whatever the other lists take.
        let matchedFloor = available / 4
        available -= matchedFloor

        // The rules that applied first (they decided), then the others; stored in their order.
        let decisive = rules.indices.filter { rules[$0].applies || !rules[$0].satisfied || rules[$0].overridden }
        let decisiveSet = Set(decisive)
        let ruleShare = available / 3
        var keptRules = Set<Int>()
        var ruleBytes = 0
        for index in decisive + rules.indices.filter({ !decisiveSet.contains($0) }) {
            guard ruleBytes + sizes.rules[index] <= ruleShare else { continue }
            ruleBytes += sizes.rules[index]
            keptRules.insert(index)
        }
        available -= ruleBytes
        if keptRules.count < rules.count {
            cut.omittedRules = rules.count - keptRules.count
            rules = rules.indices.filter(keptRules.contains).map { rules[$0] }
            cut.omittedMissing = Self.omittedMissing(in: rules)
        }

        func keep(_ sizes: [Int], share: Int) -> Int {
            var used = 0
            var count = 0
            for size in sizes {
                guard used + size <= share else { break }
                used += size
                count += 1
            }
            available -= used
            return count
        }
        let problemCount = keep(sizes.problems, share: available / 16)
        let commitCount = keep(sizes.commits, share: available / 8)
        let riskCount = keep(sizes.riskItems, share: available / 8)
        let evidenceCount = keep(sizes.evidence, share: available / 16)
        cut.omittedProblems = problems.count - problemCount
        cut.omittedCommits = commits.count - commitCount
        cut.omittedRiskItems = riskItems.count - riskCount
        cut.omittedEvidence = evidence.count - evidenceCount
        problems.removeLast(cut.omittedProblems)
        commits.removeLast(cut.omittedCommits)
        riskItems.removeLast(cut.omittedRiskItems)
        evidence.removeLast(cut.omittedEvidence)
        available += matchedFloor

        // The changes the decision turned on first: watched ones and those a risk line named.
        let named = Set(riskItems.compactMap { item in item.key.map { "\(item.file ?? "")\u{0}\($0)" } })
        let matched = changes.indices.filter { index in
            let change = changes[index]
            return change.weight != 0 || !change.tags.isEmpty || named.contains("\(change.file)\u{0}\(change.key)")
        }
        let matchedSet = Set(matched)
        var kept = Set<Int>()
        var used = 0
        for index in matched + changes.indices.filter({ !matchedSet.contains($0) }) {
            guard used + sizes.changes[index] <= available else { continue }
            used += sizes.changes[index]
            kept.insert(index)
        }
        if kept.count < changes.count {
            var hasher = SHA256()
            for index in changes.indices where !kept.contains(index) {
                let whole = full[index]
                for text in [whole.file, whole.key, whole.kind, whole.old ?? "", whole.new ?? ""] {
                    hasher.update(data: Array(text.utf8) + [0])
                }
                hasher.update(data: [UInt8(ascii: "\n")])
            }
            cut.omittedChanges = changes.count - kept.count
            cut.omittedChangesSHA256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            changes = changes.indices.filter(kept.contains).map { changes[$0] }
        }
        truncation = cut
    }

    /// `text` cut to `limit` UTF-8 bytes at a character's start, ending in `…`, counted in `cut`.
    private static func cut(_ text: String, _ cut: inout Truncation, limit: Int = maxTextBytes) -> String {
        guard text.utf8.count > limit else { return text }
        cut.truncatedTexts += 1
        let head = Array(text.utf8.prefix(limit + 1))
        var end = limit
        // Back to the start of the character the limit falls in (UTF-8 continuation bytes are 10xxxxxx).
        while end > 0, head[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: head[..<end], as: UTF8.self) + "…"
    }

    /// `whole` with its texts cut (with digests) and only its first ``maxMissingPerRule`` missing
    /// lines, the others counted, with the digest of all of them in full.
    private static func bounded(_ whole: Rule, _ cut: inout Truncation) -> Rule {
        var rule = whole
        if whole.name.utf8.count > maxTextBytes {
            rule.name = Self.cut(whole.name, &cut)
            rule.nameSHA256 = digest(whole.name)
        }
        if whole.reason.utf8.count > maxTextBytes {
            rule.reason = Self.cut(whole.reason, &cut)
            rule.reasonSHA256 = digest(whole.reason)
        }
        let stored = whole.missing.prefix(maxMissingPerRule)
        if whole.missing.count > maxMissingPerRule || stored.contains(where: { $0.utf8.count > maxTextBytes }) {
            rule.missing = stored.map { Self.cut($0, &cut) }
            rule.omittedMissing = whole.missing.count - stored.count
            var hasher = SHA256()
            for line in whole.missing { hasher.update(data: Array(line.utf8) + [0]) }
            rule.missingSHA256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
        return rule
    }

    /// `whole` with its texts cut, each with the digest of the whole text.
    private static func bounded(_ whole: RiskLine, _ cut: inout Truncation) -> RiskLine {
        var item = whole
        if whole.reason.utf8.count > maxTextBytes {
            item.reason = Self.cut(whole.reason, &cut)
            item.reasonSHA256 = digest(whole.reason)
        }
        if let file = whole.file, file.utf8.count > maxTextBytes {
            item.file = Self.cut(file, &cut)
            item.fileSHA256 = digest(file)
        }
        if let key = whole.key, key.utf8.count > maxTextBytes {
            item.key = Self.cut(key, &cut)
            item.keySHA256 = digest(key)
        }
        return item
    }

    /// The missing lines `rules` leave out, nil when none.
    private static func omittedMissing(in rules: [Rule]) -> Int? {
        let count = rules.reduce(0) { $0 + ($1.omittedMissing ?? 0) }
        return count == 0 ? nil : count
    }

    private static func digest(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The bytes `text` takes as a JSON string, quotes included, as the encoder escapes it (an
    /// upper bound: every other control character as `\u00XX`).
    static func jsonSize(_ text: String) -> Int {
        var size = 2
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: size += 2
            case 0x00..<0x20: size += 6
            default: size += 1
            }
        }
        return size
    }

    /// Upper bounds of the encoded items, their field names and punctuation included.
    private static func size(_ change: Change) -> Int {
        var size = 160 + jsonSize(change.file) + jsonSize(change.key) + jsonSize(change.kind)
        size += jsonSize(change.old ?? "") + jsonSize(change.new ?? "")
        size += change.tags.reduce(0) { $0 + jsonSize($1) + 1 }
        size += [change.fileSHA256, change.keySHA256, change.oldSHA256, change.newSHA256].compactMap { $0 }.count * 80
        size += 20
        return size
    }

    private static func size(_ commit: Commit) -> Int {
        80 + jsonSize(commit.id) + jsonSize(commit.author) + jsonSize(commit.committer) + jsonSize(commit.subject)
    }

    private static func size(_ item: RiskLine) -> Int {
        70 + jsonSize(item.reason) + jsonSize(item.file ?? "") + jsonSize(item.key ?? "")
            + [item.reasonSHA256, item.fileSHA256, item.keySHA256].compactMap { $0 }.count * 80
    }

    private static func size(_ rule: Rule) -> Int {
        var size = 140 + jsonSize(rule.kind) + jsonSize(rule.name) + jsonSize(rule.reason)
        size += rule.missing.reduce(0) { $0 + jsonSize($1) + 1 }
        size += [rule.nameSHA256, rule.reasonSHA256, rule.missingSHA256].compactMap { $0 }.count * 80
        return size + (rule.omittedMissing == nil ? 0 : 40)
    }

    private static func size(_ use: Evidence) -> Int {
        90 + jsonSize(use.kind) + jsonSize(use.subject) + jsonSize(use.status ?? "") + jsonSize(use.source)
            + jsonSize(use.reason ?? "")
    }

    /// The size of the record's canonical body; the bound's margin when it cannot be encoded.
    private static func encodedSize(_ record: AuditRecord) -> Int {
        (try? AuditEntry.canonicalBody(of: record).utf8.count) ?? maxBodyBytes
    }
}
