internal import CGit2

extension Repository {
    /// The branch `HEAD` names (`refs/heads/main`), or nil when HEAD is detached, missing, or names a
    /// branch that does not exist (`git init --bare` names `master` whatever is pushed).
    ///
    /// - Returns: The full ref name, or nil.
    public func defaultBranch() -> String? {
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, pointer, "HEAD") == 0, let reference else { return nil }
        defer { git_reference_free(reference) }
        guard let name = git_reference_symbolic_target(reference).map({ String(cString: $0) }) else { return nil }
        var oid = git_oid()
        return git_reference_name_to_id(&oid, pointer, name) == 0 ? name : nil
    }

    /// Every ref's name and the commit it holds (annotated tags peeled); refs to trees or blobs,
    /// and symbolic refs, are left out.
    ///
    /// - Returns: Each ref's full name and its commit.
    /// - Throws: ``GitError`` when the refs cannot be listed or read.
    public func referenceCommits() throws(GitError) -> [(name: String, commit: ObjectID)] {
        var names = git_strarray()
        try GitError.check(git_reference_list(&names, pointer), "listing refs")
        defer { git_strarray_dispose(&names) }
        var result: [(name: String, commit: ObjectID)] = []
        for index in 0..<names.count {
            guard let name = names.strings[index].map({ String(cString: $0) }), name != "HEAD" else { continue }
            var oid = git_oid()
            guard git_reference_name_to_id(&oid, pointer, name) == 0 else { continue }
            if let commit = try? resolveCommit(ObjectID(oid).hex) { result.append((name, commit)) }
        }
        return result
    }

    /// The commits reachable from `head` but from none of `hidden` (`git rev-list head --not …`).
    /// `limit`: stop after that many (nil: all).
    ///
    /// - Parameters:
    ///   - head: The commit to walk from.
    ///   - hidden: Commits whose history is left out.
    ///   - limit: The most commits to return; nil for all.
    /// - Returns: The commit ids, in libgit2's default walk order.
    /// - Throws: ``GitError`` when the walk fails.
    public func commits(to head: ObjectID, hiding hidden: [ObjectID], limit: Int? = nil) throws(GitError)
        -> [ObjectID]
    {
        var walker: OpaquePointer?
        try GitError.check(git_revwalk_new(&walker, pointer), "starting a history walk")
        let walk = RevWalkHandle(walker!)
        defer { withExtendedLifetime(walk) {} }
        var headOID = head.oid
        try GitError.check(git_revwalk_push(walk.pointer, &headOID), "walking from \(head.short)")
        for id in hidden {
            var oid = id.oid
            try GitError.check(git_revwalk_hide(walk.pointer, &oid), "hiding \(id.short)")
        }
        var result: [ObjectID] = []
        var oid = git_oid()
        while true {
            let code = git_revwalk_next(&oid, walk.pointer)
            if code == GIT_ITEROVER.rawValue { return result }
            try GitError.check(code, "walking history")
            result.append(ObjectID(oid))
            if let limit, result.count >= limit { return result }
        }
    }
}
