/// Decides `reverts`: whether a change's new value is one the key held on the base branch's
/// first-parent history within a bounded look-back (the way back to a stable setting must be fast).
struct RevertDetector {
    var lookBack: RevertLookBack
    private var history: [ObjectID]? = nil

    init(lookBack: RevertLookBack) {
        self.lookBack = lookBack
    }

    /// True when `key` in `file` held `value` at one of the commits before `base`.
    mutating func reverts(
        file: String, key: String, to value: ConfigValue, base: ObjectID, now: Int, differ: inout RepositorySettingsDiff
    ) throws(GitError) -> Bool {
        for commit in try earlierCommits(base: base, now: now, repository: differ.repository) {
            if let old = try differ.settings(of: file, at: commit)?[key], old.isSameSetting(as: value) { return true }
        }
        return false
    }

    /// The base's first-parent ancestors within the look-back, newest first (the base excluded: its
    /// value is the change's old value).
    private mutating func earlierCommits(base: ObjectID, now: Int, repository: Repository) throws(GitError)
        -> [ObjectID]
    {
        if let history { return history }
        // Follow first parents by hand: a sorted walk would read the whole history first.
        var commits: [ObjectID] = []
        let oldest = Int64(now - lookBack.days * 86_400)
        var next = try repository.commit(base).parents.first
        while let id = next, commits.count < lookBack.commits {
            let commit = try repository.commit(id)
            guard commit.committer.time >= oldest else { break }
            commits.append(id)
            next = commit.parents.first
        }
        history = commits
        return commits
    }
}
