internal import CGit2
import Foundation

extension Repository {
    /// The value git gives attribute `name` for `path` as the commit `commit` has it: its
    /// `.gitattributes` files (from the root down to the path's folder), plus the server's
    /// `info/attributes` and system attributes, which git on the server applies too. A work tree's
    /// files are not read: only what is committed, and the index (empty in a bare repository).
    ///
    /// - Parameters:
    ///   - names: The attributes to look up (`filter`, `diff`, …).
    ///   - path: The file's path from the root.
    ///   - commit: The commit whose `.gitattributes` files count.
    /// - Returns: Each name's value for the path.
    /// - Throws: ``GitError`` when libgit2 cannot read the attributes.
    public func attributes(_ names: [String], of path: String, at commit: ObjectID) throws(GitError) -> [String:
        AttributeValue]
    {
        var options = git_attr_options()
        options.version = UInt32(GIT_ATTR_OPTIONS_VERSION)
        options.flags = UInt32(GIT_ATTR_CHECK_INDEX_ONLY) | UInt32(GIT_ATTR_CHECK_INCLUDE_COMMIT)
        options.attr_commit_id = commit.oid
        var values = [UnsafePointer<CChar>?](repeating: nil, count: names.count)
        let cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        var pointers = cNames.map { UnsafePointer<CChar>($0) }
        let code = values.withUnsafeMutableBufferPointer { valueBuffer in
            pointers.withUnsafeMutableBufferPointer { nameBuffer in
                git_attr_get_many_ext(
                    valueBuffer.baseAddress, pointer, &options, path, names.count, nameBuffer.baseAddress)
            }
        }
        try GitError.check(code, "reading the git attributes of \(path) at \(commit.short)")
        var result: [String: AttributeValue] = [:]
        for (name, value) in zip(names, values) {
            switch git_attr_value(value) {
            case GIT_ATTR_VALUE_TRUE: result[name] = .set
            case GIT_ATTR_VALUE_FALSE: result[name] = .unset
            case GIT_ATTR_VALUE_STRING: result[name] = .value(value.map { String(cString: $0) } ?? "")
            default: break
            }
        }
        return result
    }
}

/// An attribute git gives a path (unspecified ones are absent).
public enum AttributeValue: Sendable, Hashable {
    case set
    case unset
    case value(String)
}
