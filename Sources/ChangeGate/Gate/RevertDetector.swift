/// Decides `reverts`: whether a change's new value is one the key held on the base branch's
/// first-parent history within a bounded look-back (the way back to a stable setting must be fast).
///
/// The history is read once per decision: each look-back commit is compared with its parent on the
/// changed files' paths alone, so every file's earlier contents are known as a short list of
/// distinct blobs — not one tree lookup per file per commit. A file's earlier blobs are parsed
/// (together, on every core) the first time a change of that file is asked about.
struct RevertDetector {
    var lookBack: RevertLookBack
    /// The distinct blobs each asked-for file held before the base, newest first.
    private var earlierBlobs: [String: [ObjectID]] = [:]
    /// The files whose earlier blobs are parsed.
    private var loaded: Set<String> = []

    init(lookBack: RevertLookBack) {
        self.lookBack = lookBack
    }

    /// Reads the look-back history of `files` (paths as at `base`).
    mutating func prepare(
        files: Set<String>, base: ObjectID, now: Int, differ: inout RepositorySettingsDiff
    ) throws(GitError) {
        let repository = differ.repository
        var current: [String: ObjectID] = [:]
        for file in files { current[file] = try repository.file(at: file, in: base) }
        var seen: [String: Set<ObjectID>] = [:]
        for (file, blob) in current { seen[file] = [blob] }
        let oldest = Int64(now - lookBack.days * 86_400)
        // Walk first parents by hand: a sorted walk would read the whole history first.
        let paths = PathSet(files.filter { current[$0] != nil })
        var child = base
        var next = try repository.commit(base).parents.first
        var steps = 0
        while let parentID = next, steps < lookBack.commits, !current.isEmpty {
            let parent = try repository.commit(parentID)
            guard parent.committer.time >= oldest else { break }
            steps += 1
            // What `child` changed relative to `parent` gives each file's blob at `parent`.
            for change in try repository.changes(in: paths, from: parentID, to: child) where current[change.path] != nil
            {
                if let old = change.old {
                    current[change.path] = old
                    if seen[change.path, default: []].insert(old).inserted {
                        earlierBlobs[change.path, default: []].append(old)
                    }
                } else {
                    // The file did not exist before `child`.
                    current[change.path] = nil
                }
            }
            child = parentID
            next = parent.parents.first
        }
    }

    /// True when `key` in `file` held `value` at one of the commits before the base (the base's own
    /// value is the change's old value, so it is not counted).
    mutating func reverts(
        file: String, key: String, to value: ConfigValue, differ: inout RepositorySettingsDiff
    ) throws(GitError) -> Bool {
        let blobs = earlierBlobs[file] ?? []
        if loaded.insert(file).inserted { try differ.preload(blobs.map { ($0, file) }) }
        for blob in blobs {
            if let old = try differ.setting(key, ofBlob: blob, path: file), old.value.isSameSetting(as: value) {
                return true
            }
        }
        return false
    }
}
