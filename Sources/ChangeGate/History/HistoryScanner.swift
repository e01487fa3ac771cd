import Dispatch
import PolicyDSL

/// Walks a repository's history commit by commit and reports each commit's changes of the settings a
/// query selects — no audit record needed, any repository will do.
///
/// Each commit is compared with its first parent (a root commit with the empty tree), the way
/// `git log -p` shows it. Merge commits are passed over, as `git log -p` shows nothing for them:
/// their changes are listed at the commits that made them. Nothing is kept from one commit to the
/// next beyond a bounded cache of parsed files, so memory stays flat however long the history is.
///
/// Thread safety: a scanner holds its ``Repository`` and is used by one task at a time, as the
/// repository is (take one from a ``RepositoryPool`` per scan). Parsed files may be shared with
/// other scans and requests through a ``BlobSettingsCache``, which any number of tasks may use.
public struct HistoryScanner {
    /// The repository scanned; the scanner's own while it runs (``Repository`` is not thread-safe).
    public let repository: Repository
    /// The policy whose watches pick, weigh and tag the settings; nil lists `--setting` keys only.
    public let policy: LoadedPolicy?
    /// Which commits, which window, which settings.
    public let query: HistoryQuery
    /// Files read kept between batches of commits: the old sides of commits listed, which the walk
    /// meets again as the new sides of the commits that wrote them. The bound keeps memory flat.
    public var blobCacheLimit = 1_024
    /// The audit trail `--evaluate` takes each commit's recorded evidence from; nil when none was
    /// read (each commit is then judged with its trusted trailers alone, and says so).
    public var trail: (any AuditStore)?

    /// Like `git log --since`, the walk stops once this many commits in a row are older than the
    /// window: a few of slack for clocks that ran behind, without reading the rest of the history.
    static let olderCommitsBeforeStopping = 5

    /// The commit-graph the repository's walks read (``WalkGraph/use(in:)``); with `--since`, its
    /// times let the walk leave out commits far older than the window before it sorts, so that a
    /// window of the last days costs the same in a history of 100,000 commits as in one of 1,000.
    public var walkGraph: CommitGraphFile?

    /// How much older than `--since` a commit must be for a bounded walk to leave it out: far more
    /// than the clock skew the stop above allows for, so the commits listed are the same.
    static let pruneSlack: Int64 = 30 * 86_400

    /// Leaves out, in a walk bounded by `--since`, the commits the graph knows to be more than
    /// ``pruneSlack`` older than the window (by the time the server received them where the trail
    /// knows it); nil when the walk is unbounded or there is no graph.
    private var prune: ((ObjectID) -> Bool)? {
        guard let since = query.since, let graph = walkGraph else { return nil }
        let receivedAt = query.receivedAt
        let limit = since - Self.pruneSlack
        return { id in
            guard let time = receivedAt[id] ?? graph.commitTime(of: id) else { return false }
            return time < limit
        }
    }

    private let program: Program?
    private var differ: RepositorySettingsDiff

    /// A scanner that reads files as the policy's `files` lines select them (the files likely to be
    /// configuration without a policy), less the query's excluded paths.
    ///
    /// - Parameters:
    ///   - repository: The repository to walk, used by this scan's task alone.
    ///   - policy: The watches that pick, weigh and tag the settings; nil lists the query's
    ///     `--setting` keys only.
    ///   - query: Which commits, which window, which settings.
    ///   - sharedCache: Parsed files shared with other scans and requests; nil keeps them to this scan.
    public init(
        repository: Repository, policy: LoadedPolicy?, query: HistoryQuery, sharedCache: BlobSettingsCache? = nil
    ) {
        self.repository = repository
        self.policy = policy
        self.query = query
        self.program = policy?.result.program
        // Without a policy, the files likely to be configuration (no Helm templates, no tox.ini).
        let selectors = program.map(Gate.selectors(of:)) ?? FileSelector.likelyConfigFiles
        self.differ = RepositorySettingsDiff(
            repository: repository, selectors: FileSelector.excluding(query.excludedPaths, from: selectors),
            sharedCache: sharedCache)
        self.differ.followsSymbolicLinks = true
        self.differ.secretPatterns = program?.secretPatterns ?? []
    }

    /// The newest commit the query walks from: where the default policy is read.
    ///
    /// - Parameters:
    ///   - revisions: The query's revisions.
    ///   - repository: The repository they name commits of.
    /// - Returns: The ref's commit, or the range's head.
    /// - Throws: ``GitError`` when a revision does not resolve.
    public static func head(of revisions: HistoryQuery.Revisions, in repository: Repository) throws(GitError)
        -> ObjectID
    {
        switch revisions {
        case .ref(let ref): return try repository.resolveCommit(ref)
        case .range(let range): return try repository.resolveRange(range).head
        }
    }

    /// The policy for a scan: `path` when given, else `policies/` at `head`. A policy that does not
    /// compile is an error. Without one at `head`, a query that names its settings (`--setting`)
    /// and does not evaluate runs without a policy; any other query needs one.
    ///
    /// - Parameters:
    ///   - path: A policy file or directory given by the user; nil for `policies/` at `head`.
    ///   - repository: The repository scanned.
    ///   - head: The newest commit scanned (``head(of:in:)``).
    ///   - query: The query, whose settings, `evaluate` and tags decide whether a policy is needed.
    /// - Returns: The policy; nil when none is at `head` and the query needs none.
    /// - Throws: ``PolicyLoader/LoadError`` when the policy cannot be read, does not compile, is
    ///   needed and missing, or carries none of the query's tags.
    public static func loadPolicy(path: String?, repository: Repository, head: ObjectID, query: HistoryQuery)
        throws(PolicyLoader.LoadError) -> LoadedPolicy?
    {
        let loaded: LoadedPolicy
        if let path {
            loaded = try PolicyLoader.load(at: path)
        } else {
            let hasPolicy = (try? repository.files(in: "policies", at: head))?.contains { $0.path.hasSuffix(".policy") }
            if hasPolicy != true {
                if !query.settings.isEmpty, !query.evaluate { return nil }
                throw PolicyLoader.LoadError(
                    path: "\(head.short):policies/",
                    reason:
                        "no .policy file at the newest commit scanned, so nothing is watched; pass --policy PATH, "
                        + "or --setting PATTERN to list settings without a policy")
            }
            loaded = try PolicyLoader.load(in: repository, at: head)
        }
        guard let program = loaded.result.program else {
            throw PolicyLoader.LoadError(
                path: loaded.source, reason: "the policy does not compile:\n" + loaded.result.rendered)
        }
        // A tag no watch carries would match nothing, silently: say which tags there are.
        let known = Set(program.watches.flatMap(\.tags))
        if let unknown = query.tags.first(where: { !known.contains($0) }) {
            throw PolicyLoader.LoadError(
                path: loaded.source,
                reason: "--tag \(unknown): no watch of the policy carries it, so nothing would match; its tags are "
                    + (known.isEmpty ? "none (no watch has a tag)" : known.sorted().joined(separator: ", ")))
        }
        return loaded
    }

    /// How many commits ``scan(progress:warning:commit:)`` will read, walking ids and commit times
    /// only: the denominator of the progress line, worth its cost only when someone watches.
    ///
    /// - Returns: The number of commits the walk will read.
    /// - Throws: ``GitError`` when the revisions do not resolve or the walk fails.
    public func countCommits() throws(GitError) -> Int {
        var count = 0
        var olderInARow = 0
        let (base, head) = try ends()
        try repository.walk(from: base, to: head, pruning: prune) { (id) throws(GitError) -> Bool in
            count += 1
            guard let since = query.since else { return true }
            let time: Int64
            if let received = query.receivedAt[id] {
                time = received
            } else {
                time = try repository.commit(id).committer.time
            }
            if time < since {
                olderInARow += 1
                return olderInARow < Self.olderCommitsBeforeStopping
            }
            olderInARow = 0
            return true
        }
        return count
    }

    /// Walks the history newest first (as `git log`: by commit time, children before parents) and
    /// calls `commit` with each commit that has rows to list, until it returns false. Files that
    /// cannot be read at a commit are passed to `warning` and the walk goes on. `progress` gets the
    /// number of commits read so far after each one. Fails only on a git error (a missing object, an
    /// unknown revision).
    ///
    /// Commits are taken in batches, in a pipeline: while the files of one batch are parsed on the
    /// other cores, this thread walks and diffs the trees of the next; then the first batch's rows
    /// are listed in order.
    @discardableResult
    ///
    /// - Parameters:
    ///   - progress: Called with the number of commits read so far, after each one.
    ///   - warning: Called with each file that could not be read at a commit.
    ///   - emit: Called with each commit that has rows to list; returns false to stop the scan.
    /// - Returns: What the scan read and found.
    /// - Throws: ``GitError`` for a missing object or an unknown revision.
    public mutating func scan(
        progress: (Int) -> Void = { _ in }, warning: (HistoryWarning) -> Void,
        commit emit: (HistoryCommit) -> Bool
    ) throws(GitError) -> HistorySummary {
        var summary = HistorySummary()
        var olderInARow = 0
        var batch: [Planned] = []
        var parsing: Parsing? = nil
        var stopped = false
        // A batch still parsing must be waited for however the scan ends: its thread writes into it.
        defer { _ = parsing?.wait() }
        let (base, head) = try ends()
        var pending: [Pending] = []
        try repository.walk(from: base, to: head, pruning: prune) { (id) throws(GitError) -> Bool in
            // The graph's time and parents where it holds the commit: its object is then read only
            // when the commit is diffed or listed.
            let known = walkGraph?.summary(of: id)
            let info = known == nil ? try repository.commit(id) : nil
            summary.scanned += 1
            defer { progress(summary.scanned) }
            // The server's clock where the trail knows it; the committer's claim otherwise.
            let time = query.receivedAt[id] ?? known?.time ?? info?.committer.time ?? 0
            if let since = query.since, time < since {
                olderInARow += 1
                return olderInARow < Self.olderCommitsBeforeStopping
            }
            olderInARow = 0
            if let until = query.until, time > until { return true }
            if known?.isMerge ?? info?.isMerge ?? false {
                summary.mergesSkipped += 1
                return true
            }
            pending.append(Pending(id: id, info: info))
            guard pending.count >= batchSize else { return true }
            stopped = try !plan(&pending, &batch, &parsing, summary: &summary, warning: warning, emit: emit)
            return !stopped
        }
        if !stopped {
            stopped = try !plan(&pending, &batch, &parsing, summary: &summary, warning: warning, emit: emit)
        }
        if !stopped, try advance(&batch, &parsing, summary: &summary, warning: warning, emit: emit),
            let last = parsing
        {
            parsing = nil
            _ = try list(last, summary: &summary, warning: warning, emit: emit)
        }
        flushIndex()
        return summary
    }

    /// A commit of the window the walk has found, not yet looked up in the index.
    private struct Pending {
        var id: ObjectID
        /// Its object, when the walk had to read it (the graph does not hold the commit).
        var info: CommitInfo?
    }

    /// Looks the pending commits up in the index at once (one query for a batch of them), plans
    /// those it lacks, and hands full batches on; false when `emit` says stop.
    private mutating func plan(
        _ pending: inout [Pending], _ batch: inout [Planned], _ parsing: inout Parsing?,
        summary: inout HistorySummary, warning: (HistoryWarning) -> Void, emit: (HistoryCommit) -> Bool
    ) throws(GitError) -> Bool {
        defer { pending.removeAll(keepingCapacity: true) }
        let entries = indexed(pending.map(\.id))
        for commit in pending {
            if let cached = entries[commit.id] {
                // Read from the index: nothing to diff or parse, listed in its place in the walk.
                guard !cached.changes.isEmpty || !cached.errors.isEmpty else { continue }
                batch.append(Planned(id: commit.id, info: commit.info, plan: nil, cached: cached))
            } else {
                let info: CommitInfo
                if let read = commit.info { info = read } else { info = try repository.commit(commit.id) }
                let plan = try differ.plan(from: info.parents.first, to: commit.id)
                // A commit that changed no selected file has nothing to list.
                guard !plan.files.isEmpty else {
                    remember(commit.id, .empty)
                    continue
                }
                batch.append(Planned(id: commit.id, info: info, plan: plan, cached: nil))
            }
            guard batch.count >= batchSize else { continue }
            guard try advance(&batch, &parsing, summary: &summary, warning: warning, emit: emit) else { return false }
            if limitRemaining != nil, let current = parsing {
                // With a limit, each batch is listed before the walk reads on: it stops at the
                // commit that reaches the limit, not a read-ahead batch later.
                parsing = nil
                guard try list(current, summary: &summary, warning: warning, emit: emit) else { return false }
            }
        }
        return true
    }

    // MARK: - The index

    /// Reads and adds to `index` as the scan goes: commits found there are not diffed or parsed,
    /// commits read are kept there for the next scan. A failure of the index stops its use for the
    /// rest of the scan (``indexProblem``); the scan itself goes on.
    ///
    /// - Parameter index: The repository's history index.
    public mutating func use(_ index: HistoryIndex) {
        let keyPath = SecretRedactor.keyPath(gitDirectory: repository.path, environment: differ.environment)
        self.index = index
        indexSelection = HistoryIndex.selection(for: differ, redactionKey: SecretRedactor.loadKey(at: keyPath))
    }

    /// Why the index stopped being used during the scan; nil when it served throughout (or there
    /// was none).
    public private(set) var indexProblem: HistoryIndexError?
    /// Commits the scan took from the index, and commits it read and added.
    public private(set) var indexedRead = 0
    public private(set) var indexedAdded = 0

    private var index: HistoryIndex?
    private var indexSelection = ""
    private var unsaved: [(ObjectID, IndexedCommit)] = []

    private mutating func indexed(_ commits: [ObjectID]) -> [ObjectID: IndexedCommit] {
        guard let index, !commits.isEmpty else { return [:] }
        do {
            let found = try index.entries(selection: indexSelection, commits: commits)
            indexedRead += found.count
            return found
        } catch {
            stopIndexing(error)
            return [:]
        }
    }

    private mutating func remember(_ commit: ObjectID, _ entry: IndexedCommit) {
        guard index != nil else { return }
        unsaved.append((commit, entry))
        if unsaved.count >= 512 { flushIndex() }
    }

    private mutating func flushIndex() {
        guard let index, !unsaved.isEmpty else { return }
        do {
            try index.store(selection: indexSelection, unsaved)
            indexedAdded += unsaved.count
        } catch {
            stopIndexing(error)
        }
        unsaved.removeAll()
    }

    private mutating func stopIndexing(_ error: HistoryIndexError) {
        if indexProblem == nil { indexProblem = error }
        index = nil
        unsaved.removeAll()
    }

    /// Commits whose files are parsed together.
    static let batchSize = 128

    /// How many more commits a newest-first `--limit` lists; nil without one (or when ranking,
    /// which must read every commit before it can cut).
    private var limitRemaining: Int? {
        guard let limit = query.limit, query.order == .newestFirst else { return nil }
        return max(1, limit - emitted)
    }

    /// The batch size: with a limit, no more commits than it still needs (each may list nothing,
    /// so the walk may need several batches, but never reads far past the last one listed).
    private var batchSize: Int { min(Self.batchSize, limitRemaining ?? Self.batchSize) }

    /// Commits handed to `emit` so far.
    private var emitted = 0

    /// Past this many files to read, a commit is read in parts of half as many.
    static let largeCommitBlobs = 512

    private struct Planned {
        var id: ObjectID
        /// The commit's object; nil until it is listed when the walk did not need it.
        var info: CommitInfo?
        /// What to read; nil for a commit taken from the index.
        var plan: RepositorySettingsDiff.Plan?
        /// The commit's entry in the index, when it had one.
        var cached: IndexedCommit?
    }

    /// A batch whose blobs are being parsed on another thread.
    private struct Parsing {
        var batch: [Planned]
        var task: ParseTask

        func wait() -> RepositorySettingsDiff.ParsedBlobs { task.wait() }
    }

    /// Lists the batch in flight, if any, then reads the blobs of `batch` and starts parsing them;
    /// false when `emit` says stop.
    private mutating func advance(
        _ batch: inout [Planned], _ parsing: inout Parsing?, summary: inout HistorySummary,
        warning: (HistoryWarning) -> Void, emit: (HistoryCommit) -> Bool
    ) throws(GitError) -> Bool {
        if let previous = parsing {
            parsing = nil
            guard try list(previous, summary: &summary, warning: warning, emit: emit) else { return false }
        }
        guard !batch.isEmpty else { return true }
        // A commit with very many files is read part by part when it is listed, not here.
        let unparsed = try differ.unparsed(
            batch.compactMap(\.plan).filter { $0.blobs.count <= Self.largeCommitBlobs }.flatMap(\.blobs))
        parsing = Parsing(batch: batch, task: ParseTask(unparsed))
        batch.removeAll(keepingCapacity: true)
        return true
    }

    /// Blobs read that are the old side of a commit listed already, by the batch that read them:
    /// the same blob is the new side of the earlier commit that wrote it, met later in the walk.
    private var awaited: [ObjectID: Int] = [:]
    private var batchNumber = 0

    /// Waits for a batch's blobs and emits its rows; false when `emit` says stop.
    private mutating func list(
        _ parsing: Parsing, summary: inout HistorySummary, warning: (HistoryWarning) -> Void,
        emit: (HistoryCommit) -> Bool
    ) throws(GitError) -> Bool {
        differ.store(parsing.wait())
        batchNumber += 1
        for planned in parsing.batch {
            let id = planned.id
            var rows: [HistoryRow] = []
            if let cached = planned.cached {
                for problem in cached.errors {
                    summary.warnings += 1
                    warning(HistoryWarning(commit: id, problem: problem))
                }
                for change in cached.changes {
                    if let row = row(change, soleDocument: cached.soleDocumentFiles.contains(change.file)) {
                        rows.append(row)
                    }
                }
            } else if let plan = planned.plan {
                var entry = IndexedCommit.empty
                // A commit of thousands of files (a root commit that adds them all) is read in parts,
                // each forgotten once its rows are taken: memory stays that of a part.
                let large = plan.blobs.count > Self.largeCommitBlobs
                for part in large ? differ.parts(of: plan, filesPerPart: Self.largeCommitBlobs / 2) : [plan] {
                    if large { try differ.preload(part.blobs) }
                    let report = try differ.report(for: part)
                    for problem in report.errors {
                        summary.warnings += 1
                        warning(HistoryWarning(commit: id, problem: problem))
                    }
                    for change in report.changes {
                        if let row = row(change, soleDocument: report.singleDocumentFiles.contains(change.file)) {
                            rows.append(row)
                        }
                    }
                    if index != nil {
                        entry.changes += report.changes
                        entry.errors += report.errors
                        entry.soleDocumentFiles.formUnion(report.singleDocumentFiles)
                    }
                    if large { differ.keepCache(onlyFor: Set(awaited.keys)) }
                }
                remember(id, entry)
                for delta in plan.files {
                    if let new = delta.newBlob { awaited[new] = nil }
                    if let old = delta.oldBlob { awaited[old] = batchNumber }
                }
            }
            guard !rows.isEmpty else { continue }
            let info: CommitInfo
            if let read = planned.info { info = read } else { info = try repository.commit(id) }
            summary.matchingCommits += 1
            var listed = HistoryCommit(
                id: info.id, time: info.committer.time, author: info.author.email, subject: info.subject, rows: rows)
            listed.received = query.receivedAt[info.id]
            if query.evaluate, let policy {
                listed.judgement = judge(info, at: listed.received ?? info.committer.time, policy: policy)
            }
            emitted += 1
            guard emit(listed) else { return false }
        }
        // Keep what the walk will ask for again, the most recently read first, within the bound.
        if awaited.count > blobCacheLimit {
            let newest = awaited.sorted { $0.value > $1.value }.prefix(blobCacheLimit)
            awaited = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
        }
        differ.keepCache(onlyFor: Set(awaited.keys))
        return true
    }

    /// The change as a row, or nil when the query does not select it.
    private mutating func row(_ change: SettingChange, soleDocument: Bool) -> HistoryRow? {
        let (selected, watch) = selection(of: change.key, soleDocument: soleDocument)
        guard selected else { return nil }
        return HistoryRow(
            file: change.file, previousFile: change.previousFile, key: change.key, kind: change.kind, old: change.old,
            new: change.new, line: change.headLine ?? change.baseLine, watched: watch != nil,
            weight: watch?.weight ?? 0, tags: watch?.tags ?? [])
    }

    /// Whether the query lists a key, and the watch that covers it: worked out once per key and
    /// kept, as the same keys change in commit after commit (matching them against the watches
    /// again was a fifth of a long scan; issue 19).
    private mutating func selection(of key: String, soleDocument: Bool) -> (selected: Bool, watch: Watch?) {
        if let known = selections[soleDocument ? 1 : 0][key] { return known }
        // As the gate matches it: a sole document's key with or without its `[doc=…]` prefix.
        let within = soleDocument ? SettingPath.documentKey(key).map { String($0.key) } : nil
        let watch = program?.watch(for: key) ?? within.flatMap { program?.watch(for: $0) }
        let result = (query.selects(key: key, watch: watch), watch)
        if selections[soleDocument ? 1 : 0].count >= Self.selectionsKept { selections[soleDocument ? 1 : 0] = [:] }
        selections[soleDocument ? 1 : 0][key] = result
        return result
    }

    /// Keys whose selection is kept, per kind of file (in a sole document or not); past it, the
    /// table starts again.
    static let selectionsKept = 200_000
    private var selections: [[String: (selected: Bool, watch: Watch?)]] = [[:], [:]]

    /// The gate on one commit as if it were pushed alone at `time` (when the server received it, or
    /// its commit time): base its first parent, with the evidence the trail's record of the decision
    /// on it holds (``HistoryEvidence``), and the trailers the policy trusts.
    private func judge(_ commit: CommitInfo, at time: Int64, policy: LoadedPolicy) -> HistoryJudgement {
        var evidence = HistoryEvidence.none("no audit trail was read (name one with --audit)")
        if let trail {
            do {
                evidence = try HistoryEvidence.recorded(for: commit.id, in: trail)
            } catch {
                evidence = .none("the audit trail could not be read: \(error)")
            }
        }
        let request = GateRequest(
            base: commit.parents.first?.hex ?? "", head: commit.id.hex, ref: evidence.ref, actor: evidence.actor,
            now: Int(time), reviewers: evidence.reviewers, tests: evidence.tests, override: evidence.override)
        let decision = Gate(repository: repository).decide(
            base: commit.parents.first, head: commit.id, policy: policy, request: request)
        var judgement = HistoryJudgement(decision)
        judgement.evidence = evidence
        return judgement
    }

    private func ends() throws(GitError) -> (base: ObjectID?, head: ObjectID) {
        switch query.revisions {
        case .ref(let ref): return (nil, try repository.resolveCommit(ref))
        case .range(let range):
            let (base, head) = try repository.resolveRange(range)
            return (base, head)
        }
    }
}

/// Parses blobs on a background thread; ``wait()`` hands the result over. A class because the
/// thread and the scanner share it; the group orders the write before the read.
private final class ParseTask: @unchecked Sendable {
    private let group = DispatchGroup()
    private var result: RepositorySettingsDiff.ParsedBlobs?

    init(_ unparsed: RepositorySettingsDiff.UnparsedBlobs) {
        group.enter()
        DispatchQueue.global().async {
            self.result = unparsed.parse()
            self.group.leave()
        }
    }

    func wait() -> RepositorySettingsDiff.ParsedBlobs {
        group.wait()
        return result!
    }
}
