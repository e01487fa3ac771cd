/// An approval recorded by the hook: a reviewer pushed `commit` to `refs/changegate/approvals/…`.
public struct Approval: Sendable, Hashable, Codable {
    public var commit: String
    public var approver: String
    /// Seconds since the Unix epoch.
    public var time: Int
    public var ref: String

    /// An approval.
    ///
    /// - Parameters:
    ///   - commit: The approved commit's full hex id.
    ///   - approver: Who pushed the approval.
    ///   - time: When, in seconds since the Unix epoch.
    ///   - ref: The approval's ref.
    public init(commit: String, approver: String, time: Int, ref: String) {
        self.commit = commit
        self.approver = approver
        self.time = time
        self.ref = ref
    }
}

/// Who first brought a commit to the server: the authenticated pusher of the push that landed it
/// (recorded by post-receive), so that they never review it, whoever pushes it to a protected ref.
public struct Arrival: Sendable, Hashable {
    public var commit: String
    /// Nil when the hosting named no pusher.
    public var pusher: String?
    /// Seconds since the Unix epoch.
    public var time: Int
    /// The ref the push brought it with.
    public var ref: String

    /// An arrival.
    ///
    /// - Parameters:
    ///   - commit: The commit's full hex id.
    ///   - pusher: Who pushed it; nil when the hosting said nothing.
    ///   - time: When, in seconds since the Unix epoch.
    ///   - ref: The ref the push brought it with.
    public init(commit: String, pusher: String?, time: Int, ref: String) {
        self.commit = commit
        self.pusher = pusher
        self.time = time
        self.ref = ref
    }
}

/// When the hook may commit what it records: the waits it may spend (what its deadline leaves) and
/// the check made right before the commit (``HookDeadline/claim()``). ``unbounded`` for callers
/// without a deadline (tests, tools).
public struct HookCommit: Sendable {
    public var waitLimit: @Sendable () -> Duration?
    public var claim: @Sendable () -> Bool

    /// A commit policy.
    ///
    /// - Parameters:
    ///   - waitLimit: The longest wait for the trail, asked at each wait; nil for the store's own.
    ///   - claim: Asked right before the commit: false rolls it back.
    public init(waitLimit: @escaping @Sendable () -> Duration?, claim: @escaping @Sendable () -> Bool) {
        self.waitLimit = waitLimit
        self.claim = claim
    }

    /// The store's own wait limit, and always time to commit.
    public static let unbounded = HookCommit(waitLimit: { nil }, claim: { true })

    /// Bounded by `deadline`: waits take at most what is left of it, and the commit claims it.
    ///
    /// - Parameter deadline: The hook's deadline.
    /// - Returns: The commit policy.
    public static func within(_ deadline: HookDeadline) -> HookCommit {
        HookCommit(waitLimit: { .milliseconds(Int64(deadline.remaining * 1000)) }, claim: { deadline.claim() })
    }
}

/// Where the hook keeps what it must remember: approvals (trusted evidence), who first pushed each
/// commit, and its decisions.
public protocol HookJournal: Sendable {
    /// The approvals recorded for `commit` in this repository.
    ///
    /// - Parameter commit: The commit.
    /// - Returns: Its approvals.
    /// - Throws: ``HookError`` when the journal cannot be read.
    func approvals(of commit: ObjectID) throws(HookError) -> [Approval]
    /// The first recorded arrival of `commit` in this repository, if any.
    ///
    /// - Parameter commit: The commit.
    /// - Returns: Who first pushed it, when and with which ref; nil when none is recorded.
    /// - Throws: ``HookError`` when the journal cannot be read.
    func firstArrival(of commit: ObjectID) throws(HookError) -> Arrival?
    /// Appends approvals, arrivals and decision records together; throws when they cannot be kept
    /// (pre-receive then refuses the push; post-receive says what was not recorded). `commit`
    /// (``HookCommit``) bounds the waits and says, right before the commit, whether there is still
    /// time; when it says no, nothing is kept and the error says so.
    ///
    /// - Parameters:
    ///   - approvals: The approvals that landed.
    ///   - arrivals: The commits pushed for the first time.
    ///   - decisions: The hook's decision records.
    ///   - commit: The wait limit and the last-moment claim.
    /// - Throws: ``HookError`` when nothing could be kept.
    func append(approvals: [Approval], arrivals: [Arrival], decisions: [AuditRecord], commit: HookCommit)
        throws(HookError)
    /// The commits the hook accepted as `ref`'s new tip since `since`, each with the earliest time
    /// it was accepted: the only tips `reverts` may restore (``KnownGoodTips/accepted(_:)``).
    ///
    /// - Parameters:
    ///   - ref: The ref.
    ///   - since: The earliest time read, in seconds since the Unix epoch.
    /// - Returns: Each accepted tip with the earliest time it was accepted.
    /// - Throws: ``HookError`` when the journal cannot be read.
    func acceptedTips(ref: String, since: Int) throws(HookError) -> [ObjectID: Int]
}

/// The hook's journal on the audit trail: approvals are records of their own (source `approval`),
/// decisions records of source `hook`, all in one chain.
public struct AuditHookJournal: HookJournal {
    /// The trail.
    public var store: any AuditStore
    /// What the records name as the repository.
    public var repository: String

    /// A journal on `store`.
    ///
    /// - Parameters:
    ///   - store: The trail.
    ///   - repository: What the records name as the repository; only its approvals and tips count.
    public init(store: any AuditStore, repository: String) {
        self.store = store
        self.repository = repository
    }

    public func approvals(of commit: ObjectID) throws(HookError) -> [Approval] {
        do {
            // Only this repository's: a trail shared with a sandbox must not let its approvals count here.
            return try store.approvals(of: commit.hex).filter { $0.repository == repository }.map { record in
                Approval(
                    commit: record.head ?? commit.hex, approver: record.actor ?? "", time: record.time,
                    ref: record.ref ?? "")
            }
        } catch {
            throw .store("cannot read approvals from the audit trail: \(error)")
        }
    }

    public func acceptedTips(ref: String, since: Int) throws(HookError) -> [ObjectID: Int] {
        do {
            return try store.acceptedTips(ref: ref, repository: repository, since: since)
        } catch {
            throw .store("cannot read the accepted tips from the audit trail: \(error)")
        }
    }

    public func firstArrival(of commit: ObjectID) throws(HookError) -> Arrival? {
        var query = AuditQuery()
        query.head = commit.hex
        query.source = .push
        query.repository = repository
        do {
            // Newest first: the first arrival is the last entry.
            return try store.entries(matching: query).last.map { entry in
                Arrival(
                    commit: commit.hex, pusher: entry.record.actor, time: entry.record.time,
                    ref: entry.record.ref ?? "")
            }
        } catch {
            throw .store("cannot read who first pushed \(commit.short) from the audit trail: \(error)")
        }
    }

    public func append(
        approvals: [Approval], arrivals: [Arrival], decisions: [AuditRecord], commit: HookCommit
    ) throws(HookError) {
        let records =
            approvals.map {
                AuditRecord.approval(
                    commit: $0.commit, approver: $0.approver, ref: $0.ref, time: $0.time, repository: repository)
            }
            + arrivals.map {
                AuditRecord(
                    time: $0.time, source: .push, repository: repository, ref: $0.ref, head: $0.commit,
                    actor: $0.pusher, decision: "received", accepted: true)
            } + decisions
        do {
            try store.append(records, waitLimit: commit.waitLimit(), commitIf: commit.claim)
        } catch {
            throw error.kind == .deadline ? .deadline : .store("\(error)")
        }
    }
}
