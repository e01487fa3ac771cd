internal import CGit2

extension Repository {
    /// The blob and file mode at `path` in `commit`'s tree; nil when there is no such path or it
    /// is a folder (a symbolic link's mode is 0o120000, its blob the target path).
    ///
    /// - Parameters:
    ///   - path: The path from the root.
    ///   - commit: The commit whose tree is read.
    /// - Returns: The blob and its mode; nil when there is no file at `path`.
    /// - Throws: ``GitError`` when the tree cannot be read.
    public func entry(at path: String, in commit: ObjectID) throws(GitError) -> (blob: ObjectID, mode: UInt32)? {
        let root = try tree(ofCommit: commit)
        var entry: OpaquePointer?
        guard git_tree_entry_bypath(&entry, root.pointer, path) == 0, let entry else { return nil }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
        return withExtendedLifetime(root) {
            (ObjectID(git_tree_entry_id(entry).pointee), UInt32(git_tree_entry_filemode(entry).rawValue))
        }
    }
}
