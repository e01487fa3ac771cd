import ChangeGate
import Crypto
import Foundation
import Logging
import ServiceLifecycle

@testable import ChangeGateServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `changegate serve` started for real on a loopback port the system picks, over a real bare
/// repository and a real SQLite trail, with its forges pointed at a ``ForgeStandIn``. The
/// configuration is written as a user writes it and read by ``ServerConfiguration/load(path:environment:)``.
final class ServerHarness: Sendable {
    static let githubSecret = "github webhook secret"
    static let gitlabSecret = "gitlab webhook token"
    static let giteaSecret = "gitea webhook secret"
    static let forgeToken = "forge-api-token-xyz"
    static let clientToken = "cg-client-token-1234"
    static let auditorToken = "cg-auditor-token-5678"
    static let viewerToken = "cg-viewer-token-90ab"
    static let narrowViewerToken = "cg-narrow-viewer-cdef"

    let folder: URL
    let repository: GateRepository
    let forge: ForgeStandIn
    let auditPath: String
    let configPath: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts a server on a free loopback port over a fresh repository, trail and forge stand-in.
    ///
    /// - Parameters:
    ///   - queue: Webhook jobs that may wait.
    ///   - workers: Jobs judged at once.
    ///   - maxBodyBytes: The largest request body.
    ///   - extra: Given the harness's folder, prepares files there and returns configuration lines
    ///     added at the end (top-level keys).
    /// - Throws: When the repository, the files or the server cannot be made.
    init(
        queue: Int = 100, workers: Int = 2, maxBodyBytes: Int = 1 << 20, extra: ((URL) throws -> String)? = nil
    ) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "changegate-serve-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        repository = try GateRepository(in: folder)
        forge = try await ForgeStandIn()
        auditPath = folder.appendingPathComponent("audit.sqlite").path
        for (name, text) in [
            "github.secret": Self.githubSecret, "gitlab.secret": Self.gitlabSecret, "gitea.secret": Self.giteaSecret,
            "forge.token": Self.forgeToken + "\n",
        ] {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        func digest(_ token: String) -> String {
            SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
        }
        let bare = repository.bare.path
        let yaml = """
            listen: 127.0.0.1:0
            audit: \(auditPath)
            limits:
              max_body_bytes: \(maxBodyBytes)
              queue: \(queue)
              workers: \(workers)
            forges:
              github:
                kind: github
                api: \(forge.baseURL)/github-api
                token_file: \(folder.path)/forge.token
                secret_file: \(folder.path)/github.secret
              gitlab:
                kind: gitlab
                api: \(forge.baseURL)/gitlab/api/v4
                token_file: \(folder.path)/forge.token
                secret_file: \(folder.path)/gitlab.secret
              gitea:
                kind: gitea
                api: \(forge.baseURL)/gitea/api/v1
                token_file: \(folder.path)/forge.token
                secret_file: \(folder.path)/gitea.secret
            repositories:
              Codertocat/Hello-World:
                forge: github
                path: \(bare)
                protected: [refs/heads/master]
                commit_url: https://github.com/Codertocat/Hello-World/commit/{commit}
              gitlabhq/gitlab-test:
                forge: gitlab
                path: \(bare)
              example/example:
                forge: gitea
                path: \(bare)
            clients:
              ci:
                token_sha256: \(digest(Self.clientToken))
                repositories: [Codertocat/Hello-World]
                actions: [check]
              auditor:
                token_sha256: \(digest(Self.auditorToken))
                actions: [audit, metrics]
              viewer:
                token_sha256: \(digest(Self.viewerToken))
                repositories: ["*"]
                actions: [view]
              narrow-viewer:
                token_sha256: \(digest(Self.narrowViewerToken))
                repositories: [example/example]
                actions: [view]

            """
        configPath = folder.appendingPathComponent("changegate.yml").path
        let extraLines = try extra?(folder) ?? ""
        try (yaml + extraLines).write(toFile: configPath, atomically: true, encoding: .utf8)
        let configuration = try ServerConfiguration.load(path: configPath, environment: [:])
        let application = ServerApplication(configuration: configuration, logger: Logger(label: "changegate-test"))
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let group = try application.serviceGroup(signals: []) { port in portContinuation.yield(port) }
        self.group = group
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    /// Shuts the server down as SIGTERM does (accepted jobs finish), then the stand-in.
    func stop() async {
        await forge.valve.release()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        await forge.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// A request to the server; the status and the body.
    func send(
        _ method: String, _ path: String, body: [UInt8] = [], headers: [String: String] = [:]
    ) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        if method != "GET" { request.httpBody = Data(body) }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// A request to the server through the `curl` command line; the status, the response's headers
    /// (names lowercased) and the body. Redirects are not followed. (Foundation's URLSession on
    /// Linux waits for credentials forever on a `WWW-Authenticate: Basic` challenge, which is what
    /// the web view answers without them.)
    func exchange(
        _ method: String, _ path: String, headers: [String: String] = [:]
    ) async throws -> (status: Int, headers: [String: String], body: String) {
        var words = ["curl", "-sS", "-i", "--max-time", "60", "-X", method]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { words += ["-H", "\(name): \(value)"] }
        if method == "POST" { words += ["--data-binary", ""] }
        words.append(baseURL + path)
        let result = try await Processes.detached(words)
        guard result.status == 0, let split = result.stdout.range(of: "\r\n\r\n") else {
            throw Processes.Failure(command: words, result: result)
        }
        let head = result.stdout[..<split.lowerBound].components(separatedBy: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var fields: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, fields, String(result.stdout[split.upperBound...]))
    }

    /// ``exchange(_:_:headers:)``'s status and body.
    func web(_ method: String, _ path: String, headers: [String: String] = [:]) async throws -> (
        status: Int, body: String
    ) {
        let answer = try await exchange(method, path, headers: headers)
        return (answer.status, answer.body)
    }

    /// HTTP basic credentials, as a browser sends them.
    static func basic(_ name: String, _ token: String) -> [String: String] {
        ["Authorization": "Basic " + Data("\(name):\(token)".utf8).base64EncodedString()]
    }

    /// The trail's records, oldest first; none when it was never created.
    func records() throws -> [AuditRecord] {
        guard FileManager.default.fileExists(atPath: auditPath) else { return [] }
        return try AuditStores.open(auditPath, access: .readOnly).entries(matching: AuditQuery()).map(\.record)
    }
}
