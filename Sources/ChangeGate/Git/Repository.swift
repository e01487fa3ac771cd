internal import CGit2

/// A git repository opened through libgit2: the only door to git objects in ChangeGate.
///
/// Not thread-safe, as libgit2's repository is not: use one `Repository` per thread or task.
public final class Repository {
    let pointer: OpaquePointer
    /// The path given or found (the `.git` directory for a work tree, the repository for a bare one).
    public let path: String

    private init(pointer: OpaquePointer) {
        self.pointer = pointer
        self.path = git_repository_path(pointer).map { String(cString: $0) } ?? ""
    }

    deinit { git_repository_free(pointer) }

    /// The work tree's folder (no trailing slash), or the git directory of a bare repository: how
    /// records and reports name the repository.
    public var displayPath: String {
        let folder = git_repository_workdir(pointer).map { String(cString: $0) } ?? path
        return folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    }

    /// The work tree's folder (no trailing slash); nil for a bare repository.
    public var workingDirectory: String? {
        guard let folder = git_repository_workdir(pointer).map({ String(cString: $0) }) else { return nil }
        return folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    }

    /// Opens the repository at `path` (a work tree, its `.git`, or a bare repository). Does not search
    /// parent directories, so a typo fails instead of finding an unrelated repository.
    ///
    /// - Parameter path: A work tree, its `.git` directory, or a bare repository.
    /// - Throws: ``GitError/notARepository(path:reason:)`` when `path` is none of them.
    public convenience init(path: String) throws(GitError) {
        Libgit2Runtime.ensureInitialized()
        var repository: OpaquePointer?
        let code = git_repository_open_ext(&repository, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil)
        guard code == 0, let repository else {
            throw .notARepository(path: path, reason: GitError.lastMessage())
        }
        self.init(pointer: repository)
    }

    /// Opens the repository the way git's own programs do inside a hook: from `GIT_DIR`,
    /// `GIT_OBJECT_DIRECTORY` and `GIT_ALTERNATE_OBJECT_DIRECTORIES`, so that objects still in the
    /// push's quarantine area (`GIT_QUARANTINE_PATH`) are visible.
    ///
    /// - Returns: The repository the environment names.
    /// - Throws: ``GitError/notARepository(path:reason:)`` when it names none.
    public static func openFromEnvironment() throws(GitError) -> Repository {
        Libgit2Runtime.ensureInitialized()
        var repository: OpaquePointer?
        let code = git_repository_open_ext(&repository, nil, UInt32(GIT_REPOSITORY_OPEN_FROM_ENV.rawValue), nil)
        guard code == 0, let repository else {
            throw .notARepository(path: "(from the environment)", reason: GitError.lastMessage())
        }
        return Repository(pointer: repository)
    }

    /// Finds the repository containing `directory`, searching parent directories as git does.
    ///
    /// - Parameter directory: Where to start looking.
    /// - Returns: The repository found.
    /// - Throws: ``GitError/notARepository(path:reason:)`` when no parent directory is one.
    public static func discover(from directory: String) throws(GitError) -> Repository {
        Libgit2Runtime.ensureInitialized()
        var repository: OpaquePointer?
        let code = git_repository_open_ext(&repository, directory, 0, nil)
        guard code == 0, let repository else {
            throw .notARepository(path: directory, reason: GitError.lastMessage())
        }
        return Repository(pointer: repository)
    }

    /// The repository a command means: `path` exactly when given; otherwise the one git's
    /// environment names (inside a hook, `GIT_DIR` is set), else the one containing the working directory.
    ///
    /// - Parameters:
    ///   - path: The repository's path, opened exactly; nil to look for one.
    ///   - environment: The process environment: `GIT_DIR` or `GIT_QUARANTINE_PATH` set means a
    ///     hook's repository, opened as ``openFromEnvironment()`` opens it.
    /// - Returns: The repository.
    /// - Throws: ``GitError/notARepository(path:reason:)`` when there is none.
    public static func open(path: String?, environment: [String: String]) throws(GitError) -> Repository {
        if let path { return try Repository(path: path) }
        if environment["GIT_DIR"] != nil || environment["GIT_QUARANTINE_PATH"] != nil {
            return try openFromEnvironment()
        }
        return try discover(from: ".")
    }

    /// True for a repository without a work tree (a server's).
    public var isBare: Bool { git_repository_is_bare(pointer) == 1 }

    // MARK: - Revisions

    /// The commit a revision names: anything `git rev-parse REV^{commit}` accepts (`main`,
    /// `HEAD~2`, `v1.0`, short and full ids, `main@{1}`…). Tags are peeled to their commit.
    ///
    /// - Parameter revision: The revision, as a user writes it.
    /// - Returns: The commit's id.
    /// - Throws: ``GitError`` when the revision is unknown or ambiguous, or names no commit.
    public func resolveCommit(_ revision: String) throws(GitError) -> ObjectID {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, pointer, revision)
        guard code == 0, let object else {
            let message = GitError.lastMessage()
            if code == GIT_EAMBIGUOUS.rawValue { throw .ambiguousRevision(revision, reason: message) }
            throw .unknownRevision(revision, reason: message)
        }
        let handle = ObjectHandle(object)
        return try peelToCommit(handle, revision)
    }

    /// True when the object exists in the object database (quarantine included when opened from the environment).
    ///
    /// - Parameter id: The object's id.
    /// - Returns: Whether the object database has it.
    public func contains(_ id: ObjectID) -> Bool {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, pointer) == 0, let odb else { return false }
        let handle = ODBHandle(odb)
        var oid = id.oid
        return withExtendedLifetime(handle) { git_odb_exists(handle.pointer, &oid) == 1 }
    }

    // MARK: - Commits

    func lookupCommit(_ id: ObjectID) throws(GitError) -> CommitHandle {
        var commit: OpaquePointer?
        var oid = id.oid
        let code = git_commit_lookup(&commit, pointer, &oid)
        guard code == 0, let commit else {
            throw .unknownRevision(id.hex, reason: GitError.lastMessage())
        }
        return CommitHandle(commit)
    }

    /// Reads a commit: parents, tree, author, committer, message and trailers.
    ///
    /// - Parameter id: The commit's id.
    /// - Returns: The commit, as a value.
    /// - Throws: ``GitError`` when there is no such commit or it cannot be read.
    public func commit(_ id: ObjectID) throws(GitError) -> CommitInfo {
        let handle = try lookupCommit(id)
        // Everything below borrows from the commit object: keep it alive to the end.
        defer { withExtendedLifetime(handle) {} }
        let c = handle.pointer
        let parents = (0..<git_commit_parentcount(c)).compactMap { i in
            git_commit_parent_id(c, i).map { ObjectID($0.pointee) }
        }
        let message = git_commit_message(c).map { String(cString: $0) } ?? ""
        return CommitInfo(
            id: id,
            parents: parents,
            tree: ObjectID(git_commit_tree_id(c).pointee),
            author: Signature(git_commit_author(c)),
            committer: Signature(git_commit_committer(c)),
            message: message,
            trailers: try Self.trailers(of: message))
    }

    /// The trailers of a commit message, parsed by libgit2's port of git's `interpret-trailers`.
    ///
    /// - Parameter message: The whole commit message.
    /// - Returns: The trailers in order, their continuation lines joined.
    /// - Throws: ``GitError`` when libgit2 fails to parse them.
    public static func trailers(of message: String) throws(GitError) -> [Trailer] {
        Libgit2Runtime.ensureInitialized()
        var array = git_message_trailer_array()
        try GitError.check(git_message_trailers(&array, message), "reading commit trailers")
        defer { git_message_trailer_array_free(&array) }
        return (0..<array.count).map { i in
            let t = array.trailers[i]
            return Trailer(key: String(cString: t.key), value: unfold(String(cString: t.value)))
        }
    }

    /// Joins a trailer's continuation lines with single spaces, as git does when it parses them.
    private static func unfold(_ value: String) -> String {
        value.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The commits reachable from `head` but not from `base` (`base..head`), newest first, children
    /// before parents. `firstParentOnly` follows only the first parent of merges, as
    /// `git log --first-parent`. A `nil` base walks all of head's history.
    ///
    /// - Parameters:
    ///   - base: The commit whose history is left out; nil for none.
    ///   - head: The commit to walk from.
    ///   - firstParentOnly: Whether to follow only the first parent of merges.
    ///   - limit: The most commits to read; nil for all.
    /// - Returns: The commits, newest first.
    /// - Throws: ``GitError`` when the walk or a commit cannot be read.
    public func commits(from base: ObjectID?, to head: ObjectID, firstParentOnly: Bool = false, limit: Int? = nil)
        throws(GitError) -> [CommitInfo]
    {
        var commits: [CommitInfo] = []
        if let limit, limit <= 0 { return [] }
        try walk(from: base, to: head, firstParentOnly: firstParentOnly) { (id) throws(GitError) -> Bool in
            commits.append(try commit(id))
            return limit.map { commits.count < $0 } ?? true
        }
        return commits
    }

    /// Parses a range as git does — `A..B`, `..B` (from HEAD), `A..` (to HEAD) — and walks it;
    /// see ``commits(from:to:firstParentOnly:limit:)``. The symmetric `A...B` is refused.
    ///
    /// - Parameters:
    ///   - range: `A..B`, `..B` or `A..`.
    ///   - firstParentOnly: Whether to follow only the first parent of merges.
    /// - Returns: The commits, newest first.
    /// - Throws: ``GitError/invalidRange(_:)`` for anything but `A..B`, or the error of resolving
    ///   either side or walking.
    public func commits(inRange range: String, firstParentOnly: Bool = false) throws(GitError) -> [CommitInfo] {
        let (base, head) = try resolveRange(range)
        return try commits(from: base, to: head, firstParentOnly: firstParentOnly)
    }

    /// The two ends of `A..B` (either side may be omitted and means HEAD).
    ///
    /// - Parameter range: `A..B`, `..B` or `A..`.
    /// - Returns: The commits at both ends.
    /// - Throws: ``GitError`` when the range does not parse or a side does not resolve to a commit.
    public func resolveRange(_ range: String) throws(GitError) -> (base: ObjectID, head: ObjectID) {
        guard range.contains(".."), !range.contains("...") else { throw .invalidRange(range) }
        var spec = git_revspec()
        let code = git_revparse(&spec, pointer, range)
        guard code == 0 else { throw .unknownRevision(range, reason: GitError.lastMessage()) }
        let from = spec.from.map(ObjectHandle.init)
        let to = spec.to.map(ObjectHandle.init)
        guard let from, let to, spec.flags & UInt32(GIT_REVSPEC_RANGE.rawValue) != 0 else {
            throw .invalidRange(range)
        }
        return try withExtendedLifetime((from, to)) { () throws(GitError) in
            (try peelToCommit(from, range), try peelToCommit(to, range))
        }
    }

    private func peelToCommit(_ object: ObjectHandle, _ revision: String) throws(GitError) -> ObjectID {
        var peeled: OpaquePointer?
        guard git_object_peel(&peeled, object.pointer, GIT_OBJECT_COMMIT) == 0, let peeled else {
            let type = git_object_type2string(git_object_type(object.pointer)).map { String(cString: $0) } ?? "object"
            throw .notACommit(revision, type: type)
        }
        let commit = ObjectHandle(peeled)
        return withExtendedLifetime(commit) { ObjectID(git_object_id(commit.pointer).pointee) }
    }

    /// Calls `body` with each commit id of `base..head` in walk order until it returns false.
    ///
    /// - Parameters:
    ///   - base: The commit whose history is left out; nil for none.
    ///   - head: The commit to walk from.
    ///   - firstParentOnly: Whether to follow only the first parent of merges.
    ///   - prune: Called with commits the walk reaches; true leaves the commit out, and its
    ///     ancestors too unless another path reaches them (libgit2's hide callback). Nil prunes
    ///     nothing.
    ///   - body: Called with each commit id, newest first; returns false to stop.
    /// - Throws: ``GitError`` when the walk fails, or what `body` throws.
    public func walk(
        from base: ObjectID?, to head: ObjectID, firstParentOnly: Bool = false,
        pruning prune: ((ObjectID) -> Bool)? = nil,
        _ body: (ObjectID) throws(GitError) -> Bool
    ) throws(GitError) {
        guard let prune else {
            return try walk(from: base, to: head, firstParentOnly: firstParentOnly, hideCallback: nil, body)
        }
        try withoutActuallyEscaping(prune) { (escapable) throws(GitError) in
            var pruning = escapable
            try withUnsafeMutablePointer(to: &pruning) { (payload) throws(GitError) in
                try walk(from: base, to: head, firstParentOnly: firstParentOnly, hideCallback: payload, body)
            }
        }
    }

    private func walk(
        from base: ObjectID?, to head: ObjectID, firstParentOnly: Bool,
        hideCallback payload: UnsafeMutablePointer<(ObjectID) -> Bool>?,
        _ body: (ObjectID) throws(GitError) -> Bool
    ) throws(GitError) {
        var walker: OpaquePointer?
        try GitError.check(git_revwalk_new(&walker, pointer), "starting a history walk")
        let walk = RevWalkHandle(walker!)
        defer { withExtendedLifetime(walk) {} }
        try GitError.check(
            git_revwalk_sorting(walk.pointer, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue),
            "sorting the history walk")
        var headOID = head.oid
        try GitError.check(git_revwalk_push(walk.pointer, &headOID), "walking from \(head.short)")
        if let base {
            var baseOID = base.oid
            try GitError.check(git_revwalk_hide(walk.pointer, &baseOID), "hiding \(base.short)")
        }
        if firstParentOnly {
            try GitError.check(git_revwalk_simplify_first_parent(walk.pointer), "following first parents")
        }
        if let payload {
            try GitError.check(
                git_revwalk_add_hide_cb(
                    walk.pointer,
                    { oid, payload in
                        guard let oid, let payload else { return 0 }
                        let prune = payload.assumingMemoryBound(to: ((ObjectID) -> Bool).self)
                        return prune.pointee(ObjectID(oid.pointee)) ? 1 : 0
                    }, payload),
                "pruning the history walk")
        }
        var oid = git_oid()
        while true {
            let code = git_revwalk_next(&oid, walk.pointer)
            if code == GIT_ITEROVER.rawValue { return }
            try GitError.check(code, "walking history")
            guard try body(ObjectID(oid)) else { return }
        }
    }

    /// The merge base of two commits, or nil when they share no history.
    ///
    /// - Parameters:
    ///   - a: One commit.
    ///   - b: The other.
    /// - Returns: Their best common ancestor; nil when they share no history.
    /// - Throws: ``GitError`` when the history cannot be read.
    public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws(GitError) -> ObjectID? {
        var result = git_oid()
        var one = a.oid
        var two = b.oid
        let code = git_merge_base(&result, pointer, &one, &two)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(code, "finding the merge base of \(a.short) and \(b.short)")
        return ObjectID(result)
    }

    // MARK: - Trees and diffs

    func tree(ofCommit id: ObjectID) throws(GitError) -> TreeHandle {
        let commit = try lookupCommit(id)
        var tree: OpaquePointer?
        try GitError.check(git_commit_tree(&tree, commit.pointer), "reading the tree of \(id.short)")
        // The tree is an object of its own (freed by TreeHandle); the commit may go now.
        return TreeHandle(tree!)
    }

    /// The files that differ between the trees of two commits (`nil` stands for the empty tree),
    /// limited to `paths`, renames detected as `git diff -M` does.
    ///
    /// - Parameters:
    ///   - base: The commit on the old side; nil for the empty tree.
    ///   - head: The commit on the new side; nil for the empty tree.
    ///   - paths: The path globs to compare; renames are paired among the files they match.
    ///   - detectRenames: Whether to pair deletions with additions as renames.
    /// - Returns: The changed files, in git's order.
    /// - Throws: ``GitError`` when a tree or blob cannot be read.
    public func diff(from base: ObjectID?, to head: ObjectID?, paths: PathGlobs = .all, detectRenames: Bool = true)
        throws(GitError) -> [FileDelta]
    {
        let baseTree = try base.map { (id) throws(GitError) in try tree(ofCommit: id) }
        let headTree = try head.map { (id) throws(GitError) in try tree(ofCommit: id) }
        return try diff(baseTree, headTree, paths: paths, detectRenames: detectRenames)
    }

    /// The files a commit changed: against its first parent (merges included), or against the
    /// empty tree for a root commit.
    ///
    /// - Parameters:
    ///   - id: The commit.
    ///   - paths: The path globs to compare.
    ///   - detectRenames: Whether to pair deletions with additions as renames.
    /// - Returns: The changed files, in git's order.
    /// - Throws: ``GitError`` when the commit, a tree or a blob cannot be read.
    public func diff(ofCommit id: ObjectID, paths: PathGlobs = .all, detectRenames: Bool = true) throws(GitError)
        -> [FileDelta]
    {
        let commit = try self.commit(id)
        return try diff(from: commit.parents.first, to: id, paths: paths, detectRenames: detectRenames)
    }

    private func diff(_ base: TreeHandle?, _ head: TreeHandle?, paths: PathGlobs, detectRenames: Bool)
        throws(GitError) -> [FileDelta]
    {
        // The tree walk gives git's entries in git's order; renames are paired among the files
        // that match `paths`, as `git diff -M -- <pathspec>` pairs among the files it selects.
        let walked = try treeChanges(base, head, prefixes: paths.directoryPrefixes).filter { delta in
            paths.matchesEverything || delta.oldPath.map(paths.matches) == true
                || delta.newPath.map(paths.matches) == true
        }
        guard detectRenames else { return walked }
        return try RenameDetection.pair(walked, in: self)
    }

    // MARK: - Blobs

    /// A blob's content, unless it is binary or larger than `maxSize` (then only its size is read).
    ///
    /// - Parameters:
    ///   - id: The blob's id.
    ///   - maxSize: The most bytes to read.
    /// - Returns: The text, or that it is binary (a NUL in its first 8,000 bytes) or too large,
    ///   with its size.
    /// - Throws: ``GitError`` when there is no such blob or it cannot be read.
    public func blob(_ id: ObjectID, maxSize: Int) throws(GitError) -> BlobContent {
        let size = try blobSize(id)
        if size > maxSize { return .tooLarge(size: size) }
        var oid = id.oid
        var blobPointer: OpaquePointer?
        try GitError.check(git_blob_lookup(&blobPointer, pointer, &oid), "reading blob \(id.short)")
        let blob = BlobHandle(blobPointer!)
        // The content pointer borrows from the blob: keep it alive until copied.
        defer { withExtendedLifetime(blob) {} }
        let length = Int(git_blob_rawsize(blob.pointer))
        guard length > 0, let raw = git_blob_rawcontent(blob.pointer) else { return .text([]) }
        let bytes = UnsafeRawBufferPointer(start: raw, count: length)
        // git's rule (a NUL in the first 8,000 bytes), not libgit2's heuristic, which also calls a
        // short file with one DEL (U+007F, valid in JSON strings) binary.
        if bytes.prefix(8000).contains(0) { return .binary(size: size) }
        return .text(Array(bytes))
    }
}

// MARK: - Files at a commit

/// A file in a commit's tree.
public struct TreeFile: Sendable, Hashable {
    /// The file's path from the repository's root.
    public var path: String
    /// Its blob's id.
    public var blob: ObjectID
    /// Its git file mode (0o100644, 0o100755, 0o120000 for a symbolic link).
    public var mode: UInt32
}

extension Repository {
    /// The files directly inside `directory` (not its subfolders) in the tree of `commit`; empty
    /// when the directory does not exist there.
    ///
    /// - Parameters:
    ///   - directory: The folder's path from the root; "" for the root.
    ///   - commit: The commit whose tree is read.
    /// - Returns: The files, in tree order.
    /// - Throws: ``GitError`` when the tree cannot be read.
    public func files(in directory: String, at commit: ObjectID) throws(GitError) -> [TreeFile] {
        guard let tree = try folderTree(directory, at: commit) else { return [] }
        return withExtendedLifetime(tree) {
            (0..<git_tree_entrycount(tree.pointer)).compactMap { index -> TreeFile? in
                guard let entry = git_tree_entry_byindex(tree.pointer, index),
                    git_tree_entry_type(entry) == GIT_OBJECT_BLOB
                else { return nil }
                let name = String(cString: git_tree_entry_name(entry))
                return TreeFile(
                    path: directory.isEmpty ? name : directory + "/" + name,
                    blob: ObjectID(git_tree_entry_id(entry).pointee),
                    mode: UInt32(git_tree_entry_filemode(entry).rawValue))
            }
        }
    }

    /// The file called `name` in each folder directly inside `directory` (`hosts/*/patroni.yml`),
    /// at most `limit` of them, with the folder's tree read once rather than each path from the root.
    ///
    /// - Parameters:
    ///   - name: The file name to look for.
    ///   - directory: The folder whose subfolders are searched.
    ///   - commit: The commit whose tree is read.
    ///   - limit: The most files to return.
    /// - Returns: The files found, in tree order.
    /// - Throws: ``GitError`` when a tree cannot be read.
    public func files(named name: String, inFoldersOf directory: String, at commit: ObjectID, limit: Int)
        throws(GitError) -> [TreeFile]
    {
        guard let tree = try folderTree(directory, at: commit) else { return [] }
        var out: [TreeFile] = []
        try withExtendedLifetime(tree) { () throws(GitError) in
            for index in 0..<git_tree_entrycount(tree.pointer) {
                guard out.count < limit, let entry = git_tree_entry_byindex(tree.pointer, index),
                    git_tree_entry_type(entry) == GIT_OBJECT_TREE
                else { continue }
                let folder = String(cString: git_tree_entry_name(entry))
                var lookedUp: OpaquePointer?
                try GitError.check(
                    git_tree_lookup(&lookedUp, pointer, git_tree_entry_id(entry)), "reading folder \(folder)")
                let child = TreeHandle(lookedUp!)
                guard let file = git_tree_entry_byname(child.pointer, name),
                    git_tree_entry_type(file) == GIT_OBJECT_BLOB
                else { continue }
                let prefix = directory.isEmpty ? folder : directory + "/" + folder
                out.append(
                    TreeFile(
                        path: prefix + "/" + name, blob: ObjectID(git_tree_entry_id(file).pointee),
                        mode: UInt32(git_tree_entry_filemode(file).rawValue)))
                withExtendedLifetime(child) {}
            }
        }
        return out
    }

    /// The tree of `directory` in `commit` (the root tree for ""), or nil when there is no such
    /// folder. A subtree is an object of its own: the root may go once it is looked up.
    private func folderTree(_ directory: String, at commit: ObjectID) throws(GitError) -> TreeHandle? {
        let root = try tree(ofCommit: commit)
        if directory.isEmpty { return root }
        var entry: OpaquePointer?
        guard git_tree_entry_bypath(&entry, root.pointer, directory) == 0, let entry else { return nil }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return nil }
        var lookedUp: OpaquePointer?
        try GitError.check(
            git_tree_lookup(&lookedUp, pointer, git_tree_entry_id(entry)), "reading folder \(directory)")
        return TreeHandle(lookedUp!)
    }

    /// The blob at `path` in the tree of `commit`, or nil when there is no file there.
    ///
    /// - Parameters:
    ///   - path: The file's path from the root.
    ///   - commit: The commit whose tree is read.
    /// - Returns: The blob's id; nil when there is no file at `path`.
    /// - Throws: ``GitError`` when the tree cannot be read.
    public func file(at path: String, in commit: ObjectID) throws(GitError) -> ObjectID? {
        let root = try tree(ofCommit: commit)
        var entry: OpaquePointer?
        guard git_tree_entry_bypath(&entry, root.pointer, path) == 0, let entry else { return nil }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
        return withExtendedLifetime(root) { ObjectID(git_tree_entry_id(entry).pointee) }
    }
}
