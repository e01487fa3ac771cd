import Foundation
import PolicyDSL

/// Computes the settings diff between two commits of a repository: tree diff (rename-aware,
/// limited to the selected files), blobs read once each, parsed, flattened and compared.
///
/// The work is in files by concern: planning (the tree diff and what of it the selection reads,
/// `+Planning`), reading blobs through the caches and the read budget (`+Cache`), parsing on every
/// core (`+Parsing`), single files and settings for the gate (`+Lookups`), symbolic links
/// (`+Links`), and here the comparison of each file.
///
/// Thread safety: a value that holds a ``Repository``, so it is used by one task at a time, as its
/// repository is. A server takes the repository from a ``RepositoryPool`` for each request and
/// shares parsed files between requests through a ``BlobSettingsCache`` (``sharedCache``), which
/// any number of tasks may use at once.
public struct RepositorySettingsDiff {
    public let repository: Repository
    public let selectors: [FileSelector]
    public var reader: ConfigReader
    /// When true, a renamed file's unchanged settings are ``ChangeKind/renamed`` changes (the gate
    /// and `diff` want them: a rename moves settings into another scope); a history walk lists
    /// only changed values.
    public var reportsMovedSettings = false
    /// When true (`diff`, `history`), a symbolic link is read as the file it points to in the same
    /// commit. The gate leaves it false and refuses a selected link: a later change to the file it
    /// points to would change these settings under another path, judged by that path's rules.
    public var followsSymbolicLinks = false
    /// Parsed files shared with other requests (other repositories too); nil keeps them to this
    /// diff alone. Asked after this diff's own readings and before the blob is read.
    public var sharedCache: BlobSettingsCache?
    /// The selectors' globs, compiled once for every path of every diff.
    let compiled: CompiledFileSelectors
    /// Each blob read once per reading key: its flattened settings (the gate asks for the same blobs
    /// again, the revert look-back and a history walk too), or why it could not be read. The same
    /// bytes read as another format are another reading.
    var readings: [BlobReadingKey: BlobReading] = [:]
    /// Where each key is in a reading's settings, for the blobs whose single settings are looked
    /// up (the revert look-back, the policy's `head(…)`); a diff itself needs none.
    var indexes: [BlobReadingKey: [String: Int]] = [:]
    /// How the selectors take each path, matched once.
    var selections: [String: CompiledFileSelectors.Selection] = [:]
    /// The policy's `secret` patterns; secret-looking names are redacted without them. Setting them
    /// forgets which keys were found secret or not, and the redactor made with the old ones.
    public var secretPatterns: [KeyPathPattern] = [] {
        didSet {
            secretKeys = [:]
            redactor = nil
        }
    }
    /// Where the redaction key is read (``SecretRedactor/keyPath(gitDirectory:environment:)``).
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Made when the first secret change is met: most diffs have none and never read the key.
    private var redactor: SecretRedactor?
    /// Keys already known to be secret or not (``redacted(_:)``), bounded.
    private var secretKeys: [String: Bool] = [:]
    /// The most bytes of blobs read in all (``ReadBudget``); nil reads without a bound (a history
    /// walk trims its cache instead). Each blob counts once, when its bytes are first read.
    public var maxBytesRead: Int?
    /// The bytes of the blobs read so far, each counted once.
    public internal(set) var bytesRead = 0
    /// The blobs whose bytes ``bytesRead`` counts.
    var charged: Set<ObjectID> = []
    /// Blob sizes ``weigh(_:)`` read from the headers, so that reading each does not ask again.
    var sizes: [ObjectID: Int] = [:]
    /// The first read ``maxBytesRead`` refused (it reads as a `tooLarge` error for that file): a
    /// caller that must judge everything it asked for fails on it.
    public internal(set) var budgetRefusal: ReadBudgetExceeded?

    /// - Parameters:
    ///   - repository: the repository the commits are in, used by this diff's task alone.
    ///   - selectors: the files whose settings are compared.
    ///   - reader: the readers' limits.
    ///   - sharedCache: parsed files shared with other requests (``sharedCache``).
    public init(
        repository: Repository, selectors: [FileSelector] = FileSelector.knownConfigFiles,
        reader: ConfigReader = ConfigReader(), sharedCache: BlobSettingsCache? = nil
    ) {
        self.repository = repository
        self.selectors = selectors
        self.compiled = CompiledFileSelectors(selectors)
        self.reader = reader
        self.sharedCache = sharedCache
    }

    /// `changegate diff BASE HEAD`: the two trees (`git diff BASE HEAD`), or with `fromMergeBase`
    /// what the head changed since it forked from the base (`git diff BASE...HEAD`). The report
    /// keeps how the two relate, so that a base that is not an ancestor is said, never silent.
    public mutating func diff(revisions base: ObjectID, _ head: ObjectID, fromMergeBase: Bool) throws(GitError)
        -> SettingsDiffReport
    {
        let ancestry = try repository.ancestry(of: base, and: head)
        var from = base
        if fromMergeBase {
            guard let mergeBase = ancestry.mergeBase else { throw .noMergeBase(base: base.short, head: head.short) }
            from = mergeBase
        }
        var report = try diff(from: from, to: head)
        report.ancestry = ancestry
        report.fromMergeBase = fromMergeBase
        return report
    }

    /// The changes from `base` to `head`; `nil` on either side stands for the empty tree.
    /// With ``maxBytesRead``, a change whose files pass it is refused before any is read: the report
    /// has no changes, one error, and ``budgetRefusal`` says what it would have read.
    public mutating func diff(from base: ObjectID?, to head: ObjectID?) throws(GitError) -> SettingsDiffReport {
        let plan = try plan(from: base, to: head)
        if let refusal = try weigh(plan) {
            if budgetRefusal == nil { budgetRefusal = refusal }
            var report = SettingsDiffReport(
                base: base, head: head, files: plan.files, changes: [], errors: [], warnings: [])
            report.touchedPaths = plan.touchedPaths
            report.gitlinks = plan.gitlinks
            report.errors = [FileProblem(file: refusal.reads.first?.path ?? "", message: refusal.description)]
            return report
        }
        try preload(plan.blobs)
        return try report(for: plan)
    }

    /// The settings diff of a plan: blobs not preloaded are read now.
    mutating func report(for plan: Plan) throws(GitError) -> SettingsDiffReport {
        var report = SettingsDiffReport(
            base: plan.base, head: plan.head, files: plan.files, changes: [], errors: [], warnings: [])
        report.touchedPaths = plan.touchedPaths
        report.gitlinks = plan.gitlinks
        var files: [FileDelta] = []
        for delta in plan.files where try compare(delta, base: plan.base, head: plan.head, into: &report) {
            files.append(delta)
        }
        report.files = files
        return report
    }

    /// One side of a file delta, as far as the selection is concerned.
    struct Side {
        var path: String
        var blob: ObjectID
        var mode: UInt32
        var format: ConfigFormat?
        /// When the side is read only if a file's content is a system's: the systems and formats.
        var candidates: [CompiledFileSelectors.Candidate] = []
        /// The commit the side is in (for following a link).
        var commit: ObjectID? = nil
    }

    /// Compares one file; false when a `detect` selection turned out not to read it.
    @discardableResult
    private mutating func compare(
        _ delta: FileDelta, base baseCommit: ObjectID?, head headCommit: ObjectID?,
        into report: inout SettingsDiffReport
    ) throws(GitError) -> Bool {
        var baseSide = side(path: delta.oldPath, blob: delta.oldBlob, mode: delta.oldMode)
        var headSide = side(path: delta.newPath, blob: delta.newBlob, mode: delta.newMode)
        baseSide?.commit = baseCommit
        headSide?.commit = headCommit
        // A symbolic link is read as the file it points to in the same commit: that is what the
        // consumer reads. One that leads nowhere readable is an error, if the file is selected.
        var linkProblems: [FileProblem] = []
        for (index, commit) in [(0, baseCommit), (1, headCommit)] where followsSymbolicLinks {
            guard let side = index == 0 ? baseSide : headSide, side.mode == Self.symlinkMode, let commit else {
                continue
            }
            switch try followLinks(from: side, in: commit) {
            case .success(let target): if index == 0 { baseSide = target } else { headSide = target }
            case .failure(let problem): linkProblems.append(problem)
            }
        }
        let bySelection = [baseSide, headSide].contains { $0 != nil && $0!.candidates.isEmpty }
        if !bySelection {
            // Read by content only: when one side is the system's, both sides are that file, read
            // as the format that showed it (a head that no longer parses is then an error).
            let found = try baseSide.flatMap { (side) throws(GitError) in try detected(side) }
            let foundHead = try headSide.flatMap { (side) throws(GitError) in try detected(side) }
            guard let system = (foundHead ?? found)?.system else { return false }
            for index in 0..<2 {
                var side = index == 0 ? baseSide : headSide
                guard side != nil, !side!.candidates.isEmpty else { continue }
                side!.format =
                    side!.candidates.first { $0.system == system }?.format ?? side!.format
                if index == 0 { baseSide = side } else { headSide = side }
            }
        }
        guard let file = headSide?.path ?? baseSide?.path else { return false }
        if !linkProblems.isEmpty {
            report.errors += linkProblems
            return true
        }
        var failed = false
        var warnings: [ConfigDiagnostic] = []
        // How often each key is defined twice on the base side: a duplicate the base already had
        // stays a warning (the file can still be edited, and the duplicate's removal land).
        var baseDuplicates: [String: Int] = [:]
        func read(_ side: Side?, isHead: Bool) throws(GitError) -> [Setting] {
            guard let side else { return [] }
            guard let format = side.format else {
                report.errors.append(
                    FileProblem(
                        file: side.path, message: "cannot tell the format of this file; name it with `as FORMAT`"))
                failed = true
                return []
            }
            if side.mode == Self.symlinkMode {
                report.errors.append(
                    FileProblem(
                        file: side.path,
                        message:
                            "a symbolic link: the gate judges the files a commit holds, and a later change to the file "
                            + "it points to would change these settings under another path, judged by that path's "
                            + "rules; commit the file itself, or leave the link out with `except \"GLOB\"` "
                            + "(`changegate diff` shows the settings it points to)"))
                failed = true
                return []
            }
            guard FileDelta.isRegularFile(mode: side.mode) else {
                report.errors.append(
                    FileProblem(
                        file: side.path,
                        message: "not a regular file (mode \(String(side.mode, radix: 8))); its settings cannot be read"
                    ))
                failed = true
                return []
            }
            switch try reading(side.blob, path: side.path, format: format) {
            case .settings(let settings, let found, _):
                // A key the change defines twice is refused: the gate reads the last, tomllib,
                // configparser and Go's yaml.v3 refuse the file, some readers take the first. A
                // duplicate the base already had stays a warning, so the file stays editable.
                let duplicates = found.filter { $0.kind == .duplicateKey }
                if !isHead {
                    for duplicate in duplicates { baseDuplicates[duplicate.key ?? "", default: 0] += 1 }
                } else if !duplicates.isEmpty {
                    var allowance = baseDuplicates
                    var added: [ConfigDiagnostic] = []
                    for duplicate in duplicates {
                        let key = duplicate.key ?? ""
                        if allowance[key, default: 0] > 0 {
                            allowance[key, default: 0] -= 1
                        } else {
                            added.append(duplicate)
                        }
                    }
                    if !added.isEmpty {
                        for duplicate in added { report.errors.append(FileProblem(duplicateKey: duplicate)) }
                        failed = true
                        return []
                    }
                }
                warnings += found
                return settings
            case .failed(let error, _):
                report.errors.append(FileProblem(error))
                failed = true
                return []
            }
        }
        let errorsBefore = report.errors.count
        let base = try read(baseSide, isHead: false)
        let head = try read(headSide, isHead: true)
        // Both sides failing the same way (the same line, unchanged) is one error, said once.
        if report.errors.count == errorsBefore + 2, report.errors[errorsBefore] == report.errors[errorsBefore + 1] {
            report.errors.removeLast()
        }
        if failed { return true }
        if Self.holdsOneDocument(base), Self.holdsOneDocument(head) { report.singleDocumentFiles.insert(file) }
        let previous = baseSide.flatMap { $0.path != file ? $0.path : nil }
        let changes = SettingsDiff.changes(
            file: file, previousFile: previous, base: base, head: head, movedWithRename: reportsMovedSettings)
        if changes.isEmpty, let baseSide, let headSide, baseSide.blob != headSide.blob {
            report.formattingOnly.append(file)
        }
        report.changes += redacted(changes)
        // A warning both sides share (a duplicate the base already had) is said once.
        var seen = Set<String>()
        report.warnings += warnings.filter { seen.insert($0.description).inserted }
        return true
    }
}

extension RepositorySettingsDiff {
    /// `changes` with the values of secret settings replaced by their keyed hashes, before anything
    /// can print or store them; the comparison itself was made on the values.
    fileprivate mutating func redacted(_ changes: [SettingChange]) -> [SettingChange] {
        var secret: [Bool] = []
        secret.reserveCapacity(changes.count)
        for change in changes { secret.append(isSecret(change.key)) }
        guard secret.contains(true) else { return changes }
        if redactor == nil {
            let path = SecretRedactor.keyPath(gitDirectory: repository.path, environment: environment)
            redactor = SecretRedactor(patterns: secretPatterns, key: SecretRedactor.loadKey(at: path))
        }
        var out = changes
        for index in out.indices where secret[index] { out[index] = redactor!.redacted(out[index]) }
        return out
    }

    /// Whether a key's values are redacted, worked out once per key: a long history meets the same
    /// keys in commit after commit (the segment test was a seventh of a scan of large manifests).
    private mutating func isSecret(_ key: String) -> Bool {
        if let known = secretKeys[key] { return known }
        let secret = SecretRedactor.hasSecretSegment(key) || secretPatterns.contains { $0.matches(key) }
        if secretKeys.count >= 200_000 { secretKeys = [:] }
        secretKeys[key] = secret
        return secret
    }
}
