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
            guard let blob, let systems = try differ.systems(ofBlob: blob, path: path),
                let settings = try differ.values(ofBlob: blob, path: path)
            else { return [] }
            var others: [PatroniMember] = []
            if systems.contains(.patroni), let cluster = PatroniMember.cluster(of: settings), let tree {
                if members == nil { members = try patroniMembers(in: tree, differ: &differ) }
                others = (members?[cluster] ?? []).filter { $0.file != path }
            }
            return FailoverModel.assess(settings, systems: systems, file: path, members: others)
        }
        var out: [FailoverChange] = []
        for (path, previous) in files {
            let after = try assess(headBlobs[path], path: path, tree: head, members: &headMembers)
            let before = try assess(baseBlobs[previous], path: previous, tree: base, members: &baseMembers)
            guard !after.isEmpty || !before.isEmpty else { continue }
            out.append(
                FailoverChange(
                    file: path, previousFile: previous == path ? nil : previous, base: before, head: after,
                    headExists: headBlobs[path] != nil))
        }
        return out
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
