import Dispatch
import Foundation
import PolicyDSL

/// Computes the settings diff between two commits of a repository: tree diff (rename-aware,
/// limited to the selected files), blobs read once each, parsed, flattened and compared.
public struct RepositorySettingsDiff {
    public let repository: Repository
    public let selectors: [FileSelector]
    public var reader: ConfigReader
    /// When true, a renamed file's unchanged settings are ``ChangeKind/renamed`` changes (the gate
    /// and `diff` want them: a rename moves settings into another scope); a history walk lists
    /// only changed values.
    public var reportsMovedSettings = false
    /// The selectors' globs, compiled once for every path of every diff.
    private let compiled: CompiledFileSelectors
    /// Each blob read once per format: its flattened settings (the gate asks for the same blobs
    /// again, the revert look-back and a history walk too), or why it could not be read. The same
    /// bytes read as another format are another reading.
    private var readings: [CacheKey: Reading] = [:]
    /// Where each key is in a reading's settings, for the blobs whose single settings are looked
    /// up (the revert look-back, the policy's `head(…)`); a diff itself needs none.
    private var indexes: [CacheKey: [String: Int]] = [:]
    /// Each path's format under the selectors (nil: not selected or not told), matched once.
    private var formats: [String: ConfigFormat?] = [:]
    /// The policy's `secret` patterns; secret-looking names are redacted without them.
    public var secretPatterns: [KeyPathPattern] = []
    /// Where the redaction key is read (``SecretRedactor/keyPath(gitDirectory:environment:)``).
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Made when the first secret change is met: most diffs have none and never read the key.
    private var redactor: SecretRedactor?
    /// The most bytes of blobs read in all (``ReadBudget``); nil reads without a bound (a history
    /// walk trims its cache instead). Each blob counts once, when its bytes are first read.
    public var maxBytesRead: Int?
    /// The bytes of the blobs read so far, each counted once.
    public private(set) var bytesRead = 0
    /// The blobs whose bytes ``bytesRead`` counts.
    private var charged: Set<ObjectID> = []
    /// Blob sizes ``weigh(_:)`` read from the headers, so that reading each does not ask again.
    private var sizes: [ObjectID: Int] = [:]
    /// The first read ``maxBytesRead`` refused (it reads as a `tooLarge` error for that file): a
    /// caller that must judge everything it asked for fails on it.
    public private(set) var budgetRefusal: ReadBudgetExceeded?

    fileprivate struct CacheKey: Hashable, Sendable {
        var blob: ObjectID
        var format: ConfigFormat
    }

    /// A blob as read: its settings and warnings, or the error. Paths inside are those of the
    /// file it was first read as; ``relocated(to:)`` moves them to another file of the same content.
    fileprivate enum Reading: Sendable {
        /// The settings in document order.
        case settings([Setting], warnings: [ConfigDiagnostic])
        case failed(ConfigError)

        func relocated(to path: String) -> Reading {
            switch self {
            case .settings(let settings, let warnings):
                guard warnings.contains(where: { $0.path != path }) else { return self }
                return .settings(
                    settings,
                    warnings: warnings.map { warning in
                        var moved = warning
                        moved.path = path
                        return moved
                    })
            case .failed(var error):
                error.path = path
                return .failed(error)
            }
        }
    }

    public init(
        repository: Repository, selectors: [FileSelector] = FileSelector.knownConfigFiles,
        reader: ConfigReader = ConfigReader()
    ) {
        self.repository = repository
        self.selectors = selectors
        self.compiled = CompiledFileSelectors(selectors)
        self.reader = reader
    }

    /// How many blobs are held read. The cache has no bound of its own: one diff or one gate
    /// decision reads few blobs, but a walk over a long history should trim it now and then.
    public var cachedBlobCount: Int { readings.count }

    /// Forgets every blob read and path format; blobs are read again when asked for.
    public mutating func clearCache() {
        readings.removeAll()
        indexes.removeAll()
        formats.removeAll()
        sizes.removeAll()
    }

    /// Forgets the blobs read except `blobs`: a history walk keeps the old sides it will meet again
    /// as the new sides of earlier commits.
    public mutating func keepCache(onlyFor blobs: Set<ObjectID>) {
        readings = readings.filter { blobs.contains($0.key.blob) }
        indexes = indexes.filter { blobs.contains($0.key.blob) }
        if formats.count > 100_000 { formats.removeAll() }
    }

    /// What a diff between two commits reads: the tree diff, its part in the selection and the
    /// blobs of that part. ``diff(from:to:)`` is ``plan(from:to:)``, ``preload(_:)`` of its blobs
    /// and ``report(for:)``; a history walk plans many commits and preloads their blobs at once.
    public struct Plan: Sendable {
        public var base: ObjectID?
        public var head: ObjectID?
        /// The changed files within the selection.
        public var files: [FileDelta]
        /// Every path touched, in the selection or not, sorted.
        public var touchedPaths: [String]
        /// The blobs to read, with the path each is read as: both sides of every selected file.
        public var blobs: [(blob: ObjectID, path: String)]
        /// Paths where the head has a gitlink (a submodule entry) the change added or repointed,
        /// in the selection or not: files inside one are never read (``CheckoutAttributes``).
        public var gitlinks: [String] = []
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

    /// The tree diff from `base` to `head` and what of it the selection reads.
    public mutating func plan(from base: ObjectID?, to head: ObjectID?) throws(GitError) -> Plan {
        // One tree diff of everything: the touched paths come from it, the settings from the
        // selected part.
        let all = try repository.diff(from: base, to: head)
        var touched = Set<String>()
        var files: [FileDelta] = []
        var gitlinks: [String] = []
        for delta in all {
            if delta.newMode == 0o160000, let path = delta.newPath { gitlinks.append(path) }
            var selected = false
            for path in [delta.oldPath, delta.newPath] {
                guard let path else { continue }
                touched.insert(path)
                if !selected, compiled.paths.matches(path) { selected = true }
            }
            if selected { files.append(delta) }
        }
        return Plan(
            base: base, head: head, files: files, touchedPaths: touched.sorted(), blobs: blobs(of: files),
            gitlinks: gitlinks)
    }

    /// A plan cut into plans of at most `filesPerPart` files each, to be read and reported one
    /// after the other: a commit that adds thousands of files need not hold them all parsed.
    public mutating func parts(of plan: Plan, filesPerPart: Int) -> [Plan] {
        stride(from: 0, to: plan.files.count, by: max(1, filesPerPart)).map { start in
            let files = Array(plan.files[start..<min(start + max(1, filesPerPart), plan.files.count)])
            return Plan(
                base: plan.base, head: plan.head, files: files, touchedPaths: plan.touchedPaths,
                blobs: blobs(of: files), gitlinks: plan.gitlinks)
        }
    }

    /// Both sides of every file, where they are regular files in the selection.
    private mutating func blobs(of files: [FileDelta]) -> [(blob: ObjectID, path: String)] {
        var blobs: [(blob: ObjectID, path: String)] = []
        for delta in files {
            for side in [
                side(path: delta.oldPath, blob: delta.oldBlob, mode: delta.oldMode),
                side(path: delta.newPath, blob: delta.newBlob, mode: delta.newMode),
            ] {
                if let side, FileDelta.isRegularFile(mode: side.mode) { blobs.append((side.blob, side.path)) }
            }
        }
        return blobs
    }

    /// The settings diff of a plan: blobs not preloaded are read now.
    public mutating func report(for plan: Plan) throws(GitError) -> SettingsDiffReport {
        var report = SettingsDiffReport(
            base: plan.base, head: plan.head, files: plan.files, changes: [], errors: [], warnings: [])
        report.touchedPaths = plan.touchedPaths
        report.gitlinks = plan.gitlinks
        for delta in plan.files {
            try compare(delta, into: &report)
        }
        return report
    }

    /// Reads the blobs not read yet, parsing on every core when there are several: reading a blob
    /// is libgit2's work (on this thread), parsing and flattening are pure.
    public mutating func preload(_ blobs: [(blob: ObjectID, path: String)]) throws(GitError) {
        store(try unparsed(blobs).parse())
    }

    /// The contents of the blobs not read yet, to be parsed on any thread with
    /// ``UnparsedBlobs/parse()`` and kept with ``store(_:)``: a history walk reads the next commits
    /// while the blobs of the last ones are parsed. Blobs that cannot be parsed at all (binary,
    /// too large) are recorded now.
    public mutating func unparsed(_ blobs: [(blob: ObjectID, path: String)]) throws(GitError) -> UnparsedBlobs {
        var jobs: [UnparsedBlobs.Job] = []
        var queued = Set<CacheKey>()
        for (blob, path) in blobs {
            guard let format = format(for: path) ?? ConfigFormat(path: path) else { continue }
            let key = CacheKey(blob: blob, format: format)
            guard readings[key] == nil, queued.insert(key).inserted else { continue }
            switch try content(of: blob, path: path) {
            case .success(let bytes): jobs.append(UnparsedBlobs.Job(key: key, path: path, bytes: bytes))
            case .failure(let error): readings[key] = .failed(error)
            }
        }
        return UnparsedBlobs(jobs: jobs, reader: reader)
    }

    /// Keeps blobs parsed by ``UnparsedBlobs/parse()``.
    public mutating func store(_ parsed: ParsedBlobs) {
        for (key, reading) in parsed.readings { readings[key] = reading }
    }

    /// Blob contents read from the repository and not parsed yet.
    public struct UnparsedBlobs: Sendable {
        fileprivate struct Job: Sendable {
            var key: CacheKey
            var path: String
            var bytes: [UInt8]
        }
        fileprivate let jobs: [Job]
        fileprivate let reader: ConfigReader

        public var isEmpty: Bool { jobs.isEmpty }

        /// Parses and flattens every blob, on every core when there are several. Pure: any thread.
        public func parse() -> ParsedBlobs {
            let reader = self.reader
            // Below a few small files threads cost more than they save; two large ones (the two
            // sides of a 1 MiB file) are worth a thread each.
            let bytes = jobs.reduce(0) { $0 + $1.bytes.count }
            guard jobs.count > 4 || (jobs.count > 1 && bytes > 128 * 1_024) else {
                return ParsedBlobs(
                    readings: jobs.map {
                        ($0.key, RepositorySettingsDiff.read($0.bytes, path: $0.path, format: $0.key.format, reader))
                    })
            }
            let work = jobs
            var results = [Reading?](repeating: nil, count: jobs.count)
            results.withUnsafeMutableBufferPointer { slots in
                nonisolated(unsafe) let slots = slots
                DispatchQueue.concurrentPerform(iterations: work.count) { index in
                    let job = work[index]
                    slots[index] = RepositorySettingsDiff.read(
                        job.bytes, path: job.path, format: job.key.format, reader)
                }
            }
            return ParsedBlobs(readings: zip(jobs, results).compactMap { job, result in result.map { (job.key, $0) } })
        }
    }

    /// Blobs parsed, to be kept with ``store(_:)``.
    public struct ParsedBlobs: Sendable {
        fileprivate var readings: [(CacheKey, Reading)]
    }

    /// The flattened settings of the file at `path` in `commit`, or nil when there is no such file
    /// or it cannot be read (the diff reports why). With `keys`, only those of them the file has.
    public mutating func values(of path: String, at commit: ObjectID, keys: Set<String>? = nil) throws(GitError)
        -> [String: ConfigValue]?
    {
        guard let blob = try repository.file(at: path, in: commit) else { return nil }
        return try values(ofBlob: blob, path: path, keys: keys)
    }

    /// The flattened settings of a blob read as the file at `path` (with `keys`, only those of
    /// them it has), or nil when it cannot be read.
    public mutating func values(ofBlob blob: ObjectID, path: String, keys: Set<String>? = nil) throws(GitError)
        -> [String: ConfigValue]?
    {
        guard let keys else {
            guard let settings = try settings(ofBlob: blob, path: path) else { return nil }
            var values: [String: ConfigValue] = [:]
            values.reserveCapacity(settings.count)
            for setting in settings { values[setting.key] = setting.value }
            return values
        }
        guard let settings = try settings(ofBlob: blob, path: path) else { return nil }
        // One pass over the file: cheaper than an index of it for the few keys a policy names.
        // (Keys compare as Swift strings, canonically: no byte-level shortcut.)
        var values: [String: ConfigValue] = [:]
        for setting in settings where keys.contains(setting.key) {
            values[setting.key] = setting.value
        }
        return values
    }

    /// The flattened settings of a blob read as the file at `path`, in document order, or nil when
    /// it cannot be read.
    public mutating func settings(ofBlob blob: ObjectID, path: String) throws(GitError) -> [Setting]? {
        guard let format = format(for: path) ?? ConfigFormat(path: path) else { return nil }
        guard case .settings(let settings, _) = try reading(blob, path: path, format: format) else { return nil }
        return settings
    }

    /// One setting of a blob read as the file at `path`: nil when the blob has no such key or cannot
    /// be read. The blob's keys are indexed on the first lookup.
    public mutating func setting(_ key: String, ofBlob blob: ObjectID, path: String) throws(GitError) -> Setting? {
        guard let format = format(for: path) ?? ConfigFormat(path: path) else { return nil }
        guard case .settings(let settings, _) = try reading(blob, path: path, format: format) else { return nil }
        let cacheKey = CacheKey(blob: blob, format: format)
        if indexes[cacheKey] == nil {
            var index: [String: Int] = [:]
            index.reserveCapacity(settings.count)
            for (position, setting) in settings.enumerated() { index[setting.key] = position }
            indexes[cacheKey] = index
        }
        return indexes[cacheKey]?[key].map { settings[$0] }
    }

    /// Parses and flattens bytes: what the threads of ``preload(_:)`` run.
    fileprivate static func read(_ bytes: [UInt8], path: String, format: ConfigFormat, _ reader: ConfigReader)
        -> Reading
    {
        do throws(ConfigError) {
            let config = try reader.read(bytes, path: path, format: format)
            let settings = try SettingsFlattener.settings(of: config, limits: reader.limits)
            return .settings(settings, warnings: config.warnings)
        } catch {
            return .failed(error)
        }
    }

    /// Whether reading the plan's blobs keeps within ``maxBytesRead``, from their sizes alone
    /// (nothing is read): nil when it does or there is no bound, else every blob still to read.
    public mutating func weigh(_ plan: Plan) throws(GitError) -> ReadBudgetExceeded? {
        guard let maxBytesRead else { return nil }
        var reads: [ReadBudgetExceeded.Read] = []
        var seen = charged
        for delta in plan.files {
            for (path, blob, mode, side) in [
                (delta.oldPath, delta.oldBlob, delta.oldMode, "base"),
                (delta.newPath, delta.newBlob, delta.newMode, "head"),
            ] {
                guard let path, let blob, FileDelta.isRegularFile(mode: mode), compiled.paths.matches(path),
                    seen.insert(blob).inserted
                else { continue }
                let size = try repository.blobSize(blob)
                sizes[blob] = size
                // A file over the per-file limit is refused on its own and never read.
                guard size <= reader.limits.maxFileSize else { continue }
                reads.append(ReadBudgetExceeded.Read(path: path, side: side, bytes: size))
            }
        }
        let refusal = ReadBudgetExceeded(
            reads: reads.sorted { ($0.bytes, $1.path) > ($1.bytes, $0.path) }, alreadyRead: bytesRead,
            maxBytes: maxBytesRead, lookBack: false)
        return refusal.total > maxBytesRead ? refusal : nil
    }

    /// Counts a blob about to be read against ``maxBytesRead``: the error to record instead when it
    /// would pass the bound (its size comes from the header; nothing is read).
    private mutating func charge(_ blob: ObjectID, path: String) throws(GitError) -> ConfigError? {
        guard let maxBytesRead, !charged.contains(blob) else { return nil }
        var size = sizes[blob] ?? -1
        if size < 0 { size = try repository.blobSize(blob) }
        guard size <= reader.limits.maxFileSize else { return nil }
        guard bytesRead + size <= maxBytesRead else {
            let refusal = ReadBudgetExceeded(
                reads: [ReadBudgetExceeded.Read(path: path, side: "version \(blob.short)", bytes: size)],
                alreadyRead: bytesRead, maxBytes: maxBytesRead, lookBack: true)
            if budgetRefusal == nil { budgetRefusal = refusal }
            return ConfigError(.tooLarge, path: path, at: nil, refusal.description)
        }
        bytesRead += size
        charged.insert(blob)
        return nil
    }

    /// A blob's bytes, or why they are not parsed (binary, over the size limit, over the bytes
    /// this decision may read).
    private mutating func content(of blob: ObjectID, path: String) throws(GitError) -> Result<[UInt8], ConfigError> {
        if let refused = try charge(blob, path: path) { return .failure(refused) }
        switch try repository.blob(blob, maxSize: reader.limits.maxFileSize) {
        case .binary(let size):
            // Git calls UTF-16 binary (its NUL bytes); the reader decodes or refuses it, saying why.
            let bytes = try repository.rawBlob(blob, maxSize: reader.limits.maxFileSize) ?? []
            if UTF16Decoding.encoding(of: bytes) != nil { return .success(bytes) }
            let hint =
                UTF16Decoding.looksLikeUTF16WithoutMark(bytes)
                ? ": it looks like UTF-16 without a byte-order mark, which no reader of the format takes; save it "
                    + "as UTF-8" : ""
            return .failure(
                ConfigError(.unsupported, path: path, at: nil, "binary content (\(size) bytes); not parsed\(hint)"))
        case .tooLarge(let size):
            return .failure(
                ConfigError(
                    .tooLarge, path: path, at: nil,
                    "file is \(size) bytes, over the limit of \(reader.limits.maxFileSize) bytes; not parsed"))
        case .text(let bytes):
            return .success(bytes)
        }
    }

    /// A blob read as `format`, from the cache or now, its paths those of `path`.
    private mutating func reading(_ blob: ObjectID, path: String, format: ConfigFormat) throws(GitError) -> Reading {
        let key = CacheKey(blob: blob, format: format)
        if let known = readings[key] { return known.relocated(to: path) }
        let reading: Reading
        switch try content(of: blob, path: path) {
        case .success(let bytes): reading = Self.read(bytes, path: path, format: format, reader)
        case .failure(let error): reading = .failed(error)
        }
        readings[key] = reading
        return reading
    }

    /// One side of a file delta, as far as the selection is concerned.
    private struct Side {
        var path: String
        var blob: ObjectID
        var mode: UInt32
        var format: ConfigFormat?
    }

    private mutating func format(for path: String) -> ConfigFormat? {
        if let known = formats[path] { return known }
        let format = compiled.format(for: path)
        formats[path] = format
        return format
    }

    private mutating func side(path: String?, blob: ObjectID?, mode: UInt32) -> Side? {
        // A side outside the selection (renamed to `x.yaml.disabled`, say) counts as absent: its
        // settings are all removed (or all added), never silently carried over.
        guard let path, let blob, compiled.paths.matches(path) else { return nil }
        return Side(path: path, blob: blob, mode: mode, format: format(for: path))
    }

    private mutating func compare(_ delta: FileDelta, into report: inout SettingsDiffReport) throws(GitError) {
        let baseSide = side(path: delta.oldPath, blob: delta.oldBlob, mode: delta.oldMode)
        let headSide = side(path: delta.newPath, blob: delta.newBlob, mode: delta.newMode)
        guard let file = headSide?.path ?? baseSide?.path else { return }
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
            case .settings(let settings, let found):
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
            case .failed(let error):
                report.errors.append(FileProblem(error))
                failed = true
                return []
            }
        }
        let base = try read(baseSide, isHead: false)
        let head = try read(headSide, isHead: true)
        if failed { return }
        let previous = baseSide.flatMap { $0.path != file ? $0.path : nil }
        let changes = SettingsDiff.changes(
            file: file, previousFile: previous, base: base, head: head, movedWithRename: reportsMovedSettings)
        if changes.isEmpty, let baseSide, let headSide, baseSide.blob != headSide.blob {
            report.formattingOnly.append(file)
        }
        report.changes += redacted(changes)
        report.warnings += warnings
    }
}

extension RepositorySettingsDiff {
    /// `changes` with the values of secret settings replaced by their keyed hashes, before anything
    /// can print or store them; the comparison itself was made on the values.
    fileprivate mutating func redacted(_ changes: [SettingChange]) -> [SettingChange] {
        guard
            changes.contains(where: { change in
                SecretRedactor.hasSecretSegment(change.key) || secretPatterns.contains { $0.matches(change.key) }
            })
        else { return changes }
        if redactor == nil {
            let path = SecretRedactor.keyPath(gitDirectory: repository.path, environment: environment)
            redactor = SecretRedactor(patterns: secretPatterns, key: SecretRedactor.loadKey(at: path))
        }
        return changes.map { redactor!.redacting($0) }
    }
}

extension FileProblem {
    init(_ error: ConfigError) {
        self.init(file: error.path, line: error.position?.line, column: error.position?.column, message: error.message)
    }

    /// A duplicated key as an error, at the later definition, naming the earlier one.
    init(duplicateKey duplicate: ConfigDiagnostic) {
        let earlier = duplicate.earlier.map { " (first at line \($0.line))" } ?? ""
        self.init(
            file: duplicate.path, line: duplicate.position.line, column: duplicate.position.column,
            message:
                "key `\(duplicate.key ?? "?")` is defined twice in one map\(earlier): readers disagree on "
                + "which one counts (PyYAML and Go's encoding/json take the last, tomllib, configparser and Go's "
                + "yaml.v3 refuse the file); keep one definition and delete the other")
    }
}
