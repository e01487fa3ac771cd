/// The failover model run over a change: each changed file's assessments on both sides, for the
/// policy's `failover_*` fields and the report's failover lines.
extension Gate {
    /// `files` are the changed files (path after, path before); the blobs come from the tree diff.
    /// A Patroni member's cluster is read from the same side's tree: the files beside it with the
    /// same `namespace`, `scope` and DCS are the other members (``patroniMembers(beside:in:scope:into:rejected:differ:)``),
    /// so that a priority set to 0 in one member's file is judged against the tags of the others.
    static func failoverChanges(
        files: [(path: String, previous: String)], headBlobs: [String: ObjectID], baseBlobs: [String: ObjectID],
        head: ObjectID, base: ObjectID?, differ: inout RepositorySettingsDiff
    ) throws(GitError) -> [FailoverChange] {
        var headMembers = PatroniMembersCache()
        var baseMembers = PatroniMembersCache()
        // Blobs (with a scope) whose bytes do not name it, for both sides: they share most files.
        var rejected = Set<String>()
        func assess(_ blob: ObjectID?, path: String, tree: ObjectID?, members: inout PatroniMembersCache)
            throws(GitError) -> [FailoverAssessment]
        {
            try assessSide(blob, path: path, tree: tree, members: &members, rejected: &rejected, differ: &differ)
        }
        var out: [FailoverChange] = []
        var judged = Set<String>()
        for (path, previous) in files {
            judged.insert(path)
            let after = try assess(headBlobs[path], path: path, tree: head, members: &headMembers)
            let before = try assess(baseBlobs[previous], path: previous, tree: base, members: &baseMembers)
            guard !after.isEmpty || !before.isEmpty else { continue }
            out.append(
                FailoverChange(
                    file: path, previousFile: previous == path ? nil : previous, base: before, head: after,
                    headExists: headBlobs[path] != nil))
        }
        // A changed `values.yaml` changes every override file layered on it, changed or not: each
        // selected one beside it is judged too (a quorum raised in the defaults reaches production).
        let changedDefaults = Set(files.map(\.path).filter { ["values.yaml", "values.yml"].contains(fileName($0)) })
        if !changedDefaults.isEmpty {
            for delta in try differ.plan(from: nil, to: head).files {
                guard let path = delta.newPath, !judged.contains(path), let blob = delta.newBlob else { continue }
                let settings = try differ.values(ofBlob: blob, path: path) ?? [:]
                guard
                    ValuesDefaults.defaultsCandidates(for: path, settings: settings).contains(
                        where: changedDefaults.contains)
                else { continue }
                judged.insert(path)
                let oldBlob = try base.flatMap { (base) throws(GitError) in
                    try differ.repository.file(at: path, in: base)
                }
                let after = try assess(blob, path: path, tree: head, members: &headMembers)
                let before = try assess(oldBlob, path: path, tree: base, members: &baseMembers)
                guard !after.isEmpty || !before.isEmpty else { continue }
                out.append(FailoverChange(file: path, base: before, head: after))
            }
        }
        return out
    }

    private static func fileName(_ path: String) -> Substring {
        path.lastIndex(of: "/").map { path[path.index(after: $0)...] } ?? Substring(path)
    }

    /// One side of a file as the gate assesses it: with its Patroni cluster's other members and the
    /// `values.yaml` it overrides, read from `tree` (`members` caches the tree's members).
    static func assessSide(
        _ blob: ObjectID?, path: String, tree: ObjectID?, members: inout PatroniMembersCache,
        rejected: inout Set<String>, differ: inout RepositorySettingsDiff
    ) throws(GitError) -> [FailoverAssessment] {
        guard let blob, let systems = try differ.systems(ofBlob: blob, path: path),
            let settings = try differ.values(ofBlob: blob, path: path)
        else { return [] }
        var others: [PatroniMember] = []
        if systems.contains(.patroni), let cluster = PatroniMember.cluster(of: settings), let tree,
            let scope = settings["scope"]?.scalarText
        {
            try patroniMembers(
                beside: path, in: tree, scope: scope, into: &members, rejected: &rejected, differ: &differ)
            others = (members.byCluster[cluster] ?? []).filter { $0.file != path }
        }
        // An override values file is what Helm layers over the `values.yaml` beside it.
        var defaults: ValuesDefaults? = nil
        if let tree {
            for candidate in ValuesDefaults.defaultsCandidates(for: path, settings: settings) {
                guard let values = try differ.values(of: candidate, at: tree) else { continue }
                defaults = ValuesDefaults(path: candidate, settings: values)
                break
            }
        }
        return FailoverModel.assess(
            settings, systems: systems, file: path, members: others, valuesDefaults: defaults)
    }

    /// What the gate's failover model makes of `path` at `commit` (`changegate failover explain
    /// --rev`): the file with the other members of its Patroni cluster and the `values.yaml` it
    /// overrides, each read as the repository's policy at that commit reads it (the usual
    /// configuration files when it has none that compiles).
    ///
    /// - Parameters:
    ///   - path: The file's path in the repository.
    ///   - commit: The commit to read it at.
    /// - Returns: One assessment per failover model that applies; empty when none does or the file
    ///   is not at `commit`.
    /// - Throws: ``GitError`` when the commit's tree or a blob cannot be read.
    public func failoverAssessments(of path: String, at commit: ObjectID) throws(GitError) -> [FailoverAssessment] {
        let program = (try? PolicyLoader.load(in: repository, at: commit))?.result.program
        var differ = RepositorySettingsDiff(
            repository: repository, selectors: program.map(Self.selectors(of:)) ?? FileSelector.likelyConfigFiles,
            sharedCache: sharedCache)
        var members = PatroniMembersCache()
        var rejected = Set<String>()
        return try Self.assessSide(
            try repository.file(at: path, in: commit), path: path, tree: commit, members: &members,
            rejected: &rejected, differ: &differ)
    }

    /// The Patroni members of `scope` beside `path` in `tree`: the selected files in its folder,
    /// and the file of the same name in each folder beside that one (`db/pg/postgres0.yml` …
    /// `postgres2.yml`; `hosts/db1/patroni.yml`, `hosts/db2/patroni.yml`). Only files whose bytes
    /// hold the scope's text are parsed. Looking no further keeps a one-commit push cheap on a large
    /// tree; a member elsewhere is not counted, which can only make failover look less possible,
    /// never more (and a member's file with no other member found is judged by its own tags).
    private static func patroniMembers(
        beside path: String, in tree: ObjectID, scope: String, into cache: inout PatroniMembersCache,
        rejected: inout Set<String>, differ: inout RepositorySettingsDiff
    ) throws(GitError) {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
        let key = folder + "\u{0}" + scope
        guard cache.scanned.insert(key).inserted else { return }
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        var candidates = try differ.repository.files(in: folder, at: tree).prefix(Self.memberCandidateLimit)
            .map { ($0.path, $0.blob) }
        if !folder.isEmpty {
            let parent = folder.lastIndex(of: "/").map { String(folder[..<$0]) } ?? ""
            for file in try differ.repository.files(
                named: name, inFoldersOf: parent, at: tree, limit: Self.memberCandidateLimit)
            where file.path != path {
                candidates.append((file.path, file.blob))
            }
        }
        let needle = Array(scope.utf8)
        // Any file there may be a member, selected by the policy or not: it is only read as the
        // model's input (and matching each path against the policy's globs costs more than the read).
        for (candidate, blob) in candidates {
            // Both sides mostly share these files: a blob known not to name the scope is not read again.
            let probe = blob.hex + "\u{0}" + scope
            guard cache.seen.insert(candidate + "\u{0}" + blob.hex).inserted, !rejected.contains(probe),
                case .text(let bytes) = try differ.repository.blob(blob, maxSize: ReaderLimits.default.maxFileSize),
                ByteSearch.contains(needle, in: bytes)
                    || {
                        rejected.insert(probe); return false
                    }(),
                try differ.systems(ofBlob: blob, path: candidate)?.contains(.patroni) == true,
                let settings = try differ.values(ofBlob: blob, path: candidate),
                settings["scope"]?.scalarText == scope, let cluster = PatroniMember.cluster(of: settings)
            else { continue }
            cache.byCluster[cluster, default: []].append(PatroniMember(file: candidate, settings: settings))
        }
    }

    /// Files looked at for other members of one cluster: a folder of thousands of files is not a
    /// cluster's, and bounds the work of one decision.
    static let memberCandidateLimit = 256
}

/// The Patroni members of one side's tree found so far, for each scope looked for.
struct PatroniMembersCache {
    /// Folder and scope pairs looked in, and files (path and blob) already counted.
    var scanned = Set<String>()
    var seen = Set<String>()
    var byCluster: [String: [PatroniMember]] = [:]
}
