import Dispatch
import Foundation
import PolicyDSL

/// Computes the settings diff between two commits of a repository: tree diff (rename-aware,
/// limited to the selected files), blobs read once each, parsed, flattened and compared.
///
/// The usual call is ``diff(from:to:)`` (or ``diff(revisions:_:fromMergeBase:)`` for `changegate
/// diff`), which returns a ``SettingsDiffReport`` whose `errors` name every file that could not be
/// compared, and throws only ``GitError``. The other methods are the pipeline's steps for callers
/// that schedule it themselves (``HistoryScanner``, ``Gate``): ``plan(from:to:)`` lists the files
/// and blobs, ``weigh(_:)`` checks them against ``maxBytesRead`` before anything is read,
/// ``unparsed(_:)`` and ``UnparsedBlobs/parse()`` parse blobs off the calling thread, ``store(_:)``
/// keeps the results, and ``report(for:)`` compares. Each blob's settings are kept once read (a
/// cache by blob id, ``clearCache()`` and ``keepCache(onlyFor:)`` bound it); the lookups
/// (``values(of:at:keys:)``, ``settings(ofBlob:path:)``, ``setting(_:ofBlob:path:)``) read through
/// it. Not thread-safe: it holds a ``Repository``.
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
    /// The selectors' globs, compiled once for every path of every diff.
    private let compiled: CompiledFileSelectors
    /// Each blob read once per format: its flattened settings (the gate asks for the same blobs
    /// again, the revert look-back and a history walk too), or why it could not be read. The same
    /// bytes read as another format are another reading.
    private var readings: [CacheKey: Reading] = [:]
    /// Where each key is in a reading's settings, for the blobs whose single settings are looked
    /// up (the revert look-back, the policy's `head(…)`); a diff itself needs none.
    private var indexes: [CacheKey: [String: Int]] = [:]
    /// How the selectors take each path, matched once.
    private var selections: [String: CompiledFileSelectors.Selection] = [:]
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
        /// The settings in document order, and the systems whose configuration the file is.
        case settings([Setting], warnings: [ConfigDiagnostic], systems: Set<ConfigSystem>)
        /// Why it could not be read, and the systems whose configuration its bytes still look like
        /// (a `detect` selector must not pass over a Patroni file only because it does not parse).
        case failed(ConfigError, suspected: Set<ConfigSystem> = [])

        func relocated(to path: String) -> Reading {
            switch self {
            case .settings(let settings, let warnings, let systems):
                guard warnings.contains(where: { $0.path != path }) else { return self }
                return .settings(
                    settings,
                    warnings: warnings.map { warning in
                        var moved = warning
                        moved.path = path
                        return moved
                    }, systems: systems)
            case .failed(var error, let suspected):
                error.path = path
                return .failed(error, suspected: suspected)
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
        selections.removeAll()
        sizes.removeAll()
    }

    /// Forgets the blobs read except `blobs`: a history walk keeps the old sides it will meet again
    /// as the new sides of earlier commits.
    public mutating func keepCache(onlyFor blobs: Set<ObjectID>) {
        readings = readings.filter { blobs.contains($0.key.blob) }
        indexes = indexes.filter { blobs.contains($0.key.blob) }
        if selections.count > 100_000 { selections.removeAll() }
    }

    /// What a diff between two commits reads: the tree diff, its part in the selection and the
    /// blobs of that part. ``diff(from:to:)`` is ``plan(from:to:)``, ``preload(_:)`` of its blobs
    /// and ``report(for:)``; a history walk plans many commits and preloads their blobs at once.
    public struct Plan: Sendable {
        public var base: ObjectID?
        public var head: ObjectID?
        /// The changed files within the selection, and those a `detect` selector reads when their
        /// content is its system's (the report keeps only those that are).
        public var files: [FileDelta]
        /// Every path touched, in the selection or not, sorted.
        public var touchedPaths: [String]
        /// The blobs to read, with the path each is read as: both sides of every selected file.
        public var blobs: [(blob: ObjectID, path: String)]
        /// Paths where the head has a gitlink (a submodule entry) the change added or repointed,
        /// in the selection or not: files inside one are never read (`CheckoutAttributes`).
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
                if !selected, selection(for: path) != .none { selected = true }
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
        var files: [FileDelta] = []
        for delta in plan.files where try compare(delta, base: plan.base, head: plan.head, into: &report) {
            files.append(delta)
        }
        report.files = files
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
            for format in formats(for: path) {
                let key = CacheKey(blob: blob, format: format)
                guard readings[key] == nil, queued.insert(key).inserted else { continue }
                switch try content(of: blob, path: path) {
                case .success(let bytes): jobs.append(UnparsedBlobs.Job(key: key, path: path, bytes: bytes))
                case .failure(let error): readings[key] = .failed(error, suspected: Self.suspected(error))
                }
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
            Self.addDocumentKeys(from: settings, into: &values, wanted: nil)
            return values
        }
        guard let settings = try settings(ofBlob: blob, path: path) else { return nil }
        // One pass over the file: cheaper than an index of it for the few keys a policy names.
        // (Keys compare as Swift strings, canonically: no byte-level shortcut.)
        var values: [String: ConfigValue] = [:]
        for setting in settings where keys.contains(setting.key) {
            values[setting.key] = setting.value
        }
        if values.count < keys.count { Self.addDocumentKeys(from: settings, into: &values, wanted: keys) }
        return values
    }

    /// True when the settings come from one document: all with the same `[doc=…]` prefix, or none.
    static func holdsOneDocument(_ settings: [Setting]) -> Bool {
        guard let first = settings.first else { return true }
        let document = SettingPath.documentKey(first.key)?.document
        return settings.allSatisfy { SettingPath.documentKey($0.key)?.document == document }
    }

    /// `head("spec.maxSyncReplicas")` on a file whose Cluster is `[doc=Cluster/db]`: a key the file
    /// lacks as written is read from the one document that has it, so a rule across two settings
    /// of a Kubernetes resource works whether the resource is named, or alone in its file. When
    /// several documents have it, none is chosen (the rule reads null, as for a missing key).
    static func addDocumentKeys(
        from settings: [Setting], into values: inout [String: ConfigValue], wanted: Set<String>?
    ) {
        var found: [Substring: (document: Substring, value: ConfigValue)] = [:]
        var ambiguous = Set<Substring>()
        for setting in settings {
            guard let split = SettingPath.documentKey(setting.key), values[String(split.key)] == nil,
                wanted.map({ $0.contains(String(split.key)) }) ?? true
            else { continue }
            if let earlier = found[split.key] {
                if earlier.document != split.document { ambiguous.insert(split.key) }
            } else {
                found[split.key] = (split.document, setting.value)
            }
        }
        for (key, entry) in found where !ambiguous.contains(key) { values[String(key)] = entry.value }
    }

    /// The flattened settings of a blob read as the file at `path`, in document order, or nil when
    /// it cannot be read.
    public mutating func settings(ofBlob blob: ObjectID, path: String) throws(GitError) -> [Setting]? {
        guard let format = format(for: path) ?? ConfigFormat(path: path) else { return nil }
        guard case .settings(let settings, _, _) = try reading(blob, path: path, format: format) else { return nil }
        return settings
    }

    /// The failover systems a blob read as the file at `path` is (``ConfigSystem/detect(in:)``, from
    /// its parse), or nil when it cannot be read.
    public mutating func systems(ofBlob blob: ObjectID, path: String) throws(GitError) -> Set<ConfigSystem>? {
        guard let format = format(for: path) ?? ConfigFormat(path: path) else { return nil }
        guard case .settings(_, _, let systems) = try reading(blob, path: path, format: format) else { return nil }
        return systems
    }

    /// One setting of a blob read as the file at `path`: nil when the blob has no such key or cannot
    /// be read. The blob's keys are indexed on the first lookup.
    public mutating func setting(_ key: String, ofBlob blob: ObjectID, path: String) throws(GitError) -> Setting? {
        guard let format = format(for: path) ?? ConfigFormat(path: path) else { return nil }
        guard case .settings(let settings, _, _) = try reading(blob, path: path, format: format) else { return nil }
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
            // Sentinel's file is `.conf` but not INI: as INI its `sentinel …` lines would be one key
            // written many times, each hiding the last (a quorum change would vanish).
            let lower = path.lowercased()
            let format =
                format == .ini && (lower.hasSuffix(".conf") || lower.hasSuffix(".cfg"))
                    && ConfigSystem.looksLikeSentinel(bytes)
                ? .redis : format
            let config = try reader.read(bytes, path: path, format: format)
            let settings = try SettingsFlattener.settings(of: config, limits: reader.limits)
            return .settings(settings, warnings: config.warnings, systems: ConfigSystem.detect(in: config))
        } catch {
            var error = error
            if let hint = hint(for: error, bytes: bytes, format: format) { error.message += hint }
            return .failed(error, suspected: ConfigSystem.suspected(in: bytes))
        }
    }

    /// What to do about a file that does not parse, where its content says what it likely is: the
    /// error stays (the selection asked for the file), the way out is named.
    static func hint(for error: ConfigError, bytes: [UInt8], format: ConfigFormat) -> String? {
        guard error.kind == .syntax || error.kind == .unsupported else { return nil }
        let leaveOut =
            "leave it out with `except \"GLOB\"` on the policy's `files` line or an `ignore \"GLOB\"` line "
            + "(`--exclude GLOB` for diff and history)"
        if ByteSearch.contains(Array("{{".utf8), in: bytes), ByteSearch.contains(Array("}}".utf8), in: bytes) {
            return "; it looks like a template (`{{ … }}`, Helm or Go templating), which is not \(format) until "
                + "rendered: render it first (`helm template`) and check the output, or \(leaveOut)"
        }
        if format == .ini {
            return "; if this is not an INI file (HAProxy, nginx and Redis have syntaxes of their own), \(leaveOut)"
                + ", or read a Redis or Sentinel file `as redis`"
        }
        return nil
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
                guard let path, let blob, FileDelta.isRegularFile(mode: mode), selection(for: path) != .none,
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
        case .failure(let error): reading = .failed(error, suspected: Self.suspected(error))
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
        /// When the side is read only if a file's content is a system's: the systems and formats.
        var candidates: [CompiledFileSelectors.Candidate] = []
        /// The commit the side is in (for following a link).
        var commit: ObjectID? = nil
    }

    private mutating func selection(for path: String) -> CompiledFileSelectors.Selection {
        if let known = selections[path] { return known }
        let selection = compiled.selection(for: path)
        selections[path] = selection
        return selection
    }

    /// The format a path is read as: the selector's, else the first `detect` selector's.
    private mutating func format(for path: String) -> ConfigFormat? {
        switch selection(for: path) {
        case .none: nil
        case .path(let format): format
        case .ifDetected(let candidates): candidates.lazy.compactMap(\.format).first
        }
    }

    /// Every format a path may be read as (a candidate of two `detect` selectors, two).
    private mutating func formats(for path: String) -> [ConfigFormat] {
        switch selection(for: path) {
        case .none: ConfigFormat(path: path).map { [$0] } ?? []
        case .path(let format): (format ?? ConfigFormat(path: path)).map { [$0] } ?? []
        case .ifDetected(let candidates):
            candidates.reduce(into: []) { formats, candidate in
                if let format = candidate.format, !formats.contains(format) { formats.append(format) }
            }
        }
    }

    private mutating func side(path: String?, blob: ObjectID?, mode: UInt32) -> Side? {
        // A side outside the selection (renamed to `x.yaml.disabled`, say) counts as absent: its
        // settings are all removed (or all added), never silently carried over.
        guard let path, let blob else { return nil }
        switch selection(for: path) {
        case .none: return nil
        case .path(let format): return Side(path: path, blob: blob, mode: mode, format: format)
        case .ifDetected(let candidates):
            return Side(
                path: path, blob: blob, mode: mode, format: candidates.lazy.compactMap(\.format).first,
                candidates: candidates)
        }
    }

    private static let symlinkMode: UInt32 = 0o120000

    private enum LinkTarget {
        case success(Side)
        case failure(FileProblem)
    }
    /// Links followed in a row before giving up (the kernel's own limit is 40; config repositories
    /// have one or two).
    static let maxLinksFollowed = 8

    /// The regular file a symbolic link leads to in `commit`, as this side (its path stays the
    /// link's, its format the link's name's, else the target's); why not, when it leads outside the
    /// repository, to nothing, or through more than ``maxLinksFollowed`` links.
    private mutating func followLinks(from side: Side, in commit: ObjectID) throws(GitError) -> LinkTarget {
        var current = side
        var location = side.path
        for _ in 0..<Self.maxLinksFollowed {
            guard case .text(let bytes) = try repository.blob(current.blob, maxSize: 4_096) else {
                return .failure(FileProblem(file: side.path, message: "a symbolic link whose target cannot be read"))
            }
            let target = String(decoding: bytes, as: UTF8.self)
            guard let resolved = Self.resolve(target, from: location) else {
                return .failure(
                    FileProblem(
                        file: side.path,
                        message: "a symbolic link to `\(target)`, outside the repository: the settings it leads to "
                            + "cannot be judged; commit the file itself"))
            }
            guard let entry = try repository.entry(at: resolved, in: commit) else {
                return .failure(
                    FileProblem(
                        file: side.path,
                        message:
                            "a symbolic link to `\(resolved)`, which commit \(commit.short) does not have as a file"))
            }
            location = resolved
            current.blob = entry.blob
            current.mode = entry.mode
            guard entry.mode == Self.symlinkMode else {
                if current.format == nil { current.format = ConfigFormat(path: resolved) }
                return .success(current)
            }
        }
        return .failure(
            FileProblem(file: side.path, message: "more than \(Self.maxLinksFollowed) symbolic links in a row"))
    }

    /// `target` read from a link at `path`, as a repository path; nil when it leaves the repository.
    static func resolve(_ target: String, from path: String) -> String? {
        guard !target.hasPrefix("/") else { return nil }
        var parts = path.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// The system a `detect` side's content is, and the format that shows it; nil when it is none
    /// of its candidates' (a file that cannot be read is none: only the other side can select it).
    private mutating func detected(_ side: Side) throws(GitError) -> CompiledFileSelectors.Candidate? {
        var content = side
        if side.mode == Self.symlinkMode, let commit = side.commit {
            // A link is what it points to: one to a Patroni file is a Patroni file (which the
            // gate then refuses as a link), whatever its own name.
            guard case .success(let target) = try followLinks(from: side, in: commit) else { return nil }
            content.blob = target.blob
            content.mode = target.mode
        }
        guard FileDelta.isRegularFile(mode: content.mode) else { return nil }
        for candidate in side.candidates {
            guard let format = candidate.format else { continue }
            switch try reading(content.blob, path: side.path, format: format) {
            case .settings(_, _, let systems) where systems.contains(candidate.system): return candidate
            // Unreadable but looking like the system's: selected, so that its error fails the check.
            case .failed(_, let suspected) where suspected.contains(candidate.system): return candidate
            default: continue
            }
        }
        return nil
    }

    /// The systems a file that could not be read at all may be: any, when it was too large to
    /// look at (a `detect` selector then fails closed on it); none for binary content.
    private static func suspected(_ error: ConfigError) -> Set<ConfigSystem> {
        error.kind == .tooLarge ? Set(ConfigSystem.allCases) : []
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
        // A reader with a reason of its own (keys that differ in case, a Redis line set twice) says it.
        guard duplicate.message.hasPrefix("duplicate key") else {
            self.init(
                file: duplicate.path, line: duplicate.position.line, column: duplicate.position.column,
                message: duplicate.message + ": a reviewer reads one line, the consumer another; keep one and "
                    + "delete the other")
            return
        }
        let earlier = duplicate.earlier.map { " (first at line \($0.line))" } ?? ""
        self.init(
            file: duplicate.path, line: duplicate.position.line, column: duplicate.position.column,
            message:
                "key `\(duplicate.key ?? "?")` is defined twice in one map\(earlier): readers disagree on "
                + "which one counts (PyYAML and Go's encoding/json take the last, tomllib, configparser and Go's "
                + "yaml.v3 refuse the file); keep one definition and delete the other")
    }
}
