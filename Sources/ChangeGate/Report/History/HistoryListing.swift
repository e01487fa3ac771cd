/// Runs a history scan and writes its report: the part of `changegate history` between parsing the
/// options and exiting, kept in the library so that tests reach all of it.
///
/// It lives in Report, beside ``HistoryRenderer``: `History/` finds the commits and returns them as
/// values (``HistoryScanner``); rendering them is Report's, which comes after it in the flow.
///
/// In walk order (newest first) every commit is written as soon as it is found; for the incident
/// view the listed commits are collected (they are few: only those with selected rows), ranked, and
/// written at the end.
public enum HistoryListing {
    /// Scans with `scanner` and writes the report in `format` through `write`, each piece as soon
    /// as it is ready (the caller flushes). Warnings go to `warn`; `annotate` adds to each listed
    /// commit what the scan cannot know (its approvals from the audit trail).
    @discardableResult
    ///
    /// - Parameters:
    ///   - scanner: The scanner, set up with the repository, the policy and the query.
    ///   - format: The format.
    ///   - write: Called with each piece of the report, in order.
    ///   - warn: Called with each file that could not be read at a commit.
    ///   - progress: Called with the number of commits read so far.
    ///   - annotate: Adds to each listed commit what the scan cannot know.
    /// - Returns: What the scan read and found.
    /// - Throws: ``GitError`` for a missing object or an unknown revision.
    public static func run(
        _ scanner: inout HistoryScanner, format: HistoryRenderer.Format, write: (String) -> Void,
        warn: (HistoryWarning) -> Void, progress: (Int) -> Void = { _ in },
        annotate: (inout HistoryCommit) -> Void = { _ in }
    ) throws(GitError) -> HistorySummary {
        let query = scanner.query
        var renderer = HistoryRenderer(
            format: format, query: query, policy: scanner.policy,
            head: try HistoryScanner.head(of: query.revisions, in: scanner.repository))
        var warnings: [HistoryWarning] = []
        let warn = { (warning: HistoryWarning) in
            if warnings.count < HistoryRenderer.maxWarningsListed { warnings.append(warning) }
            warn(warning)
        }
        switch query.order {
        case .newestFirst:
            write(renderer.start(totals: nil))
            var listed = 0
            let summary = try scanner.scan(progress: progress, warning: warn) { found in
                var commit = found
                annotate(&commit)
                write(renderer.commit(commit))
                listed += 1
                return query.limit.map { listed < $0 } ?? true
            }
            write(renderer.end(summary: summary, warnings: warnings))
            return summary
        case .highestRiskFirst:
            var commits: [HistoryCommit] = []
            let summary = try scanner.scan(progress: progress, warning: warn) { commit in
                commits.append(commit)
                return true
            }
            var ranked = Array(rank(commits).prefix(query.limit ?? .max))
            for index in ranked.indices { annotate(&ranked[index]) }
            write(renderer.start(totals: HistoryRenderer.Totals(listed: ranked, matching: commits.count)))
            for commit in ranked { write(renderer.commit(commit)) }
            write(renderer.end(summary: summary, warnings: warnings))
            return summary
        }
    }

    /// The incident order: the heaviest commits first (the sum of their listed weights), ties
    /// newest first. The walk order is newest first already and the sort is stable.
    ///
    /// - Parameter commits: The listed commits, in walk order.
    /// - Returns: The same commits, heaviest first.
    public static func rank(_ commits: [HistoryCommit]) -> [HistoryCommit] {
        let walkOrder = commits.enumerated().map { ($0.offset, $0.element) }
        return walkOrder.sorted { a, b in
            let (wa, wb) = (a.1.weight, b.1.weight)
            if wa != wb { return wa > wb }
            if a.1.time != b.1.time { return a.1.time > b.1.time }
            return a.0 < b.0
        }.map(\.1)
    }
}
