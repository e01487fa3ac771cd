/// Opens the audit store a location names, so that callers need not know which kind it is.
public enum AuditStores {
    /// The store at `location`: a path names a SQLite trail (``SQLiteAuditStore``, one connection);
    /// `postgres://…` or `postgresql://…` will name a PostgreSQL database, and fails for now with
    /// ``AuditError/Kind/unsupported`` (PostgreSQL is not built into this binary yet); any other
    /// `scheme://` fails the same way rather than being taken for a file name.
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
        if let error = unsupported(location) { throw error }
        return try SQLiteAuditStore(path: location, access: access, waitLimit: waitLimit)
    }

    /// Why `location` names no store this binary can open; nil for a path (a SQLite trail). For
    /// callers that need the SQLite store itself (`audit verify` reads its integrity check).
    ///
    /// - Parameter location: A path, or a `scheme://` URL.
    /// - Returns: The error that opening `location` would throw, without the URL itself (it may
    ///   carry a password); nil for a path.
    public static func unsupported(_ location: String) -> AuditError? {
        guard let scheme = scheme(of: location) else { return nil }
        if scheme == "postgres" || scheme == "postgresql" {
            // The location itself is not repeated: a URL may carry a password.
            return AuditError(
                .unsupported,
                "the audit trail is a PostgreSQL location (\(scheme)://…), and PostgreSQL is not built into this "
                    + "binary yet: name a SQLite file with --audit PATH")
        }
        return AuditError(
            .unsupported,
            "the audit trail location is a \(scheme):// URL, which names no kind of audit store this binary has: "
                + "name a SQLite file with --audit PATH")
    }

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
}
