/// What a reading of a blob depends on besides its bytes: the blob id (which stands for the bytes,
/// in any repository), the format, what of the path the readers look at, and the limits. Two
/// readings with equal keys are equal, so a key can be shared across requests and repositories;
/// one input left out would let a reading made one way answer for another (``BlobSettingsCache``).
struct BlobReadingKey: Hashable, Sendable {
    var blob: ObjectID
    var format: ConfigFormat
    var dialect: PathDialect
    var limits: ReaderLimits

    init(blob: ObjectID, format: ConfigFormat, path: String, limits: ReaderLimits) {
        self.blob = blob
        self.format = format
        self.dialect = PathDialect(path: path, format: format)
        self.limits = limits
    }

    /// What the readers take from a file's name beyond its format. Only INI has any: `.ini` and
    /// `.cfg` continue values on indented lines, and a `.conf` or `.cfg` file that looks like
    /// Sentinel's is read as Redis (``RepositorySettingsDiff/read(_:path:format:_:)``).
    struct PathDialect: Hashable, Sendable {
        var continuesValues = false
        var mayBeSentinel = false

        init(path: String, format: ConfigFormat) {
            guard format == .ini else { return }
            let lower = path.lowercased()
            continuesValues = lower.hasSuffix(".ini") || lower.hasSuffix(".cfg")
            mayBeSentinel = lower.hasSuffix(".conf") || lower.hasSuffix(".cfg")
        }
    }
}

/// A blob as read: its settings and warnings, or the error. Paths inside are those of the file it
/// was first read as; ``relocated(to:)`` moves them to another file of the same content.
enum BlobReading: Sendable {
    /// The settings in document order, and the systems whose configuration the file is.
    case settings([Setting], warnings: [ConfigDiagnostic], systems: Set<ConfigSystem>)
    /// Why it could not be read, and the systems whose configuration its bytes still look like
    /// (a `detect` selector must not pass over a Patroni file only because it does not parse).
    case failed(ConfigError, suspected: Set<ConfigSystem> = [])

    func relocated(to path: String) -> BlobReading {
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
