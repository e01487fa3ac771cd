internal import CGit2

/// A failure of the git layer, with libgit2's own message where it has one.
public enum GitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `path` is not a git repository (or cannot be read as one).
    case notARepository(path: String, reason: String)
    /// No object matches the revision, or it does not lead to a commit.
    case unknownRevision(String, reason: String)
    /// The revision names several objects (a short id that is too short).
    case ambiguousRevision(String, reason: String)
    /// The revision exists but is not a commit (a tree or a blob, say).
    case notACommit(String, type: String)
    /// A range that is not `A..B`.
    case invalidRange(String)
    /// Two commits that share no history, where a merge base was needed.
    case noMergeBase(base: String, head: String)
    /// A fetch from `remote` (a remote's name, or its URL with any credentials redacted) failed:
    /// unreachable, not a repository, or a refspec it refused; libgit2's code and message.
    case fetchFailed(remote: String, code: Int32, message: String)
    /// Any other libgit2 failure: the operation we attempted, libgit2's code and message.
    case libgit2(operation: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .notARepository(let path, let reason):
            "not a git repository: \(path) (\(reason))"
        case .unknownRevision(let revision, let reason):
            "unknown revision `\(revision)`: \(reason)"
        case .ambiguousRevision(let revision, let reason):
            "ambiguous revision `\(revision)`: \(reason); give more characters of the id"
        case .notACommit(let revision, let type):
            "revision `\(revision)` is a \(type), not a commit"
        case .invalidRange(let range):
            "invalid range `\(range)`: expected BASE..HEAD"
        case .noMergeBase(let base, let head):
            "`\(base)` and `\(head)` share no history (no merge base): there is no fork point to compare from"
        case .fetchFailed(let remote, let code, let message):
            "cannot fetch from \(remote): \(message) (libgit2 error \(code))"
        case .libgit2(let operation, let code, let message):
            "\(operation) failed: \(message) (libgit2 error \(code))"
        }
    }

    /// libgit2's message for the last failure on this thread.
    static func lastMessage() -> String {
        guard let error = git_error_last(), let message = error.pointee.message else { return "unknown error" }
        return String(cString: message)
    }

    /// Throws ``libgit2(operation:code:message:)`` when `code` is negative.
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(GitError) {
        if code < 0 {
            throw .libgit2(operation: operation(), code: code, message: lastMessage())
        }
    }
}
