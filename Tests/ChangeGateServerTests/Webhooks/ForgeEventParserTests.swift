import Foundation
import Testing

@testable import ChangeGateServer

@Suite("Server: forge events from the real payloads", .enabled(if: Processes.forgePayloads != nil))
struct ForgeEventParserTests {
    func parse(_ kind: ServerConfiguration.ForgeKind, _ event: String, _ file: String) throws -> ParsedDelivery {
        try ForgeEventParser.parse(kind: kind, event: event, body: try Payloads.read(file))
    }

    func judged(_ delivery: ParsedDelivery) throws -> ForgeEvent {
        guard case .judge(let event) = delivery else {
            Issue.record("expected an event to judge, got \(delivery)")
            throw Payloads.Missing()
        }
        return event
    }

    @Test("GitHub: pull_request opened, synchronize, reopened and reviews are judged; closed is not")
    func github() throws {
        for action in ["opened", "synchronize", "reopened"] {
            let event = try judged(try parse(.github, "pull_request", "github/pull_request-\(action).payload.json"))
            #expect(event.trigger == .pullRequest(action: action))
            #expect(event.repository == "Codertocat/Hello-World")
            #expect(event.head == Payloads.githubHead)
            #expect(event.targetBranch == "master")
            #expect(event.number == 2)
        }
        for action in ["submitted", "dismissed"] {
            let event = try judged(
                try parse(.github, "pull_request_review", "github/pull_request_review-\(action).payload.json"))
            #expect(event.trigger == .review(action: action))
            #expect(event.head == Payloads.githubHead)
            #expect(event.number == 2)
        }
        guard case .ignored = try parse(.github, "pull_request", "github/pull_request-closed.payload.json") else {
            Issue.record("a closed pull request is not judged")
            return
        }
        guard case .ignored = try parse(.github, "check_suite", "github/check_suite-requested.payload.json") else {
            Issue.record("check_suite is not judged")
            return
        }
    }

    @Test("GitHub pushes: a deleted tag and a new branch are not judged (no earlier tip)")
    func githubPushes() throws {
        #expect(
            try parse(.github, "push", "github/push-payload.json")
                == .ignored("refs/tags/simple-tag was deleted"))
        #expect(
            try parse(.github, "push", "github/push-with-new-branch.payload.json")
                == .ignored("refs/heads/master is new: no earlier tip to judge it against"))
    }

    @Test("GitLab: a merge request opened and a push, with the project id its status API needs")
    func gitlab() throws {
        let request = try judged(try parse(.gitlab, "Merge Request Hook", "gitlab/merge-request-event.json"))
        #expect(request.trigger == .pullRequest(action: "open"))
        #expect(request.repository == "gitlabhq/gitlab-test")
        #expect(request.projectID == 1)
        #expect(request.head == Payloads.gitlabHead)
        #expect(request.targetBranch == "master")
        let push = try judged(try parse(.gitlab, "Push Hook", "gitlab/push-event.json"))
        #expect(push.trigger == .push(ref: "refs/heads/master", before: "95790bf891e76fee5e1747ab589903a6a1f80f22"))
        #expect(push.repository == "mike/diaspora")
        #expect(push.projectID == 15)
        guard case .ignored = try parse(.gitlab, "Note Hook", "gitlab/comment-merge-request-event.json") else {
            Issue.record("a comment is not judged")
            return
        }
    }

    @Test("Gitea: a pull request and a review (its event header names the review's outcome)")
    func gitea() throws {
        let request = try judged(try parse(.gitea, "pull_request", "gitea/pull-request-event.json"))
        #expect(request.trigger == .pullRequest(action: "opened"))
        #expect(request.repository == "example/example")
        #expect(request.head == Payloads.giteaHead)
        let review = try judged(
            try parse(.gitea, "pull_request_review_approved", "gitea/pull-request-review-event.json"))
        #expect(review.trigger == .review(action: "pull_request_review_approved"))
        #expect(review.head == Payloads.giteaHead)
        #expect(
            try parse(.gitea, "push", "gitea/push-event.json")
                == .ignored("refs/heads/master is new: no earlier tip to judge it against"))
    }

    @Test("a body that is not JSON is malformed, not a crash")
    func malformed() {
        #expect(throws: ForgeEventParser.Malformed.self) {
            try ForgeEventParser.parse(kind: .github, event: "pull_request", body: Array("{not json".utf8))
        }
    }
}
