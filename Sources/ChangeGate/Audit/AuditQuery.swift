import PolicyDSL

/// A filter over the audit trail; every field set narrows it (`audit log`, `audit export`).
public struct AuditQuery: Sendable, Hashable {
    /// Seconds since the Unix epoch, inclusive.
    public var since: Int?
    /// Seconds since the Unix epoch, exclusive.
    public var until: Int?
    /// The repository, as records name it.
    public var repository: String?
    /// A glob over the ref (`refs/heads/release/*`); `*` does not cross `/`, `**` does.
    public var ref: String?
    /// Who asked for the decision (the pusher, CI's user).
    public var actor: String?
    /// The head commit (full hex id).
    public var head: String?
    /// An author or committer of one of the record's commits.
    public var author: String?
    /// Key patterns as in a policy's `watch` (`bootstrap.dcs.*`, `**.failover.**`): any of them.
    public var settings: [String] = []
    /// Tags of the changed settings: any of them.
    public var tags: [String] = []
    /// The file of a changed setting, exactly (its bytes); with ``settings`` or ``tags``, one
    /// changed setting must be in the file and match them (a setting's history asks for one key of
    /// one file).
    public var file: String?
    /// A changed setting's key, exactly (its bytes, not a pattern: `a."b.c"` and `a.b\.c` are
    /// different keys); with ``file``, ``settings`` or ``tags``, on the same change. A setting's
    /// history asks for one file's one key this way, which a store answers from an index on both.
    public var key: String?
    /// The decision: allow, warn, deny, error, or a record's own (approved, landed).
    public var decision: String?
    /// Who recorded it: the hook, CI, a service, an approval.
    public var source: AuditRecord.Source?
    /// The least risk score.
    public var minimumRisk: Int?
    /// A reviewer whose review counted in the decision, or who recorded an approval (ASCII case
    /// ignored, as for `actor`).
    public var approver: String?
    /// Only records numbered below this one: the next page of a newest-first listing, which stays
    /// the same page while records are appended (an offset would shift).
    public var before: Int?
    /// Newest first, at most this many; nil for all.
    public var limit: Int?

    /// A query that selects every record.
    public init() {}
}

// MARK: - What a query means

extension AuditQuery {
    /// Whether `record` is one the query selects: the reference every store answers by. A store may
    /// select in its own language for speed (SQLite's SQL over indexed columns), but what it returns
    /// must equal this filter over its records (`AuditStoreContractTests` checks that).
    ///
    /// Texts compare as bytes (an audit names exactly what was recorded; no Unicode folding or
    /// normalization), except `actor` and `tags`, which ignore the case of ASCII letters, and
    /// `author`, compared lowercased as ``AuditRecord/people`` keeps it.
    ///
    /// - Parameter record: A record of the trail.
    /// - Returns: Whether every field set selects it (``limit`` aside, which is the store's).
    public func matches(_ record: AuditRecord) -> Bool { Matcher(self).matches(record) }

    /// The query with its patterns parsed once, for a store that tests many records against it.
    package struct Matcher: Sendable {
        let query: AuditQuery
        let ref: Glob?
        let patterns: [KeyPathPattern]
        let author: String?

        package init(_ query: AuditQuery) {
            self.query = query
            ref = query.ref.map { Glob($0) }
            patterns = query.settings.compactMap(KeyPathPattern.init)
            author = query.author?.lowercased()
        }

        package func matches(_ record: AuditRecord) -> Bool {
            if let before = query.before, record.sequence >= before { return false }
            if let since = query.since, record.time < since { return false }
            if let until = query.until, record.time >= until { return false }
            if let repository = query.repository, !same(record.repository, repository) { return false }
            if let ref {
                guard let recorded = record.ref, ref.matches(recorded) else { return false }
            }
            if let head = query.head {
                guard let recorded = record.head, same(recorded, head) else { return false }
            }
            if let actor = query.actor {
                guard let recorded = record.actor, sameIgnoringASCIICase(recorded, actor) else { return false }
            }
            if let author {
                guard record.people.contains(where: { same($0, author) }) else { return false }
            }
            if let decision = query.decision, !same(record.decision, decision) { return false }
            if let source = query.source, record.source != source { return false }
            if let minimumRisk = query.minimumRisk, record.risk < minimumRisk { return false }
            if let approver = query.approver, !approved(record, by: approver) { return false }
            let tags = query.tags
            if query.constrainsChanges {
                // One changed setting must match them all: the file, the key, a key pattern (any), a
                // tag (any).
                guard
                    record.changes.contains(where: { change in
                        (query.file.map { same(change.file, $0) } ?? true)
                            && (query.key.map { same(change.key, $0) } ?? true)
                            && (patterns.isEmpty || patterns.contains { $0.matches(change.key) })
                            && (tags.isEmpty
                                || tags.contains { tag in change.tags.contains { sameIgnoringASCIICase($0, tag) } })
                    })
                else { return false }
            }
            return true
        }

        /// A reviewer's counted review in the decision, or the approval record of `approver`.
        private func approved(_ record: AuditRecord, by approver: String) -> Bool {
            if record.source == .approval {
                return record.actor.map { sameIgnoringASCIICase($0, approver) } ?? false
            }
            return record.evidence.contains { evidence in
                evidence.kind == "reviewer" && evidence.counted && sameIgnoringASCIICase(evidence.subject, approver)
            }
        }

        private func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

        private func sameIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
            func folded(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
            return a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { folded($0) == folded($1) }
        }
    }

    /// Whether the query asks something of one changed setting (its file, key, pattern or tag).
    package var constrainsChanges: Bool { !settings.isEmpty || !tags.isEmpty || file != nil || key != nil }

    /// Throws ``AuditError/Kind/query`` for a query no store can answer: a setting that is not a key
    /// pattern. Every store checks this before it reads.
    ///
    /// - Throws: ``AuditError/Kind/query`` naming the first setting that is not a key pattern.
    public func validate() throws(AuditError) {
        for pattern in settings where KeyPathPattern(pattern) == nil {
            throw AuditError(.query, "--setting \(pattern) is not a key pattern")
        }
    }
}
