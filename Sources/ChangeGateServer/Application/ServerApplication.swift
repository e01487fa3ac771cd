import ChangeGate
import Dispatch
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// The service as it runs: the HTTP server and the webhook queue, in one service group that
/// SIGTERM and SIGINT shut down gracefully (the server stops taking requests, then every
/// accepted job is judged, recorded and posted).
public struct ServerApplication: Sendable {
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let ledger: DeliveryLedger
    let queue: JudgeQueue
    let logger: Logger

    /// The service for `configuration`; nothing listens until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: What to serve, as ``ServerConfiguration/load(path:environment:)`` read it.
    ///   - logger: Where the service logs (each request's lines carry its id).
    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        metrics = ServerMetrics()
        ledger = DeliveryLedger(capacity: configuration.limits.deliveries)
        queue = JudgeQueue(queue: configuration.limits.queue, workers: configuration.limits.workers, metrics: metrics)
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully.
    ///
    /// - Throws: An `AuditError` when the trail cannot be opened or created; what the HTTP server
    ///   throws when it cannot listen.
    public func run() async throws {
        let group = try serviceGroup(signals: [.sigterm, .sigint]) { port in
            logger.info("listening", metadata: ["address": "\(configuration.listen.host):\(port)"])
        }
        try await group.run()
    }

    /// The server and the queue in a service group; `onListening` is told the port bound. The trail
    /// is opened (created, for a new SQLite file) first: a check that reads a trail's accepted tips
    /// while another job is creating its file would find a file without its table.
    func serviceGroup(signals: [UnixSignal], onListening: @escaping @Sendable (Int) async -> Void) throws
        -> ServiceGroup
    {
        _ = try AuditStores.open(configuration.audit)
        let app = Application(
            router: try router(),
            configuration: .init(
                address: .hostname(configuration.listen.host, port: configuration.listen.port),
                serverName: "changegate"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        // Shut down in reverse: the server first (no new deliveries), then the queue drains.
        return ServiceGroup(services: [queue, app], gracefulShutdownSignals: signals, logger: logger)
    }

    /// Throws when a web view template does not parse (a bug, found at start).
    func router() throws -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        router.add(middleware: AccessMiddleware(authenticator: ClientAuthenticator(configuration.clients)))
        let judge = EventJudge(configuration: configuration, metrics: metrics, logger: logger)
        let webhooks = WebhookHandler(
            configuration: configuration, ledger: ledger, queue: queue, judge: judge, metrics: metrics)
        let check = CheckHandler(configuration: configuration, metrics: metrics)
        let audit = AuditHandlers(configuration: configuration)
        router.get("/healthz") { _, _ in JSONBody.text("ok\n", type: "text/plain") }
        router.get("/readyz") { _, context in await readiness(context) }
        router.get("/metrics") { _, context in
            guard context.client?.may(.metrics) == true else {
                return JSONBody.error("this client may not read the metrics", status: .forbidden)
            }
            return JSONBody.text(metrics.exposition(), type: "text/plain; version=0.0.4")
        }
        router.post("/v1/webhooks/:forge") { request, context in try await webhooks.handle(request, context: context) }
        router.post("/v1/check") { request, context in try await check.handle(request, context: context) }
        router.get("/v1/audit/head") { request, context in try await audit.head(request, context: context) }
        router.get("/v1/audit/verify") { request, context in try await audit.verify(request, context: context) }
        try WebView(configuration: configuration).register(on: router)
        return router
    }

    /// Ready when the trail opens and every repository does; 503 naming what does not.
    private func readiness(_ context: ServerRequestContext) async -> Response {
        guard context.client?.may(.metrics) == true else {
            return JSONBody.error("this client may not read the readiness", status: .forbidden)
        }
        let configuration = configuration
        let problems: [String] = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var problems: [String] = []
                let trail = configuration.audit
                if !AuditStores.isPath(trail) || FileManager.default.fileExists(atPath: trail) {
                    do {
                        _ = try AuditStores.open(trail, access: .readOnly).head()
                    } catch {
                        problems.append("audit trail \(AuditStores.displayed(trail)): \(error)")
                    }
                }
                for name in configuration.repositories.keys.sorted() {
                    do {
                        _ = try Repository.open(path: configuration.repositories[name]!.path, environment: [:])
                    } catch {
                        problems.append("repository \(name): \(error)")
                    }
                }
                continuation.resume(returning: problems)
            }
        }
        if problems.isEmpty { return JSONBody.response(["ready": true]) }
        return JSONBody.response(["ready": false, "problems": problems], status: .serviceUnavailable)
    }
}
