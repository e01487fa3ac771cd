import ChangeGate
import PostgresNIO

// How a query becomes SQL: narrowed on indexed columns, newest first, a page at a time, then
// filtered by the reference (``AuditQuery``'s matcher), which has the last word.

extension PostgresAuditStore {
    /// The records that match, newest first, at most `query.limit`.
    ///
    /// Read in pages of the newest rows below the last one seen, each with a `LIMIT`: with a limit
    /// the planner walks the primary key backwards and stops (an index scan, no sort), where one
    /// unbounded query would let it plan for every row, hash them and sort, before the first answer.
    public func entries(matching query: AuditQuery) async throws(AuditError) -> [AuditEntry] {
        try query.validate()
        let limit = query.limit ?? Int.max
        guard limit > 0 else { return [] }
        let chain = self.chain
        let matcher = AuditQuery.Matcher(query)
        // Most rows a page returns match (the SQL narrows on the settings), so a page a little
        // larger than the limit is usually the only one.
        let page = min(max(limit &* 2, 200), 10_000)
        return try await read("cannot read the audit trail") { database, logger, progress in
            var found: [AuditEntry] = []
            var below = query.before
            while found.count < limit {
                let sql = Self.selection(query, chain: chain, below: below, page: page)
                var rows = 0
                for try await (sequence, body, previous, hash) in try await database.rows(sql, logger: logger).decode(
                    (Int, String, String, String).self)
                {
                    rows += 1
                    progress.beat()
                    below = sequence
                    let entry = try Self.entry(sequence: sequence, body: body, previousHash: previous, hash: hash)
                    if matcher.matches(entry.record) {
                        found.append(entry)
                        if found.count >= limit { break }
                    }
                }
                if rows < page { break }
            }
            return found
        }
    }

    /// Every record of `repository` whose head is one of `heads`, newest first: one query through
    /// the `(chain, head, source)` index for a page's landings.
    public func entries(heads: [String], repository: String) async throws(AuditError) -> [AuditEntry] {
        let wanted = Set(heads.filter { !$0.utf8.contains(0) })
        guard !wanted.isEmpty, !repository.utf8.contains(0) else { return [] }
        let chain = self.chain
        let list = Array(wanted)
        return try await read("cannot read the audit trail") { database, logger, progress in
            var found: [AuditEntry] = []
            for try await (sequence, body, previous, hash) in try await database.rows(
                """
                SELECT sequence, body, previous_hash, hash FROM changegate_records
                WHERE chain = \(chain) AND head = ANY(\(list)) AND repository = \(repository) ORDER BY sequence DESC
                """, logger: logger
            ).decode((Int, String, String, String).self) {
                let entry = try Self.entry(sequence: sequence, body: body, previousHash: previous, hash: hash)
                // The columns are copies: the record itself must say it.
                if let head = entry.record.head, wanted.contains(head),
                    entry.record.repository.utf8.elementsEqual(repository.utf8)
                {
                    found.append(entry)
                }
            }
            return found
        }
    }

    /// The server's plan for the first page of `query` (`EXPLAIN`): which indexes answer it.
    public func queryPlan(for query: AuditQuery) async throws(AuditError) -> String? {
        try query.validate()
        let limit = query.limit ?? Int.max
        var explain = Self.selection(query, chain: chain, below: query.before, page: min(max(limit &* 2, 200), 10_000))
        explain.sql = "EXPLAIN " + explain.sql
        let sql = explain
        return try await read("cannot explain the query on the audit trail") { database, logger, progress in
            var lines: [String] = []
            for try await line in try await database.rows(sql, logger: logger).decode(String.self) {
                lines.append(line)
            }
            return lines.joined(separator: "\n")
        }
    }

    /// One page of the selection: the rows of `chain` below sequence `below`, newest first, at most
    /// `page`, narrowed on every column that holds exactly what the record holds. The narrowing
    /// may select more than the query does, never less.
    static func selection(_ query: AuditQuery, chain: String, below: Int?, page: Int) -> PostgresQuery {
        var sql = PostgresQuery(
            unsafeSQL: "SELECT sequence, body, previous_hash, hash FROM changegate_records r WHERE chain = $1")
        var binds = PostgresBindings()
        binds.append(chain)
        var index = 1
        func placeholder(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            index += 1
            binds.append(value)
            return "$\(index)"
        }
        func condition(_ text: String, _ value: some PostgresNonThrowingEncodable & Sendable) {
            sql.sql += " AND \(text) \(placeholder(value))"
        }
        if let below { condition("sequence <", below) }
        if let since = query.since { condition("time >=", since) }
        if let until = query.until { condition("time <", until) }
        if let source = query.source { condition("source =", source.rawValue) }
        if let minimumRisk = query.minimumRisk { condition("risk >=", minimumRisk) }
        if let repository = query.repository, !repository.utf8.contains(0) { condition("repository =", repository) }
        if let head = query.head, !head.utf8.contains(0) { condition("head =", head) }
        if let decision = query.decision, !decision.utf8.contains(0) { condition("decision =", decision) }
        // A changed setting that matches a key pattern (any) and a tag (any), as the matcher asks,
        // probed per record through (chain, sequence). A pattern with no literal part narrows nothing.
        var inner: [String] = []
        if let file = query.file, !file.utf8.contains(0) { inner.append("c.file = \(placeholder(file))") }
        if let key = query.key, !key.utf8.contains(0) { inner.append("c.key = \(placeholder(key))") }
        let keys = query.settings.map(KeyPatternLike.pattern(for:))
        if !keys.isEmpty, !keys.contains(nil) {
            inner.append(
                "("
                    + keys.compactMap { $0 }.map { "c.key LIKE \(placeholder($0)) ESCAPE '\\'" }
                    .joined(separator: " OR ") + ")")
        }
        if !query.tags.isEmpty, !query.tags.contains(where: { $0.utf8.contains(0) }) {
            // ILIKE folds at least the ASCII letters the matcher folds.
            inner.append(
                "("
                    + query.tags.map {
                        "c.tags ILIKE \(placeholder("%," + KeyPatternLike.escape($0) + ",%")) ESCAPE '\\'"
                    }
                    .joined(separator: " OR ") + ")")
        }
        if !inner.isEmpty {
            sql.sql +=
                " AND EXISTS (SELECT 1 FROM changegate_record_changes c WHERE c.chain = r.chain"
                + " AND c.sequence = r.sequence AND " + inner.joined(separator: " AND ") + ")"
        }
        sql.sql += " ORDER BY sequence DESC LIMIT \(placeholder(page))"
        sql.binds = binds
        return sql
    }
}
