/// Computes the settings diff between two commits of a repository: tree diff (rename-aware,
/// limited to the selected files), blobs read once each, parsed, flattened and compared.
public struct RepositorySettingsDiff {
    public let repository: Repository
    public var selectors: [FileSelector]
    public var reader: ConfigReader
    private var cache: [ObjectID: Result<ParsedConfig, ConfigError>] = [:]

    public init(
        repository: Repository, selectors: [FileSelector] = FileSelector.knownConfigFiles,
        reader: ConfigReader = ConfigReader()
    ) {
        self.repository = repository
        self.selectors = selectors
        self.reader = reader
    }

    /// The changes from `base` to `head`; `nil` on either side stands for the empty tree.
    public mutating func diff(from base: ObjectID?, to head: ObjectID?) throws(GitError) -> SettingsDiffReport {
        let globs = PathGlobs(selectors.map(\.glob))
        let deltas = try repository.diff(from: base, to: head, paths: globs)
        var report = SettingsDiffReport(base: base, head: head, files: deltas, changes: [], errors: [], warnings: [])
        for delta in deltas {
            try compare(delta, into: &report)
        }
        return report
    }

    private mutating func compare(_ delta: FileDelta, into report: inout SettingsDiffReport) throws(GitError) {
        let path = delta.path
        let format =
            delta.newPath.flatMap { FileSelector.format(for: $0, in: selectors) }
            ?? delta.oldPath.flatMap { FileSelector.format(for: $0, in: selectors) }
        guard let format else {
            report.errors.append(
                FileProblem(file: path, message: "cannot tell the format of this file; name it with `as FORMAT`"))
            return
        }
        var failed = false
        func side(_ blob: ObjectID?, mode: UInt32, path sidePath: String?) throws(GitError) -> ParsedConfig? {
            guard let blob, let sidePath else { return nil }
            guard FileDelta.isRegularFile(mode: mode) else {
                report.errors.append(
                    FileProblem(
                        file: sidePath,
                        message: "not a regular file (mode \(String(mode, radix: 8))); its settings cannot be read"))
                failed = true
                return nil
            }
            switch try parsed(blob, path: sidePath, format: format) {
            case .success(let config):
                return config
            case .failure(let error):
                report.errors.append(
                    FileProblem(
                        file: error.path, line: error.position?.line, column: error.position?.column,
                        message: error.message))
                failed = true
                return nil
            }
        }
        let base = try side(delta.oldBlob, mode: delta.oldMode, path: delta.oldPath)
        let head = try side(delta.newBlob, mode: delta.newMode, path: delta.newPath)
        if failed { return }
        report.warnings.append(contentsOf: (base?.warnings ?? []) + (head?.warnings ?? []))
        let previous = delta.status == .renamed || delta.status == .copied ? delta.oldPath : nil
        report.changes.append(
            contentsOf: SettingsDiff.changes(file: path, previousFile: previous, base: base, head: head))
    }

    /// Parses a blob once; the same content under any path parses the same way.
    private mutating func parsed(_ blob: ObjectID, path: String, format: ConfigFormat) throws(GitError)
        -> Result<ParsedConfig, ConfigError>
    {
        if let cached = cache[blob], case .success(var config) = cached {
            config.path = path
            config.warnings = config.warnings.map {
                var w = $0; w.path = path; return w
            }
            return .success(config)
        }
        let result: Result<ParsedConfig, ConfigError>
        switch try repository.blob(blob, maxSize: reader.limits.maxFileSize) {
        case .binary(let size):
            result = .failure(
                ConfigError(.unsupported, path: path, at: nil, "binary content (\(size) bytes); not parsed"))
        case .tooLarge(let size):
            result = .failure(
                ConfigError(
                    .tooLarge, path: path, at: nil,
                    "file is \(size) bytes, over the limit of \(reader.limits.maxFileSize) bytes; not parsed"))
        case .text(let bytes):
            do {
                result = .success(try reader.read(bytes, path: path, format: format))
            } catch {
                result = .failure(error)
            }
        }
        if case .success = result { cache[blob] = result }
        return result
    }
}
