import Foundation

/// ChangeGate's commit-graph of a repository, `GIT_DIR/changegate/commit-graph/info/commit-graph`,
/// beside the history index: the parents and times of its commits in a file libgit2 can read
/// (``CommitGraphWriter``), so a
/// sorted walk of 100,000 commits takes milliseconds instead of parsing every commit object
/// (``Repository/useCommitGraph(in:)`` says why the repository's own graph does not serve).
///
/// Like the index it is a cache of what the objects say, and may be deleted at any time: a commit
/// it lacks is read from its object, so a stale graph costs time, never a different walk. It is
/// rewritten whole once ``rewriteAfter`` commits of a walk are missing from it, which bounds the
/// time a walk loses to them; the gate never reads it.
public enum WalkGraph {
    /// Past this many commits missing from the graph, a refresh rewrites it (each costs a walk
    /// ~7.5 µs; a rewrite ~12 µs per commit of the whole history).
    public static let rewriteAfter = 512

    /// `GIT_DIR/changegate/commit-graph`.
    ///
    /// - Parameter gitDirectory: The repository's git directory.
    /// - Returns: The folder whose `info/commit-graph` holds the graph.
    public static func folder(gitDirectory: String) -> String {
        (gitDirectory as NSString).appendingPathComponent("changegate/commit-graph")
    }

    /// What a refresh found or did.
    public enum Refresh: Sendable, Equatable {
        /// The graph holds every head.
        case current
        /// The graph lacks this many commits of the walk, fewer than ``WalkGraph/rewriteAfter``: left.
        case behind(Int)
        /// The graph was (re)written.
        case written
    }

    /// Points `repository`'s walks at its graph, when there is one.
    ///
    /// - Parameter repository: The repository walked.
    /// - Returns: The graph in use (its commits and times, for a walk bounded in time to prune by);
    ///   nil when there is none or libgit2 refused it.
    @discardableResult
    public static func use(in repository: Repository) -> CommitGraphFile? {
        let folder = folder(gitDirectory: repository.path)
        guard let graph = CommitGraphFile(path: folder + "/info/commit-graph"),
            repository.useCommitGraph(in: folder)
        else { return nil }
        return graph
    }

    /// Rewrites the graph when it is missing, unreadable, or lacks ``rewriteAfter`` or more of the
    /// commits reachable from `heads`; otherwise leaves it.
    ///
    /// - Parameters:
    ///   - repository: The repository.
    ///   - heads: Where walks start (the tips just scanned or pushed).
    /// - Returns: What was found or done.
    /// - Throws: ``CommitGraphWriter/Failure`` when the walk or the writing fails (the graph is
    ///   then as it was).
    @discardableResult
    public static func refresh(_ repository: Repository, heads: [ObjectID]) throws(CommitGraphWriter.Failure)
        -> Refresh
    {
        let path = folder(gitDirectory: repository.path) + "/info/commit-graph"
        do {
            if let graph = CommitGraphFile(path: path) {
                if heads.allSatisfy(graph.contains) { return .current }
                let missing = try repository.commitsMissing(from: graph, heads: heads, limit: rewriteAfter)
                if missing < rewriteAfter { return .behind(missing) }
            }
            try CommitGraphWriter.write(try repository.commitGraphEntries(reachableFrom: heads), to: path)
            return .written
        } catch let failure as CommitGraphWriter.Failure {
            throw failure
        } catch {
            throw CommitGraphWriter.Failure(reason: "\(path): \(error)")
        }
    }
}
