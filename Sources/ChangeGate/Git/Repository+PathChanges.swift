internal import CGit2

extension Repository {
    /// The files of `paths` whose content differs between the trees of commits `old` and `new`.
    ///
    /// Much cheaper than a tree diff when the paths are few and the history is long: it looks only
    /// at the folders on the way to those paths, skips any whose tree id did not change, and sets
    /// up nothing per call (no diff options, no config snapshot).
    ///
    /// - Parameters:
    ///   - paths: The paths to look at.
    ///   - old: The commit on the old side.
    ///   - new: The commit on the new side.
    /// - Returns: Each path whose blob differs, with both sides.
    /// - Throws: ``GitError`` when a tree cannot be read.
    public func changes(in paths: PathSet, from old: ObjectID, to new: ObjectID) throws(GitError) -> [PathChange] {
        let oldTree = try tree(ofCommit: old)
        let newTree = try tree(ofCommit: new)
        var changes: [PathChange] = []
        try compare(oldTree, newTree, node: paths.root, prefix: "", into: &changes)
        return changes
    }

    private func compare(
        _ old: TreeHandle?, _ new: TreeHandle?, node: PathSet.Node, prefix: String, into changes: inout [PathChange]
    ) throws(GitError) {
        for (name, child) in node.children {
            let (oldEntry, newEntry) = child.cName.withUnsafeBufferPointer { cName in
                (
                    old.flatMap { git_tree_entry_byname($0.pointer, cName.baseAddress) },
                    new.flatMap { git_tree_entry_byname($0.pointer, cName.baseAddress) }
                )
            }
            if let oldEntry, let newEntry, git_oid_equal(git_tree_entry_id(oldEntry), git_tree_entry_id(newEntry)) != 0
            {
                continue
            }
            if oldEntry == nil, newEntry == nil { continue }
            let path = prefix.isEmpty ? name : prefix + "/" + name
            if child.isFile {
                let before = oldEntry.flatMap(Self.blobID)
                let after = newEntry.flatMap(Self.blobID)
                if before != after { changes.append(PathChange(path: path, old: before, new: after)) }
            }
            if !child.children.isEmpty {
                let oldSubtree = try oldEntry.flatMap { (entry) throws(GitError) in try subtree(entry, path: path) }
                let newSubtree = try newEntry.flatMap { (entry) throws(GitError) in try subtree(entry, path: path) }
                try compare(oldSubtree, newSubtree, node: child, prefix: path, into: &changes)
            }
        }
        withExtendedLifetime((old, new)) {}
    }

    private static func blobID(_ entry: OpaquePointer) -> ObjectID? {
        git_tree_entry_type(entry) == GIT_OBJECT_BLOB ? ObjectID(git_tree_entry_id(entry).pointee) : nil
    }

    private func subtree(_ entry: OpaquePointer, path: String) throws(GitError) -> TreeHandle? {
        guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return nil }
        var tree: OpaquePointer?
        try GitError.check(git_tree_lookup(&tree, pointer, git_tree_entry_id(entry)), "reading folder \(path)")
        return TreeHandle(tree!)
    }
}
