/// The failover model run over a change: each changed file's assessments on both sides, for the
/// policy's `failover_*` fields and the report's failover lines.
extension Gate {
    /// `files` are the changed files (path after, path before); the blobs come from the tree diff.
    /// A Patroni member's cluster is read from the same side's tree: every selected file with the
    /// same `namespace` and `scope` is another member, so that a priority set to 0 in one member's
    /// file is judged against the tags of the others.
    static func failoverChanges(
        files: [(path: String, previous: String)], headBlobs: [String: ObjectID], baseBlobs: [String: ObjectID],
        head: ObjectID, base: ObjectID?, differ: inout RepositorySettingsDiff
    ) throws(GitError) -> [FailoverChange] {
        var headMembers: [String: [PatroniMember]]? = nil
        var baseMembers: [String: [PatroniMember]]? = nil
        func assess(_ blob: ObjectID?, path: String, tree: ObjectID?, members: inout [String: [PatroniMember]]?)
            throws(GitError) -> [FailoverAssessment]
        {
            try assessSide(blob, path: path, tree: tree, members: &members, differ: &differ)
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
        _ blob: ObjectID?, path: String, tree: ObjectID?, members: inout [String: [PatroniMember]]?,
        differ: inout RepositorySettingsDiff
    ) throws(GitError) -> [FailoverAssessment] {
        guard let blob, let systems = try differ.systems(ofBlob: blob, path: path),
            let settings = try differ.values(ofBlob: blob, path: path)
        else { return [] }
        var others: [PatroniMember] = []
        if systems.contains(.patroni), let cluster = PatroniMember.cluster(of: settings), let tree {
            if members == nil { members = try patroniMembers(in: tree, differ: &differ) }
            others = (members?[cluster] ?? []).filter { $0.file != path }
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
    /// overrides, found among the files the repository's policy at that commit selects (the usual
    /// configuration files when it has none that compiles).
    public func failoverAssessments(of path: String, at commit: ObjectID) throws(GitError) -> [FailoverAssessment] {
        let program = (try? PolicyLoader.load(in: repository, at: commit))?.result.program
        var differ = RepositorySettingsDiff(
            repository: repository, selectors: program.map(Self.selectors(of:)) ?? FileSelector.likelyConfigFiles)
        var members: [String: [PatroniMember]]? = nil
        return try Self.assessSide(
            try repository.file(at: path, in: commit), path: path, tree: commit, members: &members, differ: &differ)
    }

    /// The Patroni members among the selected files of `tree`, by cluster (``PatroniMember/cluster(of:)``).
    private static func patroniMembers(in tree: ObjectID, differ: inout RepositorySettingsDiff) throws(GitError)
        -> [String: [PatroniMember]]
    {
        var members: [String: [PatroniMember]] = [:]
        for delta in try differ.plan(from: nil, to: tree).files {
            guard let path = delta.newPath, let blob = delta.newBlob,
                try differ.systems(ofBlob: blob, path: path)?.contains(.patroni) == true,
                let settings = try differ.values(ofBlob: blob, path: path),
                let cluster = PatroniMember.cluster(of: settings)
            else { continue }
            members[cluster, default: []].append(PatroniMember(file: path, settings: settings))
        }
        return members
    }
}
