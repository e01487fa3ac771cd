import ChangeGate
import Foundation
import Testing

@testable import ChangeGateServer

/// The service on a loopback port, sent the forges' real payloads signed with the configured
/// secrets; the forges' status APIs are the one stand-in (``ForgeStandIn``).
@Suite("Server: webhooks end to end", .enabled(if: Processes.forgePayloads != nil), .serialized)
struct WebhookServiceTests {
    /// GitHub's `pull_request` opened payload, its head replaced by `head`, signed.
    func githubPullRequest(_ server: ServerHarness, head: String, delivery: String, secret: String? = nil)
        throws -> ([UInt8], [String: String])
    {
        let body = try Payloads.read(
            "github/pull_request-opened.payload.json",
            replacing: [Payloads.githubHead: head, Payloads.githubBase: server.repository.master])
        return (
            body,
            Payloads.githubHeaders(
                event: "pull_request", delivery: delivery, body: body, secret: secret ?? ServerHarness.githubSecret)
        )
    }

    @Test("GitHub: a pull request changing a failover setting gets status failure on its head, recorded by the service")
    func githubFailure() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let head = server.repository.failoverHead
        let (body, headers) = try githubPullRequest(server, head: head, delivery: "d-1")
        let answer = try await server.send("POST", "/v1/webhooks/github", body: body, headers: headers)
        #expect(answer.status == 202, "\(answer.body)")
        let received = await server.forge.waitFor(1)
        let status = try #require(received.first)
        // GitHub's documented request: POST /repos/{owner}/{repo}/statuses/{sha}, state, description, context.
        #expect(status.path == "/github-api/repos/Codertocat/Hello-World/statuses/\(head)")
        #expect(status.json["state"] == "failure")
        #expect(status.json["context"] == "changegate")
        #expect(status.json["description"]?.contains("DBA review") == true, "\(status.json)")
        #expect(status.headers["authorization"] == "Bearer \(ServerHarness.forgeToken)")
        #expect(status.headers["accept"] == "application/vnd.github+json")
        let records = try server.records()
        #expect(records.count == 1)
        #expect(records.first?.source == .service)
        #expect(records.first?.decision == "deny")
        #expect(records.first?.ref == "refs/heads/master")
        await server.stop()
    }

    @Test("a bad signature is refused 401 and nothing is judged, recorded or posted; the failure is counted")
    func badSignature() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let (body, headers) = try githubPullRequest(
            server, head: server.repository.failoverHead, delivery: "d-bad", secret: "not the secret")
        let answer = try await server.send("POST", "/v1/webhooks/github", body: body, headers: headers)
        #expect(answer.status == 401)
        var unsigned = headers
        unsigned["X-Hub-Signature-256"] = nil
        #expect(try await server.send("POST", "/v1/webhooks/github", body: body, headers: unsigned).status == 401)
        // A body changed after signing.
        var tampered = body
        tampered[tampered.count / 2] ^= 0x01
        #expect(try await server.send("POST", "/v1/webhooks/github", body: tampered, headers: headers).status == 401)
        // An unknown forge's path answers as a bad signature.
        #expect(try await server.send("POST", "/v1/webhooks/bitbucket", body: body, headers: headers).status == 401)
        try await Task.sleep(for: .milliseconds(300))
        #expect(await server.forge.recorder.received.isEmpty)
        #expect(try server.records().isEmpty)
        let metrics = try await server.send(
            "GET", "/metrics", headers: ["Authorization": "Bearer \(ServerHarness.auditorToken)"])
        #expect(
            metrics.body.contains(#"changegate_webhook_signature_failures_total{forge="github"} 3"#), "\(metrics.body)")
        await server.stop()
    }

    @Test("a replayed delivery id is refused 409 and judged once")
    func replay() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let (body, headers) = try githubPullRequest(server, head: server.repository.notesHead, delivery: "d-once")
        #expect(try await server.send("POST", "/v1/webhooks/github", body: body, headers: headers).status == 202)
        let replayed = try await server.send("POST", "/v1/webhooks/github", body: body, headers: headers)
        #expect(replayed.status == 409)
        #expect(replayed.body.contains("received already"))
        let received = await server.forge.waitFor(1)
        #expect(received.first?.json["state"] == "success")
        try await Task.sleep(for: .milliseconds(300))
        #expect(await server.forge.recorder.received.count == 1)
        #expect(try server.records().count == 1)
        await server.stop()
    }

    @Test("GitLab's merge request and Gitea's pull request: each forge's status API, state and token header")
    func gitlabAndGitea() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let gitlabBody = try Payloads.read(
            "gitlab/merge-request-event.json", replacing: [Payloads.gitlabHead: server.repository.failoverHead])
        let gitlab = try await server.send(
            "POST", "/v1/webhooks/gitlab", body: gitlabBody,
            headers: [
                "X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": ServerHarness.gitlabSecret,
                "X-Gitlab-Event-UUID": "gl-1",
            ])
        #expect(gitlab.status == 202, "\(gitlab.body)")
        let wrongToken = try await server.send(
            "POST", "/v1/webhooks/gitlab", body: gitlabBody,
            headers: ["X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": "guess", "X-Gitlab-Event-UUID": "gl-2"])
        #expect(wrongToken.status == 401)
        let giteaBody = try Payloads.read(
            "gitea/pull-request-event.json", replacing: [Payloads.giteaHead: server.repository.notesHead])
        let gitea = try await server.send(
            "POST", "/v1/webhooks/gitea", body: giteaBody,
            headers: [
                "X-Gitea-Event": "pull_request", "X-Gitea-Delivery": "gt-1",
                "X-Gitea-Signature": Payloads.hmacHex(giteaBody, secret: ServerHarness.giteaSecret),
            ])
        #expect(gitea.status == 202, "\(gitea.body)")
        let received = await server.forge.waitFor(2)
        let toGitLab = try #require(received.first { $0.path.hasPrefix("/gitlab/") })
        // GitLab's: POST /projects/:id/statuses/:sha with state failed and name; PRIVATE-TOKEN.
        #expect(toGitLab.path == "/gitlab/api/v4/projects/1/statuses/\(server.repository.failoverHead)")
        #expect(toGitLab.json["state"] == "failed")
        #expect(toGitLab.json["name"] == "changegate")
        #expect(toGitLab.headers["private-token"] == ServerHarness.forgeToken)
        let toGitea = try #require(received.first { $0.path.hasPrefix("/gitea/") })
        #expect(toGitea.path == "/gitea/api/v1/repos/example/example/statuses/\(server.repository.notesHead)")
        #expect(toGitea.json["state"] == "success")
        #expect(toGitea.headers["authorization"] == "token \(ServerHarness.forgeToken)")
        #expect(try server.records().count == 2)
        await server.stop()
    }

    @Test("a full queue answers 503 (the forge retries), and the retry of that delivery is taken")
    func fullQueue() async throws {
        let server = try await ServerHarness(queue: 1, workers: 1)
        defer { Task { await server.stop() } }
        // The stand-in holds its answers: the one worker waits on its status post.
        await server.forge.valve.close()
        var answers: [Int] = []
        for delivery in ["q-1", "q-2", "q-3"] {
            let (body, headers) = try githubPullRequest(server, head: server.repository.notesHead, delivery: delivery)
            answers.append(try await server.send("POST", "/v1/webhooks/github", body: body, headers: headers).status)
            // The first job reaches the worker before the next delivery.
            if delivery == "q-1" { _ = await server.forge.waitFor(1) }
        }
        #expect(answers == [202, 202, 503])
        let metrics = try await server.send(
            "GET", "/metrics", headers: ["Authorization": "Bearer \(ServerHarness.auditorToken)"])
        #expect(metrics.body.contains("changegate_queue_depth 2.0"), "\(metrics.body)")
        await server.forge.valve.release()
        _ = await server.forge.waitFor(2)
        let (body, headers) = try githubPullRequest(server, head: server.repository.notesHead, delivery: "q-3")
        #expect(try await server.send("POST", "/v1/webhooks/github", body: body, headers: headers).status == 202)
        #expect(await server.forge.waitFor(3).count == 3)
        await server.stop()
    }

    @Test("a body over the limit is refused 413 before its signature is looked at")
    func oversized() async throws {
        let server = try await ServerHarness(maxBodyBytes: 4096)
        defer { Task { await server.stop() } }
        let (body, headers) = try githubPullRequest(server, head: server.repository.notesHead, delivery: "big")
        #expect(body.count > 4096)
        #expect(try await server.send("POST", "/v1/webhooks/github", body: body, headers: headers).status == 413)
        #expect(try server.records().isEmpty)
        await server.stop()
    }

    @Test("events the gate does not judge: a closed pull request, a new branch pushed")
    func ignored() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        for (file, event) in [
            ("github/pull_request-closed.payload.json", "pull_request"),
            ("github/push-with-new-branch.payload.json", "push"),
        ] {
            let body = try Payloads.read(file)
            let headers = Payloads.githubHeaders(
                event: event, delivery: file, body: body, secret: ServerHarness.githubSecret)
            let answer = try await server.send("POST", "/v1/webhooks/github", body: body, headers: headers)
            #expect(answer.status == 200)
            #expect(answer.body.contains(#""outcome":"ignored""#), "\(answer.body)")
        }
        #expect(try server.records().isEmpty)
        await server.stop()
    }
}
