import Foundation

/// Opens the audit store a location names, so that callers need not know which kind it is.
public enum AuditStores {
    /// Opens the store a `scheme://` location names: the location as given, whether to write, and
    /// the longest wait. It runs on the caller's thread and returns a synchronous store.
    public typealias Opener =
        @Sendable (_ location: String, _ access: AuditAccess, _ waitLimit: Duration) throws(AuditError) ->
        any AuditStore

    /// The store at `location`: a path names a SQLite trail (``SQLiteAuditStore``, one connection);
    /// a `scheme://` URL names the store registered for that scheme (``register(schemes:opener:)``:
    /// `changegate-server` registers `postgres://` and `postgresql://`). A URL of a scheme this
    /// binary has no store for fails with ``AuditError/Kind/unsupported`` rather than being taken
    /// for a file name.
    ///
    /// There is no location for ``MemoryAuditStore``: a decision recorded where nothing is kept
    /// would pass for recorded (the gate fails closed only on a write that fails).
    ///
    /// - Parameters:
    ///   - location: A path, or a `scheme://` URL.
    ///   - access: Whether the store may write.
    ///   - waitLimit: The longest wait for another process's lock.
    /// - Returns: The store.
    /// - Throws: ``AuditError``: ``AuditError/Kind/unsupported`` for a location of a kind this binary
    ///   does not have, or the store's own error when it cannot be opened.
    public static func open(
        _ location: String, access: AuditAccess = .readWrite,
        waitLimit: Duration = SQLiteAuditStore.defaultWaitLimit
    ) throws(AuditError) -> any AuditStore {
        if let scheme = scheme(of: location) {
            guard let opener = registry.opener(for: scheme) else { throw unsupportedError(scheme) }
            return try opener(location, access, waitLimit)
        }
        return try SQLiteAuditStore(path: location, access: access, waitLimit: waitLimit)
    }

    /// Makes `opener` the store of locations whose scheme is one of `schemes` (compared without
    /// case), for the rest of the process. A binary that links a store registers it once, at start,
    /// before any location is opened; a later registration of a scheme replaces the earlier one.
    ///
    /// - Parameters:
    ///   - schemes: The URL schemes, without `://` (`postgres`, `postgresql`).
    ///   - opener: Opens a location of one of them.
    public static func register(schemes: [String], opener: @escaping Opener) {
        registry.register(schemes.map { $0.lowercased() }, opener)
    }

    /// True when `location` is a path (a SQLite trail), false for a `scheme://` URL.
    ///
    /// - Parameter location: A path, or a `scheme://` URL.
    /// - Returns: Whether the location names a file.
    public static func isPath(_ location: String) -> Bool { scheme(of: location) == nil }

    /// Why `location` names no store this binary can open; nil for a path (a SQLite trail) or a URL
    /// of a registered scheme.
    ///
    /// - Parameter location: A path, or a `scheme://` URL.
    /// - Returns: The error that opening `location` would throw, without the URL itself (it may
    ///   carry a password); nil when it can be opened.
    public static func unsupported(_ location: String) -> AuditError? {
        guard let scheme = scheme(of: location), registry.opener(for: scheme) == nil else { return nil }
        return unsupportedError(scheme)
    }

    private static func unsupportedError(_ scheme: String) -> AuditError {
        if scheme == "postgres" || scheme == "postgresql" {
            // The location itself is not repeated: a URL may carry a password.
            return AuditError(
                .unsupported,
                "the audit trail is a PostgreSQL location (\(scheme)://…), and PostgreSQL is not built into this "
                    + "binary: run `changegate-postgres` (the lean `changegate` hands PostgreSQL locations to it; "
                    + "`changegate-server` has PostgreSQL too), or name a SQLite file with --audit PATH")
        }
        return AuditError(
            .unsupported,
            "the audit trail location is a \(scheme):// URL, which names no kind of audit store this binary has: "
                + "name a SQLite file with --audit PATH")
    }

    /// `location` as it may be shown: a path as is, a URL without the password of its user part
    /// (`postgres://gate@db/audit` for `postgres://gate:s3cret@db/audit`) and without the value of
    /// a `password=` parameter.
    ///
    /// - Parameter location: A path, or a `scheme://` URL.
    /// - Returns: The location without a password.
    public static func displayed(_ location: String) -> String {
        guard scheme(of: location) != nil, let separator = location.range(of: "://") else { return location }
        var shown = location
        let rest = location[separator.upperBound...]
        let authorityEnd = rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
            shown = String(location[..<colon]) + String(rest[at...])
        }
        guard let query = shown.firstIndex(of: "?") else { return shown }
        let parameters = shown[shown.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
            .map { parameter in
                parameter.lowercased().hasPrefix("password=") ? "password=…" : String(parameter)
            }
        return String(shown[...query]) + parameters.joined(separator: "&")
    }

    /// True when a URL location carries a password in its user part, which a hook script or a
    /// process list would show to whoever can read them.
    ///
    /// - Parameter location: A path, or a `scheme://` URL.
    /// - Returns: Whether the location holds a password.
    public static func carriesPassword(_ location: String) -> Bool { displayed(location) != location }

    /// The scheme of a `scheme://…` location (lowercased), spelled as RFC 3986 spells one; nil for
    /// anything else, which is a path.
    static func scheme(of location: String) -> String? {
        guard let separator = location.range(of: "://") else { return nil }
        let scheme = location[..<separator.lowerBound].unicodeScalars
        func letter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        guard let first = scheme.first, letter(first),
            scheme.allSatisfy({ letter($0) || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0) })
        else { return nil }
        return String(String.UnicodeScalarView(scheme)).lowercased()
    }

    private static let registry = Registry()

    /// The openers registered in this process. A class to own the lock; `@unchecked Sendable`:
    /// `openers` is read and written only while `lock` is held.
    private final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var openers: [String: Opener] = [:]

        func register(_ schemes: [String], _ opener: @escaping Opener) {
            lock.lock()
            defer { lock.unlock() }
            for scheme in schemes { openers[scheme] = opener }
        }

        func opener(for scheme: String) -> Opener? {
            lock.lock()
            defer { lock.unlock() }
            return openers[scheme]
        }
    }
}
