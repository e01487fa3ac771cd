import ChangeGate
import HTTPTypes
import Hummingbird
import Logging

/// `POST /v1/webhooks/{forge}`: a delivery from the forge the configuration names `{forge}`.
/// In this order, each refusal before any work: the body within the size limit (413), the
/// signature (401, counted, nothing recorded), the event read (400), the delivery id new (409 for
/// a replay), the repository served, then a place in the queue (503 when full, so that the forge
/// retries; the id is forgotten so that the retry is taken). Accepted: 202, judged by the queue.
struct WebhookHandler: Sendable {
    let configuration: ServerConfiguration
    let ledger: DeliveryLedger
    let queue: JudgeQueue
    let judge: EventJudge
    let metrics: ServerMetrics

    func handle(_ request: Request, context: ServerRequestContext) async throws -> Response {
        let name = try context.parameters.require("forge")
        // An unknown forge is answered as a bad signature: the paths tell no one which forges exist.
        guard let forge = configuration.forges[name] else {
            metrics.signatureFailure(forge: "unknown")
            return JSONBody.error("the delivery's signature does not verify", status: .unauthorized)
        }
        let limit = configuration.limits.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            metrics.delivery(forge: name, outcome: "too-large")
            return JSONBody.error("the body is over \(limit) bytes", status: .contentTooLarge)
        }
        var request = request
        let body: [UInt8]
        do {
            body = Array(try await request.collectBody(upTo: limit).readableBytesView)
        } catch {
            metrics.delivery(forge: name, outcome: "too-large")
            return JSONBody.error("the body is over \(limit) bytes", status: .contentTooLarge)
        }
        let signatureName = HTTPField.Name(WebhookVerifier.signatureHeader(forge.kind))!
        do {
            try WebhookVerifier.verify(
                kind: forge.kind, body: body, signature: request.headers[signatureName],
                secret: forge.webhookSecret.bytes)
        } catch {
            metrics.signatureFailure(forge: name)
            metrics.delivery(forge: name, outcome: "unauthorized")
            context.logger.notice("webhook refused", metadata: ["forge": "\(name)", "reason": "\(error)"])
            return JSONBody.error("the delivery's signature does not verify", status: .unauthorized)
        }
        let deliveryName = HTTPField.Name(ForgeEventParser.deliveryHeader(forge.kind))!
        guard let delivery = request.headers[deliveryName], !delivery.isEmpty, delivery.count <= 200 else {
            metrics.delivery(forge: name, outcome: "malformed")
            return JSONBody.error(
                "no \(deliveryName) header: a delivery without an id cannot be told from a replay",
                status: .badRequest)
        }
        let eventName = HTTPField.Name(ForgeEventParser.eventHeader(forge.kind))!
        let parsed: ParsedDelivery
        do {
            parsed = try ForgeEventParser.parse(kind: forge.kind, event: request.headers[eventName] ?? "", body: body)
        } catch {
            metrics.delivery(forge: name, outcome: "malformed")
            return JSONBody.error("\(error)", status: .badRequest)
        }
        guard ledger.admit(delivery) else {
            metrics.delivery(forge: name, outcome: "replay")
            context.logger.notice("webhook replay refused", metadata: ["forge": "\(name)", "delivery": "\(delivery)"])
            return JSONBody.error("delivery \(delivery) was received already", status: .conflict)
        }
        guard case .judge(let event) = parsed else {
            if case .ignored(let reason) = parsed { return ignored(name, delivery, reason, outcome: "ignored") }
            return ignored(name, delivery, "", outcome: "ignored")
        }
        guard let repository = configuration.repositories[event.repository], repository.forge == name else {
            return ignored(
                name, delivery, "\(event.repository) is not a repository this server gates for \(name)",
                outcome: "unknown-repository")
        }
        let check: CheckRequest
        switch judge.request(for: event, repository: repository, forge: name) {
        case .success(let made): check = made
        case .failure(let why): return ignored(name, delivery, why.reason, outcome: "ignored")
        }
        let accepted = queue.submit { [judge] in
            await judge.judge(event, request: check, forge: forge, delivery: delivery)
        }
        guard accepted else {
            ledger.forget(delivery)
            metrics.delivery(forge: name, outcome: "queue-full")
            var response = JSONBody.error("the queue is full; deliver again later", status: .serviceUnavailable)
            response.headers[.retryAfter] = "5"
            return response
        }
        metrics.delivery(forge: name, outcome: "queued")
        return JSONBody.response(["outcome": "queued", "delivery": delivery], status: .accepted)
    }

    private func ignored(_ forge: String, _ delivery: String, _ reason: String, outcome: String) -> Response {
        metrics.delivery(forge: forge, outcome: outcome)
        return JSONBody.response(["outcome": "ignored", "delivery": delivery, "reason": reason])
    }
}
