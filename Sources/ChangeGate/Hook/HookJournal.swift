/// An approval recorded by the hook: a reviewer pushed `commit` to `refs/changegate/approvals/…`.
public struct Approval: Sendable, Hashable, Codable {
    public var commit: String
    public var approver: String
    /// Seconds since the Unix epoch.
    public var time: Int
    public var ref: String

    public init(commit: String, approver: String, time: Int, ref: String) {
        self.commit = commit
        self.approver = approver
        self.time = time
        self.ref = ref
    }
}

/// Where the hook keeps what it must remember: approvals (trusted evidence) and its decisions.
public protocol HookJournal: Sendable {
    func approvals(of commit: ObjectID) throws(HookError) -> [Approval]
    /// Appends approvals and decision records together; throws when they cannot be kept (the hook
    /// then refuses the push).
    func append(approvals: [Approval], decisions: [AuditRecord]) throws(HookError)
    /// The commits the hook accepted as `ref`'s new tip since `since`, each with the earliest time
    /// it was accepted: the only tips `reverts` may restore (``KnownGoodTips/accepted(_:)``).
    func acceptedTips(ref: String, since: Int) throws(HookError) -> [ObjectID: Int]
}

/// The hook's journal on the audit trail: approvals are records of their own (source `approval`),
/// decisions records of source `hook`, all in one chain.
public struct AuditHookJournal: HookJournal {
    public var store: any AuditStore
    /// What the records name as the repository.
    public var repository: String

    public init(store: any AuditStore, repository: String) {
        self.store = store
        self.repository = repository
    }

    public func approvals(of commit: ObjectID) throws(HookError) -> [Approval] {
        do {
            return try store.approvals(of: commit.hex).map { record in
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

    public func append(approvals: [Approval], decisions: [AuditRecord]) throws(HookError) {
        let records =
            approvals.map {
                AuditRecord.approval(
                    commit: $0.commit, approver: $0.approver, ref: $0.ref, time: $0.time, repository: repository)
            } + decisions
        do {
            try store.append(records)
        } catch {
            throw .store("\(error)")
        }
    }
}
