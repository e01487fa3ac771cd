import Foundation

/// Reads a verified delivery's body into a ``ForgeEvent``, per forge, from the headers and the
/// payload's fields as the forges document them.
enum ForgeEventParser {
    /// Why a verified body cannot be read.
    struct Malformed: Error, Sendable, Hashable, CustomStringConvertible {
        var description: String
    }

    /// The header naming the event.
    static func eventHeader(_ kind: ServerConfiguration.ForgeKind) -> String {
        switch kind {
        case .github: "X-GitHub-Event"
        case .gitlab: "X-Gitlab-Event"
        case .gitea: "X-Gitea-Event"
        }
    }

    /// The header carrying the delivery's unique id.
    static func deliveryHeader(_ kind: ServerConfiguration.ForgeKind) -> String {
        switch kind {
        case .github: "X-GitHub-Delivery"
        case .gitlab: "X-Gitlab-Event-UUID"
        case .gitea: "X-Gitea-Delivery"
        }
    }

    static let zeroCommit = String(repeating: "0", count: 40)

    static func parse(kind: ServerConfiguration.ForgeKind, event: String, body: [UInt8]) throws(Malformed)
        -> ParsedDelivery
    {
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(body))
        } catch {
            throw Malformed(description: "the body is not the JSON of a \(kind.rawValue) event: \(error)")
        }
        switch kind {
        case .github, .gitea: return try github(kind: kind, event: event, payload)
        case .gitlab: return try gitlab(event: event, payload)
        }
    }

    /// GitHub's events, and Gitea's, which keep GitHub's shapes (Gitea names `synchronized` and its
    /// review events by outcome: `pull_request_review_approved`, `…_rejected`, `…_comment`).
    private static func github(kind: ServerConfiguration.ForgeKind, event: String, _ payload: Payload)
        throws(Malformed) -> ParsedDelivery
    {
        guard let repository = payload.repository?.full_name else {
            return .ignored("\(event) names no repository")
        }
        switch event {
        case "pull_request":
            let action = payload.action ?? ""
            guard ["opened", "synchronize", "synchronized", "reopened"].contains(action) else {
                return .ignored("pull_request \(action) changes nothing the gate judges")
            }
            return .judge(try pullRequest(.pullRequest(action: action), repository, payload, event: event))
        case "pull_request_review":
            let action = payload.action ?? ""
            guard ["submitted", "dismissed"].contains(action) else {
                return .ignored("pull_request_review \(action) changes no review")
            }
            return .judge(try pullRequest(.review(action: action), repository, payload, event: event))
        case _ where kind == .gitea && event.hasPrefix("pull_request_review"):
            return .judge(try pullRequest(.review(action: event), repository, payload, event: event))
        case "push":
            return push(repository: repository, projectID: nil, payload)
        default:
            return .ignored("\(event) events are not judged")
        }
    }

    private static func pullRequest(
        _ trigger: ForgeEvent.Trigger, _ repository: String, _ payload: Payload, event: String
    ) throws(Malformed) -> ForgeEvent {
        guard let request = payload.pull_request, let head = request.head?.sha, let base = request.base?.ref else {
            throw Malformed(description: "\(event) has no pull_request with head.sha and base.ref")
        }
        return ForgeEvent(
            trigger: trigger, repository: repository, projectID: nil, number: request.number ?? payload.number,
            head: head, targetBranch: base)
    }

    private static func push(repository: String, projectID: Int?, _ payload: Payload) -> ParsedDelivery {
        guard let ref = payload.ref, let before = payload.before, let after = payload.after else {
            return .ignored("the push names no ref, before and after")
        }
        if after == zeroCommit { return .ignored("\(ref) was deleted") }
        // A new ref has no earlier tip of its own to judge against; the hook judges it on the
        // server (security.md 3).
        if before == zeroCommit { return .ignored("\(ref) is new: no earlier tip to judge it against") }
        return .judge(
            ForgeEvent(
                trigger: .push(ref: ref, before: before), repository: repository, projectID: projectID, number: nil,
                head: after, targetBranch: nil))
    }

    private static func gitlab(event: String, _ payload: Payload) throws(Malformed) -> ParsedDelivery {
        guard let project = payload.project, let repository = project.path_with_namespace else {
            return .ignored("\(event) names no project")
        }
        switch event {
        case "Merge Request Hook":
            guard let attributes = payload.object_attributes else {
                throw Malformed(description: "Merge Request Hook has no object_attributes")
            }
            let action = attributes.action ?? ""
            let trigger: ForgeEvent.Trigger
            switch action {
            case "open", "reopen", "update": trigger = .pullRequest(action: action)
            case "approved", "unapproved", "approval", "unapproval": trigger = .review(action: action)
            default: return .ignored("merge request \(action) changes nothing the gate judges")
            }
            guard let head = attributes.last_commit?.id, let target = attributes.target_branch else {
                throw Malformed(description: "Merge Request Hook has no last_commit.id and target_branch")
            }
            return .judge(
                ForgeEvent(
                    trigger: trigger, repository: repository, projectID: project.id ?? payload.project_id,
                    number: attributes.iid, head: head, targetBranch: target))
        case "Push Hook":
            return push(repository: repository, projectID: project.id ?? payload.project_id, payload)
        default:
            return .ignored("\(event) events are not judged")
        }
    }

    // The payloads' fields as the forges name them (snake_case, kept as is).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    private struct Payload: Decodable {
        struct Repository: Decodable { var full_name: String? }
        struct Branch: Decodable {
            var ref: String?
            var sha: String?
        }
        struct PullRequest: Decodable {
            var number: Int?
            var head: Branch?
            var base: Branch?
        }
        struct Project: Decodable {
            var id: Int?
            var path_with_namespace: String?
        }
        struct Commit: Decodable { var id: String? }
        struct Attributes: Decodable {
            var action: String?
            var iid: Int?
            var target_branch: String?
            var last_commit: Commit?
        }
        var action: String?
        var number: Int?
        var repository: Repository?
        var pull_request: PullRequest?
        var ref: String?
        var before: String?
        var after: String?
        var project: Project?
        var project_id: Int?
        var object_attributes: Attributes?
    }
}
