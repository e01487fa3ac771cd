/// What a webhook delivery asks the server to judge: a pull (merge) request's head against its
/// target branch, or a push to a ref. Only the fields the judging needs; the payload's own list of
/// changed files is never read (forges truncate it), the diff comes from git.
struct ForgeEvent: Sendable, Hashable {
    /// What happened.
    enum Trigger: Sendable, Hashable {
        /// A pull or merge request opened, pushed to (synchronized) or reopened.
        case pullRequest(action: String)
        /// A review submitted or dismissed (GitLab: approved or unapproved).
        case review(action: String)
        /// A push to `ref`, from `before` to the head.
        case push(ref: String, before: String)
    }

    var trigger: Trigger
    /// The forge's name for the repository (`owner/name`, GitLab's `path_with_namespace`).
    var repository: String
    /// GitLab's numeric project id, which its status API is addressed by.
    var projectID: Int?
    /// The pull request's number (GitLab's `iid`); nil for a push.
    var number: Int?
    /// The commit judged: the pull request's head, or the push's new tip.
    var head: String
    /// The pull request's target branch, as a branch name; nil for a push.
    var targetBranch: String?
}

/// How a delivery was read.
enum ParsedDelivery: Sendable, Hashable {
    /// An event to judge.
    case judge(ForgeEvent)
    /// An event the server does not act on (a ping, a closed pull request, a tag), and why.
    case ignored(String)
}
