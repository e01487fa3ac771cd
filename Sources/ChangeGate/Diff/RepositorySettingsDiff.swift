import Dispatch

/// Computes the settings diff between two commits of a repository: tree diff (rename-aware,
/// limited to the selected files), blobs read once each, parsed, flattened and compared.
public struct RepositorySettingsDiff {
    public let repository: Repository
    public let selectors: [FileSelector]
    public var reader: ConfigReader
    /// The selectors' globs, compiled once for every path of every diff.
    private let compiled: CompiledFileSelectors
    /// Parsed blobs by content and format: the same bytes read as another format are another tree.
    private var cache: [CacheKey: ParsedConfig] = [:]
    /// Flattened settings by content and format: the gate asks for the same blobs again (each
    /// changed file's settings for the policy, the history for reverts).
    private var flattened: [CacheKey: [String: Setting]] = [:]
    /// Each path's format under the selectors (nil: not selected or not told), matched once.
    private var formats: [String: ConfigFormat?] = [:]

    private struct CacheKey: Hashable {
        var blob: ObjectID
        var format: ConfigFormat
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

    /// How many blobs are held parsed or flattened. The cache has no bound of its own: one diff or
    /// one gate decision reads few blobs, but a walk over a long history should clear it now and then.
    public var cachedBlobCount: Int { max(cache.count, flattened.count) }

    /// Forgets every parsed blob and path format, so that a long walk (`changegate history`) keeps
    /// its memory flat; blobs are parsed again when asked for.
    public mutating func clearCache() {
        cache.removeAll()
        flattened.removeAll()
        formats.removeAll()
    }

    /// The changes from `base` to `head`; `nil` on either side stands for the empty tree.
    public mutating func diff(from base: ObjectID?, to head: ObjectID?) throws(GitError) -> SettingsDiffReport {
        // One tree diff of everything: the touched paths come from it, the settings from the
        // selected part.
        let all = try repository.diff(from: base, to: head)
        let deltas = all.filter { delta in
            [delta.oldPath, delta.newPath].contains { $0.map(compiled.paths.matches) ?? false }
        }
        var report = SettingsDiffReport(base: base, head: head, files: deltas, changes: [], errors: [], warnings: [])
        report.touchedPaths = Array(Set(all.flatMap { [$0.oldPath, $0.newPath].compactMap { $0 } })).sorted()
        var sides: [(blob: ObjectID, path: String)] = []
        for delta in deltas {
            for side in [
                side(path: delta.oldPath, blob: delta.oldBlob, mode: delta.oldMode),
                side(path: delta.newPath, blob: delta.newBlob, mode: delta.newMode),
            ] {
                if let side, FileDelta.isRegularFile(mode: side.mode) { sides.append((side.blob, side.path)) }
            }
        }
        try preload(sides)
        for delta in deltas {
            try compare(delta, into: &report)
        }
        return report
    }

    /// Parses and flattens the blobs not read yet, on every core: reading a blob is libgit2's
    /// work (on this thread), parsing is pure. Blobs that fail are left for the caller to read
    /// again, which reports why.
    public mutating func preload(_ blobs: [(blob: ObjectID, path: String)]) throws(GitError) {
        var jobs: [(key: CacheKey, path: String, bytes: [UInt8])] = []
        var queued = Set<CacheKey>()
        for (blob, path) in blobs {
            guard let format = format(for: path) ?? ConfigFormat(path: path) else { continue }
            let key = CacheKey(blob: blob, format: format)
            guard flattened[key] == nil, queued.insert(key).inserted,
                case .text(let bytes) = try repository.blob(blob, maxSize: reader.limits.maxFileSize)
            else { continue }
            jobs.append((key, path, bytes))
        }
        // Below a few files threads cost more than they save.
        guard jobs.count > 4 else { return }
        let reader = self.reader
        let work = jobs
        var results = [(ParsedConfig, [String: Setting])?](repeating: nil, count: jobs.count)
        results.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
                let job = work[index]
                guard let config = try? reader.read(job.bytes, path: job.path, format: job.key.format),
                    let settings = try? SettingsFlattener.settingsByKey(of: config, limits: reader.limits)
                else { return }
                slots[index] = (config, settings)
            }
        }
        for (index, result) in results.enumerated() {
            guard let (config, settings) = result else { continue }
            cache[jobs[index].key] = config
            flattened[jobs[index].key] = settings
        }
    }

    /// The flattened settings of the file at `path` in `commit`, or nil when there is no such file
    /// or it cannot be read (the diff reports why).
    public mutating func settings(of path: String, at commit: ObjectID) throws(GitError) -> [String: ConfigValue]? {
        guard let blob = try repository.file(at: path, in: commit) else { return nil }
        return try settings(ofBlob: blob, path: path)?.mapValues(\.value)
    }

    /// The flattened settings of a blob read as the file at `path`, or nil when it cannot be read.
    public mutating func settings(ofBlob blob: ObjectID, path: String) throws(GitError) -> [String: Setting]? {
        guard let format = format(for: path) ?? ConfigFormat(path: path) else { return nil }
        return try flatten(blob, path: path, format: format).flatMap { try? $0.get() }
    }

    /// Parses and flattens a blob once per format; nil when the blob is not a config file at all.
    private mutating func flatten(_ blob: ObjectID, path: String, format: ConfigFormat) throws(GitError)
        -> Result<[String: Setting], ConfigError>?
    {
        let key = CacheKey(blob: blob, format: format)
        if let settings = flattened[key] { return .success(settings) }
        switch try parsed(blob, path: path, format: format) {
        case .success(let config):
            do {
                let settings = try SettingsFlattener.settingsByKey(of: config, limits: reader.limits)
                flattened[key] = settings
                return .success(settings)
            } catch {
                return .failure(error)
            }
        case .failure(let error):
            return .failure(error)
        }
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
        func parse(_ side: Side?) throws(GitError) -> ParsedConfig? {
            guard let side else { return nil }
            guard let format = side.format else {
                report.errors.append(
                    FileProblem(
                        file: side.path, message: "cannot tell the format of this file; name it with `as FORMAT`"))
                failed = true
                return nil
            }
            guard FileDelta.isRegularFile(mode: side.mode) else {
                report.errors.append(
                    FileProblem(
                        file: side.path,
                        message: "not a regular file (mode \(String(side.mode, radix: 8))); its settings cannot be read"
                    ))
                failed = true
                return nil
            }
            switch try parsed(side.blob, path: side.path, format: format) {
            case .success(let config):
                return config
            case .failure(let error):
                report.errors.append(FileProblem(error))
                failed = true
                return nil
            }
        }
        let base = try parse(baseSide)
        let head = try parse(headSide)
        if failed { return }
        let previous = baseSide.flatMap { $0.path != file ? $0.path : nil }
        do throws(ConfigError) {
            var baseSettings: [String: Setting] = [:]
            var headSettings: [String: Setting] = [:]
            if let base, let baseSide { baseSettings = try settings(of: base, side: baseSide) }
            if let head, let headSide { headSettings = try settings(of: head, side: headSide) }
            report.changes += SettingsDiff.changes(
                file: file, previousFile: previous, base: baseSettings, head: headSettings)
            report.warnings.append(contentsOf: (base?.warnings ?? []) + (head?.warnings ?? []))
        } catch {
            report.errors.append(FileProblem(error))
        }
    }

    /// A parsed side's settings, flattened once per blob.
    private mutating func settings(of config: ParsedConfig, side: Side) throws(ConfigError) -> [String: Setting] {
        let key = CacheKey(blob: side.blob, format: side.format ?? config.format)
        if let settings = flattened[key] { return settings }
        let settings = try SettingsFlattener.settingsByKey(of: config, limits: reader.limits)
        flattened[key] = settings
        return settings
    }

    /// Parses a blob once per format; the same content under another path parses the same way.
    private mutating func parsed(_ blob: ObjectID, path: String, format: ConfigFormat) throws(GitError)
        -> Result<ParsedConfig, ConfigError>
    {
        let key = CacheKey(blob: blob, format: format)
        if var config = cache[key] {
            config.path = path
            config.warnings = config.warnings.map { warning in
                var moved = warning
                moved.path = path
                return moved
            }
            return .success(config)
        }
        switch try repository.blob(blob, maxSize: reader.limits.maxFileSize) {
        case .binary(let size):
            return .failure(
                ConfigError(.unsupported, path: path, at: nil, "binary content (\(size) bytes); not parsed"))
        case .tooLarge(let size):
            return .failure(
                ConfigError(
                    .tooLarge, path: path, at: nil,
                    "file is \(size) bytes, over the limit of \(reader.limits.maxFileSize) bytes; not parsed"))
        case .text(let bytes):
            do {
                let config = try reader.read(bytes, path: path, format: format)
                cache[key] = config
                return .success(config)
            } catch {
                return .failure(error)
            }
        }
    }
}

extension FileProblem {
    init(_ error: ConfigError) {
        self.init(file: error.path, line: error.position?.line, column: error.position?.column, message: error.message)
    }
}
