internal import CGit2
import Foundation

// libgit2 (1.5) reads a repository's own `objects/info/commit-graph` only when it holds no chunk it
// does not know, and git since 2.31 writes generation data (GDA2) into every graph it makes: so on a
// real server libgit2 parses every commit object of a walk, ~7.5 µs each, 0.75 s for 100,000
// commits before a sorted walk yields its first. These calls read what a graph of ChangeGate's own
// (``CommitGraphWriter``) needs, and point walks at it.

extension Repository {
    /// Makes this repository's walks read commits' parents and times from the commit-graph at
    /// `folder/info/commit-graph` (instead of the repository's own), when one is there and libgit2
    /// accepts it (its checksum holds). A commit the graph lacks is read from its object, as
    /// without one: a graph behind the refs costs time, never a wrong walk (a commit's parents and
    /// time are part of its id).
    ///
    /// - Parameter folder: The folder whose `info/commit-graph` to read.
    /// - Returns: True when walks use it from now on.
    @discardableResult
    public func useCommitGraph(in folder: String) -> Bool {
        guard FileManager.default.fileExists(atPath: folder + "/info/commit-graph") else { return false }
        var graph: OpaquePointer?
        guard git_commit_graph_open(&graph, folder) == 0, let graph else { return false }
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, pointer) == 0, let odb else {
            git_commit_graph_free(graph)
            return false
        }
        defer { git_odb_free(odb) }
        // From here the object database owns the graph and frees it with itself.
        guard git_odb_set_commit_graph(odb, graph) == 0 else {
            git_commit_graph_free(graph)
            return false
        }
        return true
    }

    /// Every commit reachable from the refs and from `heads`, as a commit-graph holds it.
    ///
    /// - Parameter heads: Commits to include besides the refs' (a walk's head that no ref holds).
    /// - Returns: The commits, in no particular order.
    /// - Throws: ``GitError`` when the walk fails or a commit cannot be read.
    public func commitGraphEntries(reachableFrom heads: [ObjectID]) throws(GitError) -> [CommitGraphEntry] {
        var walker: OpaquePointer?
        try GitError.check(git_revwalk_new(&walker, pointer), "starting a history walk")
        let walk = RevWalkHandle(walker!)
        defer { withExtendedLifetime(walk) {} }
        for commit in try referenceCommits().map(\.commit) + heads {
            var oid = commit.oid
            try GitError.check(git_revwalk_push(walk.pointer, &oid), "walking from \(commit.short)")
        }
        var entries: [CommitGraphEntry] = []
        var oid = git_oid()
        while true {
            let code = git_revwalk_next(&oid, walk.pointer)
            if code == GIT_ITEROVER.rawValue { return entries }
            try GitError.check(code, "walking history")
            let commit = try lookupCommit(ObjectID(oid))
            let count = git_commit_parentcount(commit.pointer)
            var parents: [ObjectID] = []
            parents.reserveCapacity(Int(count))
            for index in 0..<count {
                guard let parent = git_commit_parent_id(commit.pointer, index) else { continue }
                parents.append(ObjectID(parent.pointee))
            }
            entries.append(
                CommitGraphEntry(
                    id: ObjectID(oid), tree: ObjectID(git_commit_tree_id(commit.pointer).pointee), parents: parents,
                    time: Int64(git_commit_time(commit.pointer))))
        }
    }

    /// How many commits reachable from `heads` `graph` lacks, counted up to `limit`: the walk stops
    /// at every commit the graph holds (its ancestors are in it too), so it reads only the new ones.
    ///
    /// - Parameters:
    ///   - graph: The commits a graph holds.
    ///   - heads: Where walks start.
    ///   - limit: Stop counting here.
    /// - Returns: The number of commits missing, at most `limit`.
    /// - Throws: ``GitError`` when the walk fails.
    func commitsMissing(from graph: CommitGraphFile, heads: [ObjectID], limit: Int) throws(GitError) -> Int {
        var walker: OpaquePointer?
        try GitError.check(git_revwalk_new(&walker, pointer), "starting a history walk")
        let walk = RevWalkHandle(walker!)
        defer { withExtendedLifetime(walk) {} }
        var membership = graph
        return try withUnsafeMutablePointer(to: &membership) { (payload) throws(GitError) -> Int in
            try GitError.check(
                git_revwalk_add_hide_cb(
                    walk.pointer,
                    { oid, payload in
                        guard let oid, let payload else { return 0 }
                        let graph = payload.assumingMemoryBound(to: CommitGraphFile.self)
                        return graph.pointee.contains(ObjectID(oid.pointee)) ? 1 : 0
                    }, payload),
                "hiding the commits of the commit-graph")
            for head in heads {
                var oid = head.oid
                try GitError.check(git_revwalk_push(walk.pointer, &oid), "walking from \(head.short)")
            }
            var count = 0
            var oid = git_oid()
            while count < limit {
                let code = git_revwalk_next(&oid, walk.pointer)
                if code == GIT_ITEROVER.rawValue { break }
                try GitError.check(code, "walking history")
                count += 1
            }
            return count
        }
    }
}
