import Crypto
import Foundation
import PolicyDSL

extension AuditRecord {
    /// The record of a gate decision: `accepted` is whether the change went through (for CI, the
    /// exit code was 0; for the hook, the whole push was accepted). `time` is the wall clock at
    /// recording; `evaluatedAt` the time the decision was judged as of, kept when it differs.
    public init(
        _ decision: GateDecision, time: Int, evaluatedAt: Int? = nil, source: Source, repository: String,
        ref: String?, actor: String?, accepted: Bool
    ) {
        self.init(
            time: time, source: source, repository: repository, ref: ref, base: decision.base?.hex,
            head: decision.head?.hex, actor: actor, decision: decision.verdict.rawValue, accepted: accepted)
        if let evaluatedAt, evaluatedAt != time { self.evaluatedAt = evaluatedAt }
        commits = decision.commits.map { commit in
            Commit(
                id: commit.id.hex, author: commit.author.email, committer: commit.committer.email,
                time: Int(commit.committer.time), subject: commit.subject)
        }
        let watched = DecisionRenderer.watches(in: decision)
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
                    missing: verdict.missing)
            }
        }
        evidence = decision.evidence.map { use in
            Evidence(
                kind: use.kind.rawValue, subject: use.subject, status: use.status, source: use.source,
                counted: use.counted, reason: use.reason)
        }
        override = decision.override.map { Override(actor: $0.actor, reason: $0.reason) }
        overridden = decision.overridden
        if decision.policyName != nil || decision.policySource != nil || decision.policySHA256 != nil {
            policy = Policy(name: decision.policyName, source: decision.policySource, sha256: decision.policySHA256)
        }
        problems = decision.problems
        bound(full)
    }

    /// The record of an approval: `approver` pushed `commit` to the approval ref `ref`.
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
    /// problems, commits, risk lines and evidence each get a share; the changes the rest. The
    /// rules and the policy's texts are kept whole: the policy bounds them.
    fileprivate mutating func bound(_ full: [FullChange]) {
        var cut = Truncation(maxBytes: Self.maxBodyBytes)
        changes = full.map { whole in
            var change = Change(
                file: Self.cut(whole.file, &cut), key: whole.key, kind: whole.kind, old: whole.old, new: whole.new,
                weight: whole.weight, tags: whole.tags)
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
            if change.keySHA256 != nil || change.oldSHA256 != nil || change.newSHA256 != nil { change.truncated = true }
            return change
        }
        problems = problems.map { Self.cut($0, &cut, limit: Self.maxProblemBytes) }
        for index in commits.indices {
            commits[index].author = Self.cut(commits[index].author, &cut)
            commits[index].committer = Self.cut(commits[index].committer, &cut)
            commits[index].subject = Self.cut(commits[index].subject, &cut)
        }
        for index in riskItems.indices {
            riskItems[index].file = riskItems[index].file.map { Self.cut($0, &cut) }
            riskItems[index].key = riskItems[index].key.map { Self.cut($0, &cut) }
        }
        for index in evidence.indices {
            evidence[index].subject = Self.cut(evidence[index].subject, &cut)
            evidence[index].source = Self.cut(evidence[index].source, &cut)
            evidence[index].reason = evidence[index].reason.map { Self.cut($0, &cut) }
        }

        let sizes = (
            changes: changes.map(Self.size), problems: problems.map { Self.jsonSize($0) + 4 },
            commits: commits.map(Self.size), riskItems: riskItems.map(Self.size), evidence: evidence.map(Self.size)
        )
        let total = [sizes.changes, sizes.problems, sizes.commits, sizes.riskItems, sizes.evidence]
            .reduce(0) { $0 + $1.reduce(0, +) }
        // The lists aside, what the record holds (the rules, the policy, the truncation note).
        var rest = self
        rest.changes = []
        rest.problems = []
        rest.commits = []
        rest.riskItems = []
        rest.evidence = []
        rest.truncation = Truncation(maxBytes: Self.maxBodyBytes)
        rest.truncation?.omittedChangesSHA256 = String(repeating: "0", count: 64)
        // The counts' digits, worst case, and the sequence the store assigns.
        let fixed = Self.encodedSize(rest) + 6 * 20 + 20
        guard fixed + total > Self.maxBodyBytes else {
            if !cut.isEmpty { truncation = cut }
            return
        }
        var available = max(0, Self.maxBodyBytes - fixed)
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
        size += [change.keySHA256, change.oldSHA256, change.newSHA256].compactMap { $0 }.count * 80 + 20
        return size
    }

    private static func size(_ commit: Commit) -> Int {
        80 + jsonSize(commit.id) + jsonSize(commit.author) + jsonSize(commit.committer) + jsonSize(commit.subject)
    }

    private static func size(_ item: RiskLine) -> Int {
        70 + jsonSize(item.reason) + jsonSize(item.file ?? "") + jsonSize(item.key ?? "")
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
