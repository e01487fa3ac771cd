import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// THE ONE STAND-IN of these tests: GitHub, GitLab and Gitea cannot run here, so this local HTTP
/// endpoint plays their commit status APIs (`POST …/statuses/{sha}`, under a path prefix per forge)
/// and records every request ChangeGate sends, for the tests to check against the forges'
/// documented fields. Everything else (the server, git, the audit trail) is real.
final class ForgeStandIn: Sendable {
    /// A request as the stand-in received it (header names lower-cased).
    struct Received: Sendable {
        var path: String
        var headers: [String: String]
        var json: [String: String]
    }

    let recorder = Recorder()
    let valve = Valve()
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init() async throws {
        let router = Router()
        let recorder = recorder
        let valve = valve
        router.post("/**") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let object =
                (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            await recorder.add(
                Received(
                    path: request.uri.path, headers: headers, json: object.compactMapValues { $0 as? String }))
            // Held while a test wants the server's workers busy.
            await valve.pass()
            return Response(status: .created, body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "forge-stand-in"))
        let group = ServiceGroup(services: [app], logger: Logger(label: "forge-stand-in"))
        self.group = group
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    func stop() async {
        await valve.release()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Waits until `count` requests arrived (at most `seconds`), and returns them all.
    func waitFor(_ count: Int, seconds: Double = 20) async -> [Received] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let received = await recorder.received
            if received.count >= count { return received }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await recorder.received
    }

    actor Recorder {
        private(set) var received: [Received] = []
        func add(_ request: Received) { received.append(request) }
    }

    /// Holds the stand-in's answers while closed.
    actor Valve {
        private var open = true
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func close() { open = false }

        func release() {
            open = true
            for continuation in waiting { continuation.resume() }
            waiting = []
        }

        func pass() async {
            if open { return }
            await withCheckedContinuation { waiting.append($0) }
        }
    }
}
