import ChangeGate
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /v1/check`: a check of base..head of a served repository, answered with the decision's
/// JSON exactly as `changegate check --format json` prints it, and recorded (source `service`,
/// the client as the actor).
struct CheckHandler: Sendable {
    let configuration: ServerConfiguration
    let metrics: ServerMetrics

    /// The request's body (docs/openapi.yaml, `CheckRequest`).
    struct Body: Decodable {
        var repository: String
        var base: String
        var head: String
        var ref: String?
        var now: String?
    }

    func handle(_ request: Request, context: ServerRequestContext) async throws -> Response {
        var request = request
        let bytes = try await request.collectBody(upTo: configuration.limits.maxBodyBytes)
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(bytes.readableBytesView))
        } catch {
            return JSONBody.error(
                "the body must be JSON with repository, base and head (strings), ref and now optional",
                status: .badRequest)
        }
        guard let client = context.client, client.may(.check, repository: body.repository) else {
            return JSONBody.error("this client may not check \(body.repository)", status: .forbidden)
        }
        guard let repository = configuration.repositories[body.repository] else {
            return JSONBody.error("\(body.repository) is not a repository this server gates", status: .notFound)
        }
        let check = Checks.request(
            repository: repository, base: body.base, head: body.head, ref: body.ref ?? "",
            actor: "api:\(client.name)", audit: configuration.audit, now: body.now)
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = await Checks.run(check)
        metrics.checked(
            repository: repository.name, verdict: outcome.decision.verdict.rawValue, duration: clock.now - started)
        var response = JSONBody.text(DecisionRenderer.render(outcome.decision, as: .json))
        response.headers[.changegateExit] = String(outcome.exitCode)
        return response
    }
}

extension HTTPField.Name {
    /// The exit code `changegate check` would have ended with: 0 allowed, 1 denied, 2 not judged.
    static let changegateExit = Self("ChangeGate-Exit")!
}
