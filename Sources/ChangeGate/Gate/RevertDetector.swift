/// Decides `reverts`: whether a change's new value is one the target branch held as known good.
///
/// Known good means: the value stood at the branch's *tips* — the commits the gate accepted as the
/// ref's new tip and that landed (``KnownGoodTips/accepted(_:)``, from the audit trail), or, where no
/// trail is at hand, the merge commits of the branch's first-parent history
/// (``KnownGoodTips/firstParentHistory``) — for at
/// least `stable` seconds, within the look-back, and was not itself reverted away. A value seen
/// only inside a push (a commit that was never a tip) never counts, so a push of "set it, set it
/// back" cannot make the next push of the bad value a revert.
///
/// The history is read once per decision: each look-back commit is compared with its parent on the
/// changed files' paths alone, so every file's blob at every tip is known without a tree lookup per
/// file per commit. A file's blobs are parsed (together, on every core) the first time a change of
/// that file is asked about.
struct RevertDetector {
    var lookBack: RevertLookBack
    var tips: KnownGoodTips
    /// The tips on the base's first-parent chain within the look-back, newest first: when each
    /// became the tip, and each asked-for file's blob there (nil: the file did not exist).
    private var timeline: [(time: Int, blobs: [String: ObjectID?])] = []
    /// The files whose blobs are parsed.
    private var loaded: Set<String> = []
    /// Each (file, key)'s known-good values, worked out once.
    private var knownGood: [String: [ConfigValue]] = [:]

    init(lookBack: RevertLookBack, tips: KnownGoodTips) {
        self.lookBack = lookBack
        self.tips = tips
    }

    /// Reads the look-back history of `files` (paths as at `base`).
    mutating func prepare(
        files: Set<String>, base: ObjectID, now: Int, differ: inout RepositorySettingsDiff
    ) throws(GitError) {
        let repository = differ.repository
        var current: [String: ObjectID] = [:]
        for file in files { current[file] = try repository.file(at: file, in: base) }
        let oldest = now - lookBack.seconds
        let paths = PathSet(files.filter { current[$0] != nil })
        // Walk first parents by hand: a sorted walk would read the whole history first.
        var commitID = base
        var commit = try repository.commit(base)
        var steps = 0
        while true {
            if let time = tipTime(commit, base: base) {
                guard time >= oldest else { break }
                timeline.append((time, files.reduce(into: [:]) { $0[$1] = current[$1] }))
            }
            guard let parentID = commit.parents.first, steps < lookBack.commits, !current.isEmpty else { break }
            let parent = try repository.commit(parentID)
            // In the first-parent fallback a commit's time is its committer date; past the window,
            // stop (the accepted tips carry their own times and are checked above).
            if case .firstParentHistory = tips, Int(parent.committer.time) < oldest { break }
            steps += 1
            // What `commit` changed relative to `parent` gives each file's blob at `parent`.
            for change in try repository.changes(in: paths, from: parentID, to: commitID)
            where current[change.path] != nil {
                current[change.path] = change.old
            }
            commitID = parentID
            commit = parent
        }
    }

    /// When `commit` became a tip of the branch; nil when it never was one.
    private func tipTime(_ commit: CommitInfo, base: ObjectID) -> Int? {
        switch tips {
        case .firstParentHistory:
            // Merges are where reviewed changes land; a fast-forwarded pull request's inner commits
            // were never judged one by one, so they are no tips (the base ends the last run).
            commit.isMerge || commit.id == base ? Int(commit.committer.time) : nil
        case .accepted(let accepted): accepted[commit.id]
        }
    }

    /// True when `value` is a known-good value of `key` in `file` (see the type's summary).
    mutating func reverts(
        file: String, key: String, to value: ConfigValue, differ: inout RepositorySettingsDiff
    ) throws(GitError) -> Bool {
        let cacheKey = file + "\u{0}" + key
        if let values = knownGood[cacheKey] { return values.contains { $0.isSameSetting(as: value) } }
        if loaded.insert(file).inserted {
            var seen = Set<ObjectID>()
            let blobs = timeline.compactMap { $0.blobs[file] ?? nil }.filter { seen.insert($0).inserted }
            try differ.preload(blobs.map { ($0, file) })
        }
        // The runs of equal values at the tips, oldest first: when each began and what it held.
        // An unreadable version is a run of its own that equals nothing.
        enum Held {
            case value(ConfigValue?)
            case unreadable
            func same(_ other: Held) -> Bool {
                switch (self, other) {
                case (.value(nil), .value(nil)): true
                case (.value(let a?), .value(let b?)): a.isSameSetting(as: b)
                default: false
                }
            }
        }
        var runs: [(start: Int, held: Held)] = []
        for tip in timeline.reversed() {
            var held = Held.value(nil)
            if let blob = tip.blobs[file] ?? nil {
                held = try differ.setting(key, ofBlob: blob, path: file).map { .value($0.value) } ?? .unreadable
                if case .unreadable = held, try differ.values(ofBlob: blob, path: file, keys: [key]) != nil {
                    held = .value(nil)  // The file reads; the key is absent.
                }
            }
            if let last = runs.last, last.held.same(held) { continue }
            runs.append((tip.time, held))
        }
        // A run is known good when it stood for `stable` seconds before the next began, and the
        // next was not a return to an earlier known-good value (that would mean it was reverted
        // away). The newest run is the base's own value: the change's old side, never a revert.
        var good: [ConfigValue] = []
        var revertedAway: [ConfigValue] = []
        for index in runs.indices.dropLast() {
            guard case .value(let held?) = runs[index].held else { continue }
            let next = runs[index + 1]
            guard next.start - runs[index].start >= lookBack.stable else { continue }
            if case .value(let after?) = next.held, good.contains(where: { $0.isSameSetting(as: after) }) {
                revertedAway.append(held)
                continue
            }
            good.append(held)
        }
        good.removeAll { value in revertedAway.contains { $0.isSameSetting(as: value) } }
        knownGood[cacheKey] = good
        return good.contains { $0.isSameSetting(as: value) }
    }
}

/// Which commits of the target branch count as its tips for `reverts`.
public enum KnownGoodTips: Sendable, Hashable {
    /// The merge commits on the base's first-parent chain, at their committer dates: what a check
    /// without the hook's trail has. Merges are where reviewed pull requests land; a linear
    /// (fast-forwarded or rebased) history has no tips, so nothing on it is a revert without the
    /// trail. The dates are the committer's claim (the forge's, for its merge button).
    case firstParentHistory
    /// The commits the gate accepted as the ref's tip, each with when it was accepted (the audit
    /// trail's record time). A commit on the base's first-parent chain that is not here never
    /// counts: its value was seen only inside a push.
    case accepted([ObjectID: Int])
}
