import ArgumentParser
import ChangeGate
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension HistoryRenderer.Format: ExpressibleByArgument {}

/// `changegate history`: every change of a watched setting in a repository's history, read from
/// git itself — the incident responder's "what changed?".
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List every change of a watched setting in the history.",
        discussion: """
            Walks the commits of --range A..B (reachable from B, not from A) or of --ref (default HEAD), \
            newest first, and compares each commit with its first parent (a root commit with the empty \
            tree), reading the files the policy's `files` lines select. Merge commits are skipped, as \
            `git log -p` shows nothing for them: their changes are listed at the commits that made them. \
            Only watched settings are listed, unless --setting names keys. --since and --until bound the \
            commit (committer) time. WHEN is ISO 8601 (2024-06-04T13:00:00Z, 2024-06-04T15:00:00+02:00, \
            2024-06-04) or a duration before now (30m, 6h, 2d, 1w). Plain history is listed newest first \
            as it is read; with --since it is the incident view: commits ranked by the sum of their listed \
            weights, highest risk first, ties newest first. --now fixes the clock; commits after it are \
            then left out unless --until says otherwise. A file that cannot be read at some commit is a \
            warning on standard error and the scan goes on. Exit 0 on success, 2 on a bad option, an \
            unknown revision or a broken policy.
            """
    )

    @Option(
        help: ArgumentHelp("The repository (default: the one containing the working directory).", valueName: "path"),
        completion: .directory)
    var repo: String?

    @Option(help: ArgumentHelp("List commits committed at or after WHEN; ranks them by risk.", valueName: "WHEN"))
    var since: String?

    @Option(help: ArgumentHelp("List commits committed at or before WHEN.", valueName: "WHEN"))
    var until: String?

    @Option(help: ArgumentHelp("The commits reachable from B and not from A.", valueName: "A..B"))
    var range: String?

    @Option(
        help: ArgumentHelp("The commits reachable from REF (default: HEAD).", valueName: "REF"),
        completion: Completions.revisions)
    var ref: String?

    @Option(
        help: ArgumentHelp(
            "List changes of keys matching PATTERN, watched or not (policy key-pattern syntax: `**` any depth; repeatable).",
            valueName: "PATTERN"))
    var setting: [String] = []

    @Option(help: ArgumentHelp("Keep changes whose watch carries tag T (repeatable: any of them).", valueName: "T"))
    var tag: [String] = []

    @Option(
        help: ArgumentHelp(
            "A path glob of files not to read, besides the policy's own `except` and `ignore` (repeatable).",
            valueName: "glob"))
    var exclude: [String] = []

    @Option(
        help: ArgumentHelp(
            "A policy file or directory (default: policies/ at the newest commit scanned).", valueName: "path"),
        completion: .file())
    var policy: String?

    @Option(
        help: ArgumentHelp(
            "Output format: table, json or ndjson (one object per change, streamed).", valueName: "format"))
    var format: HistoryRenderer.Format = .table

    @Flag(
        help: ArgumentHelp(
            "Replay the policy on each listed commit (base: its first parent, at its commit time), with the evidence "
                + "of the audit trail's record of the decision on it."))
    var evaluate = false

    // Unconditional: `--limit -1` is a bad count (said so), not an unknown option `-1`.
    @Option(parsing: .unconditional, help: ArgumentHelp("List at most N commits (1 or more).", valueName: "N"))
    var limit: Int?

    @Option(help: ArgumentHelp("The time to count durations back from, ISO 8601 (default: now).", valueName: "ISO8601"))
    var now: String?

    @Option(
        help: ArgumentHelp(
            "The audit trail to read approvals from (default: $CHANGEGATE_AUDIT, else GIT_DIR/changegate/audit.sqlite, "
                + "when it exists).", valueName: "path"))
    var audit: String?

    /// Which clock bounds --since and --until.
    enum Dates: String, ExpressibleByArgument, CaseIterable {
        case received, committer
    }

    @Option(
        help: ArgumentHelp(
            "What --since and --until bound: received (when the server received each commit, where the audit "
                + "trail knows it; else the committer date) or committer (the committer date, a claim).",
            valueName: "clock"))
    var dates: Dates = .received

    @Flag(
        name: .customLong("no-index"),
        help: ArgumentHelp(
            "Read every commit from the repository, neither reading nor adding to the history index "
                + "(GIT_DIR/changegate/history-index.sqlite)."))
    var noIndex = false

    func run() throws {
        var words = HistoryQuery.Words()
        words.range = range
        words.ref = ref
        words.since = since
        words.until = until
        words.settings = setting
        words.tags = tag
        words.evaluate = evaluate
        words.limit = limit
        words.now = now
        var query: HistoryQuery
        var scanner: HistoryScanner
        // Who approved the listed commits, when the repository has a trail (history works without).
        var trail: (any AuditStore)?
        do {
            query = try HistoryQuery(words: words, clock: Int64(Date().timeIntervalSince1970))
            query.excludedPaths = exclude
            let repository = try Repository.open(path: repo, environment: ProcessInfo.processInfo.environment)
            // The walk reads parents and times from ChangeGate's commit-graph where there is one.
            let walkGraph = WalkGraph.use(in: repository)
            let head = try HistoryScanner.head(of: query.revisions, in: repository)
            let loaded = try HistoryScanner.loadPolicy(path: policy, repository: repository, head: head, query: query)
            let trailPath = AuditLocation.path(
                explicit: audit, environment: ProcessInfo.processInfo.environment, gitDirectory: repository.path)
            if audit != nil || !AuditStores.isPath(trailPath) || FileManager.default.fileExists(atPath: trailPath) {
                let opened = try AuditStores.open(trailPath, access: .readOnly)
                trail = opened
            }
            if let opened = trail, dates == .received {
                // Windows bound the time the server received a commit, not the date its committer
                // wrote (a month of slack before --since catches commits backdated into it).
                query.receivedAt = try opened.receivedTimes(
                    repository: nil, since: query.since.map { Int($0) - 30 * 86_400 })
            }
            scanner = HistoryScanner(repository: repository, policy: loaded, query: query)
            scanner.trail = trail
            scanner.walkGraph = walkGraph
            if !noIndex {
                // The index is a cache: one that cannot be opened costs a full read, never the answer.
                do {
                    scanner.use(try HistoryIndex(path: HistoryIndex.defaultPath(gitDirectory: repository.path)))
                } catch {
                    Standard.error("changegate: warning: \(error); reading every commit")
                }
            }
        } catch {
            Standard.error("changegate: error: \(error)")
            throw ExitCode.error
        }

        // The progress line only for someone watching a terminal; never in a log or a pipe.
        var progress: HistoryProgress? = nil
        if isatty(STDERR_FILENO) == 1 {
            progress = HistoryProgress(total: try? scanner.countCommits())
        }
        var showing = false
        func clearProgress() {
            if showing { Self.terminal("\r\u{1B}[K") }
            showing = false
        }
        do {
            try HistoryListing.run(
                &scanner, format: format,
                write: { text in
                    // The report and the progress line share the screen only when both are the terminal.
                    if isatty(STDOUT_FILENO) == 1 { clearProgress() }
                    Self.output(text)
                },
                warn: { warning in
                    clearProgress()
                    Standard.error("changegate: \(warning)")
                },
                progress: { scanned in
                    guard let line = progress?.update(scanned: scanned) else { return }
                    Self.terminal("\r" + line + "\u{1B}[K")
                    showing = true
                },
                annotate: { commit in
                    guard let trail else { return }
                    do {
                        commit.approvals = try HistoryApproval.recorded(for: commit.id, in: trail)
                    } catch {
                        Standard.error("changegate: warning: approvals of \(commit.id.short) not read: \(error)")
                    }
                })
            clearProgress()
        } catch {
            clearProgress()
            Standard.error("changegate: error: \(error)")
            throw ExitCode.error
        }
        if let problem = scanner.indexProblem {
            Standard.error("changegate: warning: \(problem); the rest of the scan read every commit")
        }
        if !noIndex {
            // Beside the index, the graph the next walk reads; a failure costs that walk time only.
            do {
                try WalkGraph.refresh(
                    scanner.repository,
                    heads: [try HistoryScanner.head(of: scanner.query.revisions, in: scanner.repository)])
            } catch {
                Standard.error(
                    "changegate: warning: the commit-graph \(WalkGraph.folder(gitDirectory: scanner.repository.path)) was not written: \(error)"
                )
            }
        }
    }

    /// Writes the progress line to standard error as it is (no newline: it rewrites itself).
    private static func terminal(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// Writes straight to standard output, unbuffered: ndjson consumers see each row as it is found.
    private static func output(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            // A closed pipe (`| head`): stop quietly, as git does.
            guard written > 0 else { Standard.exit(0) }
            bytes = bytes.dropFirst(written)
        }
    }
}
