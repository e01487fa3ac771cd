/// Where the audit trail is when nobody says: `--audit PATH`, else `$CHANGEGATE_AUDIT`, else
/// `changegate/audit.sqlite` inside the repository's git directory (beside the objects, never in
/// the work tree, so it is neither committed nor lost with a checkout). What is found is opened by
/// ``AuditStores/open(_:access:waitLimit:)``: a path, or a URL naming another kind of store.
public enum AuditLocation {
    /// The variable that names the trail when no `--audit` does.
    public static let environmentVariable = "CHANGEGATE_AUDIT"

    /// The trail's location.
    ///
    /// - Parameters:
    ///   - explicit: The location the caller named (`--audit`); nil or empty for none.
    ///   - environment: The process environment, for ``environmentVariable``.
    ///   - gitDirectory: The repository's git directory, for the default.
    /// - Returns: `explicit`, else the variable's value, else `changegate/audit.sqlite` in
    ///   `gitDirectory`.
    public static func path(explicit: String?, environment: [String: String], gitDirectory: String) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let variable = environment[environmentVariable], !variable.isEmpty { return variable }
        let folder = gitDirectory.hasSuffix("/") ? String(gitDirectory.dropLast()) : gitDirectory
        return folder + "/changegate/audit.sqlite"
    }
}
