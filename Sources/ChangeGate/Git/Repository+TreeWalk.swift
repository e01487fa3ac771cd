internal import CGit2

extension Repository {
    /// The entries that differ between two trees, as libgit2's tree diff lists them without rename
    /// detection: in path order, a changed file kind (file, symlink, submodule) as a type change,
    /// a file replaced by a folder as a deletion and the folder's files as additions.
    ///
    /// git's own way (`diff_tree` in tree-diff.c): both trees' entries are merged in their stored
    /// order, and a folder whose tree id is the same on both sides is skipped without being read.
    /// libgit2's tree diff reads every entry of both trees instead, which made it most of the time
    /// of a history scan. Names are compared as C strings and become Swift strings only for the
    /// entries that changed.
    func treeChanges(_ old: TreeHandle?, _ new: TreeHandle?, prefixes: [String]) throws(GitError) -> [FileDelta] {
        var deltas: [FileDelta] = []
        try walk(old, new, folder: "", prefixes: prefixes, into: &deltas)
        return deltas
    }

    private func walk(
        _ old: TreeHandle?, _ new: TreeHandle?, folder: String, prefixes: [String], into deltas: inout [FileDelta]
    ) throws(GitError) {
        let oldCount = old.map { git_tree_entrycount($0.pointer) } ?? 0
        let newCount = new.map { git_tree_entrycount($0.pointer) } ?? 0
        var i = 0
        var j = 0
        while i < oldCount || j < newCount {
            let oldEntry = i < oldCount ? git_tree_entry_byindex(old!.pointer, i) : nil
            let newEntry = j < newCount ? git_tree_entry_byindex(new!.pointer, j) : nil
            let order: Int32
            if let oldEntry, let newEntry {
                order = Self.compareEntries(oldEntry, newEntry)
            } else {
                order = oldEntry == nil ? 1 : -1
            }
            if order == 0, let oldEntry, let newEntry {
                i += 1
                j += 1
                // Same name, same kind of entry: equal ids and modes mean nothing below changed.
                if git_tree_entry_filemode(oldEntry) == git_tree_entry_filemode(newEntry),
                    git_oid_equal(git_tree_entry_id(oldEntry), git_tree_entry_id(newEntry)) != 0
                {
                    continue
                }
                try changed(old: oldEntry, new: newEntry, folder: folder, prefixes: prefixes, into: &deltas)
            } else if order < 0, let oldEntry {
                i += 1
                try changed(old: oldEntry, new: nil, folder: folder, prefixes: prefixes, into: &deltas)
            } else if let newEntry {
                j += 1
                try changed(old: nil, new: newEntry, folder: folder, prefixes: prefixes, into: &deltas)
            }
        }
        withExtendedLifetime((old, new)) {}
    }

    /// One name present on either side or both (same kind), with different content.
    private func changed(
        old: OpaquePointer?, new: OpaquePointer?, folder: String, prefixes: [String], into deltas: inout [FileDelta]
    ) throws(GitError) {
        let entry = (new ?? old)!
        let name = String(cString: git_tree_entry_name(entry))
        let path = folder.isEmpty ? name : folder + "/" + name
        if git_tree_entry_type(entry) == GIT_OBJECT_TREE {
            guard Self.folder(path, isWithin: prefixes) else { return }
            let oldTree = try old.flatMap { (entry) throws(GitError) in try subtree(of: entry, path: path) }
            let newTree = try new.flatMap { (entry) throws(GitError) in try subtree(of: entry, path: path) }
            try walk(oldTree, newTree, folder: path, prefixes: prefixes, into: &deltas)
            return
        }
        guard Self.file(path, isWithin: prefixes) else { return }
        let oldMode = old.map { UInt32(git_tree_entry_filemode($0).rawValue) } ?? 0
        let newMode = new.map { UInt32(git_tree_entry_filemode($0).rawValue) } ?? 0
        let status: FileDelta.Status
        switch (old, new) {
        case (nil, _): status = .added
        case (_, nil): status = .deleted
        default: status = Self.kind(of: oldMode) == Self.kind(of: newMode) ? .modified : .typeChanged
        }
        deltas.append(
            FileDelta(
                status: status, oldPath: old == nil ? nil : path, newPath: new == nil ? nil : path,
                oldBlob: old.map { ObjectID(git_tree_entry_id($0).pointee) },
                newBlob: new.map { ObjectID(git_tree_entry_id($0).pointee) },
                oldMode: oldMode, newMode: newMode, similarity: 0))
    }

    private func subtree(of entry: OpaquePointer, path: String) throws(GitError) -> TreeHandle {
        var tree: OpaquePointer?
        try GitError.check(git_tree_lookup(&tree, pointer, git_tree_entry_id(entry)), "reading folder \(path)")
        return TreeHandle(tree!)
    }

    /// git's tree order: names compared byte by byte, a folder's as if it ended in "/". A file and
    /// a folder of the same name are therefore two different entries, as libgit2 lists them.
    private static func compareEntries(_ a: OpaquePointer, _ b: OpaquePointer) -> Int32 {
        var p = git_tree_entry_name(a)!
        var q = git_tree_entry_name(b)!
        while p.pointee != 0, p.pointee == q.pointee {
            p += 1
            q += 1
        }
        func next(_ c: UnsafePointer<CChar>, _ entry: OpaquePointer) -> Int32 {
            if c.pointee != 0 { return Int32(UInt8(bitPattern: c.pointee)) }
            return git_tree_entry_type(entry) == GIT_OBJECT_TREE ? Int32(UInt8(ascii: "/")) : 0
        }
        // Equal here only when both names ended and both entries are folders or neither is.
        return next(p, a) - next(q, b)
    }

    /// The kind of entry a mode names: regular file (either permission), symlink or submodule.
    private static func kind(of mode: UInt32) -> UInt32 { mode & 0o170000 }

    /// Whether a folder can hold a path under one of `prefixes` (every folder when there are none).
    private static func folder(_ path: String, isWithin prefixes: [String]) -> Bool {
        prefixes.isEmpty
            || prefixes.contains { prefix in
                prefix.hasPrefix(path + "/") || prefix == path
                    || path.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/")
            }
    }

    /// Whether a file is under one of `prefixes` (every file when there are none).
    private static func file(_ path: String, isWithin prefixes: [String]) -> Bool {
        prefixes.isEmpty
            || prefixes.contains { prefix in
                prefix == path || path.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/")
            }
    }
}
