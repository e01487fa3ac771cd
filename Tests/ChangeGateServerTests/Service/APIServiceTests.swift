import ChangeGate
import Foundation
import Testing

@testable import ChangeGateServer

/// The JSON API and the operational endpoints on a loopback port.
@Suite("Server: the API", .serialized)
struct APIServiceTests {
    static let client = ["Authorization": "Bearer \(ServerHarness.clientToken)"]
    static let auditor = ["Authorization": "Bearer \(ServerHarness.auditorToken)"]

    @Test("unauthenticated requests see nothing but /healthz: every other path answers 401 alike")
    func unauthenticated() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        #expect(try await server.send("GET", "/healthz").status == 200)
        for (method, path) in [
            ("POST", "/v1/check"), ("GET", "/v1/audit/head"), ("GET", "/v1/audit/verify"), ("GET", "/metrics"),
            ("GET", "/readyz"), ("GET", "/no/such/path"),
        ] {
            for headers in [[:], ["Authorization": "Bearer wrong"], ["Authorization": ServerHarness.clientToken]] {
                let answer = try await server.send(method, path, body: Array("{}".utf8), headers: headers)
                #expect(answer.status == 401, "\(method) \(path) \(headers)")
                #expect(answer.body == #"{"error":"a bearer token is needed"}"# + "\n")
            }
        }
        // A client's token reaches only its actions.
        #expect(try await server.send("GET", "/metrics", headers: Self.client).status == 403)
        #expect(try await server.send("GET", "/no/such/path", headers: Self.client).status == 404)
        await server.stop()
    }

    @Test("POST /v1/check answers the same JSON as `changegate check --format json`, and records it")
    func checkMatchesCLI() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let now = "2026-06-04T13:55:00Z"
        let request = try JSONSerialization.data(withJSONObject: [
            "repository": "Codertocat/Hello-World", "base": "master", "head": server.repository.failoverHead,
            "now": now,
        ])
        let answer = try await server.send("POST", "/v1/check", body: Array(request), headers: Self.client)
        #expect(answer.status == 200)
        let cli = try Processes.run([
            Processes.binary("changegate").path, "check", "--repo", server.repository.bare.path, "--base", "master",
            "--head", server.repository.failoverHead, "--format", "json", "--no-audit", "--now", now,
        ])
        #expect(cli.status == 1, "\(cli.stderr)")
        #expect(answer.body == cli.stdout)
        let decision = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        #expect(decision?["decision"] as? String == "deny")
        let records = try server.records()
        #expect(records.map(\.source) == [.service])
        #expect(records.first?.actor == "api:ci")
        // Another repository than the client's: refused, not judged.
        let other = try JSONSerialization.data(withJSONObject: [
            "repository": "example/example", "base": "master", "head": "master",
        ])
        #expect(try await server.send("POST", "/v1/check", body: Array(other), headers: Self.client).status == 403)
        #expect(try await server.send("POST", "/v1/check", body: Array("[]".utf8), headers: Self.client).status == 400)
        #expect(try server.records().count == 1)
        await server.stop()
    }

    @Test("the audit head and verify over the API; /readyz; /metrics counts the check by verdict and repository")
    func auditAndOperations() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        #expect(try await server.send("GET", "/v1/audit/head", headers: Self.auditor).status == 404)
        let request = try JSONSerialization.data(withJSONObject: [
            "repository": "Codertocat/Hello-World", "base": "master", "head": server.repository.notesHead,
        ])
        #expect(try await server.send("POST", "/v1/check", body: Array(request), headers: Self.client).status == 200)
        let head = try await server.send("GET", "/v1/audit/head", headers: Self.auditor)
        #expect(head.status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(head.body.utf8)) as? [String: Any])
        #expect(object["sequence"] as? Int == 1)
        let verify = try await server.send("GET", "/v1/audit/verify", headers: Self.auditor)
        #expect(verify.status == 200)
        #expect(verify.body.contains(#""ok":true"#), "\(verify.body)")
        #expect(try await server.send("GET", "/v1/audit/head", headers: Self.client).status == 403)
        let ready = try await server.send("GET", "/readyz", headers: Self.auditor)
        #expect(ready.status == 200, "\(ready.body)")
        let metrics = try await server.send("GET", "/metrics", headers: Self.auditor)
        #expect(
            metrics.body.contains(#"changegate_checks_total{repository="Codertocat/Hello-World",verdict="allow"} 1"#),
            "\(metrics.body)")
        await server.stop()
    }
}
