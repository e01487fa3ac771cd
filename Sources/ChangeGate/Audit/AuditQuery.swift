/// A filter over the audit trail; every field set narrows it (`audit log`, `audit export`).
public struct AuditQuery: Sendable, Hashable {
    /// Seconds since the Unix epoch, inclusive.
    public var since: Int?
    /// Seconds since the Unix epoch, exclusive.
    public var until: Int?
    public var repository: String?
    /// A glob over the ref (`refs/heads/release/*`); `*` does not cross `/`, `**` does.
    public var ref: String?
    public var actor: String?
    /// The head commit (full hex id).
    public var head: String?
    /// An author or committer of one of the record's commits.
    public var author: String?
    /// Key patterns as in a policy's `watch` (`bootstrap.dcs.*`, `**.failover.**`): any of them.
    public var settings: [String] = []
    /// Tags of the changed settings: any of them.
    public var tags: [String] = []
    public var decision: String?
    public var source: AuditRecord.Source?
    public var minimumRisk: Int?
    /// Newest first, at most this many; nil for all.
    public var limit: Int?

    public init() {}
}
