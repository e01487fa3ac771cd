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

    /// The changes from `base` to `head`; `nil` on either side stands for the empty tree.
    public mutating func diff(from base: ObjectID?, to head: ObjectID?) throws(GitError) -> SettingsDiffReport {
        let deltas = try repository.diff(from: base, to: head, paths: compiled.paths)
        var report = SettingsDiffReport(base: base, head: head, files: deltas, changes: [], errors: [], warnings: [])
        for delta in deltas {
            try compare(delta, into: &report)
        }
        return report
    }

    /// The flattened settings of the file at `path` in `commit`, or nil when there is no such file
    /// or it cannot be read (the diff reports why).
    public mutating func settings(of path: String, at commit: ObjectID) throws(GitError) -> [String: ConfigValue]? {
        guard let blob = try repository.file(at: path, in: commit),
            let format = compiled.format(for: path) ?? ConfigFormat(path: path),
            case .success(let config) = try parsed(blob, path: path, format: format),
            let settings = try? SettingsFlattener.settingsByKey(of: config, limits: reader.limits)
        else { return nil }
        return settings.mapValues(\.value)
    }

    /// One side of a file delta, as far as the selection is concerned.
    private struct Side {
        var path: String
        var blob: ObjectID
        var mode: UInt32
        var format: ConfigFormat?
    }

    private func side(path: String?, blob: ObjectID?, mode: UInt32) -> Side? {
        // A side outside the selection (renamed to `x.yaml.disabled`, say) counts as absent: its
        // settings are all removed (or all added), never silently carried over.
        guard let path, let blob, compiled.paths.matches(path) else { return nil }
        return Side(path: path, blob: blob, mode: mode, format: compiled.format(for: path))
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
        do {
            let changes = try SettingsDiff.changes(
                file: file, previousFile: previous, base: base, head: head, limits: reader.limits)
            report.changes.append(contentsOf: changes)
            report.warnings.append(contentsOf: (base?.warnings ?? []) + (head?.warnings ?? []))
        } catch {
            report.errors.append(FileProblem(error))
        }
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
