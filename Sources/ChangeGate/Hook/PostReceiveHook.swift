/// Runs once the refs of a push have landed (git's `post-receive`, after pre-receive, any chained
/// hook and the `update` hook accepted them): records the approvals that landed and who first
/// pushed each new commit. Only what landed is recorded, and only what was recorded is announced.
///
/// It cannot refuse anything (the refs have moved); when the trail cannot be written it says that
/// nothing was recorded, so an approval then does not count and must be pushed again.
public struct PostReceiveHook {
    /// The server's repository, opened from git's environment.
    public var repository: Repository
    /// Where approvals, arrivals and landings are recorded.
    public var journal: any HookJournal
    /// The authenticated pusher; nil when the hosting says nothing.
    public var actor: String?
    /// Seconds since the Unix epoch.
    public var now: Int

    /// A hook run.
    ///
    /// - Parameters:
    ///   - repository: The server's repository.
    ///   - journal: Where records go.
    ///   - actor: The authenticated pusher; nil when the hosting says nothing.
    ///   - now: The time, in seconds since the Unix epoch.
    public init(repository: Repository, journal: any HookJournal, actor: String?, now: Int) {
        self.repository = repository
        self.journal = journal
        self.actor = actor
        self.now = now
    }

    public struct Outcome: Sendable {
        /// The text for standard error (git shows it as `remote:` lines).
        public var message: String
        /// True when something that landed could not be recorded.
        public var failed: Bool
    }

    /// Records what the updates landed: approvals, arrivals of new commits, and each ref's landing.
    ///
    /// - Parameters:
    ///   - updates: The ref updates that landed.
    ///   - commit: The wait limit and the last-moment claim of the records' commit.
    /// - Returns: What to tell the pusher, and whether anything failed to be recorded.
    public func run(_ updates: [RefUpdate], commit: HookCommit = .unbounded) -> Outcome {
        var lines: [String] = []
        var approvals: [Approval] = []
        var announcements: [String] = []
        for update in updates where update.ref.hasPrefix("refs/changegate/") {
            switch ApprovalCheck.check(update, actor: actor, repository: repository, now: now) {
            case .success(let checked):
                approvals.append(checked.approval)
                announcements.append(
                    "changegate: recorded \(checked.approval.approver)'s approval of \(checked.commit.id.short) "
                        + "\"\(checked.commit.subject)\" for \(checked.target)")
            case .failure(let refusal):
                // pre-receive refused this; a ref that landed anyway (another hook set, an admin) is no approval.
                lines.append("changegate: \(update.ref) landed but is NOT recorded as an approval: \(refusal.reason)")
            }
        }
        let arrivals: [Arrival]
        do {
            arrivals = try self.arrivals(updates)
            if arrivals.count >= Self.maxArrivals {
                lines.append(
                    "changegate: note: this push brought more than \(Self.maxArrivals) new commits; who first pushed "
                        + "the rest is not recorded, so no review of them counts (push long histories in parts)")
            }
        } catch {
            lines.append(
                "changegate: ERROR: cannot work out which commits this push brought (\(error)); nothing was "
                    + "recorded, so its approvals do not count: push them again under new names")
            return Outcome(message: Self.text(lines), failed: true)
        }
        do {
            try journal.append(approvals: approvals, arrivals: arrivals, decisions: landings(updates), commit: commit)
        } catch {
            lines.append(
                "changegate: ERROR: cannot write the audit trail (\(error)); nothing was recorded, so "
                    + (approvals.isEmpty
                        ? "who first pushed these commits is not known"
                        : "the approvals of this push do not count: push them again under new names once it is writable")
            )
            return Outcome(message: Self.text(lines), failed: true)
        }
        return Outcome(message: Self.text(announcements + lines), failed: false)
    }

    /// A `landed` record for every ref that moved (a deletion: with no head): pre-receive's verdict is
    /// written before a chained hook, the update hook or a lost ref lock can still refuse the push, so
    /// only these say a ref really moved (``AuditStore/landings(of:)``,
    /// ``AuditStore/acceptedTips(ref:repository:since:)``).
    func landings(_ updates: [RefUpdate]) -> [AuditRecord] {
        updates.compactMap { update in
            guard !update.ref.hasPrefix("refs/changegate/") else { return nil }
            // A tag lands as its commit, as pre-receive judged it.
            let head = update.new.map { (try? repository.resolveCommit($0.hex)) ?? $0 }
            return AuditRecord(
                time: now, source: .push, repository: repository.displayPath, ref: update.ref, base: update.old?.hex,
                head: head?.hex, actor: actor, decision: AuditRecord.landedDecision, accepted: true)
        }
    }

    /// The most arrivals one push records: a push of a huge history must not run the recording past
    /// the deadline (then nothing at all would be recorded). Commits past it have no arrival, and
    /// pre-receive counts no review of a commit whose first pusher is unknown.
    public static let maxArrivals = 5_000

    /// The commits this push brought to the server: reachable from a new tip and from no ref the
    /// push did not move, nor from the old tips of those it did; at most ``maxArrivals``.
    func arrivals(_ updates: [RefUpdate]) throws(GitError) -> [Arrival] {
        let moved = Set(updates.map(\.ref))
        var hidden = try repository.referenceCommits().filter { !moved.contains($0.name) }.map(\.commit)
        for old in updates.compactMap(\.old) {
            if let commit = try? repository.resolveCommit(old.hex) { hidden.append(commit) }
        }
        var seen = Set<ObjectID>()
        var arrivals: [Arrival] = []
        for update in updates {
            // A ref to a tree or a blob brings no commit.
            guard let new = update.new, let head = try? repository.resolveCommit(new.hex) else { continue }
            let left = Self.maxArrivals - arrivals.count
            guard left > 0 else { break }
            for commit in try repository.commits(to: head, hiding: hidden, limit: left)
            where seen.insert(commit).inserted {
                arrivals.append(Arrival(commit: commit.hex, pusher: actor, time: now, ref: update.ref))
            }
        }
        return arrivals
    }

    /// Approvers, subjects and refs are pushers' text: escaped before they reach a terminal.
    private static func text(_ lines: [String]) -> String {
        lines.isEmpty ? "" : lines.map(TerminalText.escape).joined(separator: "\n") + "\n"
    }
}
