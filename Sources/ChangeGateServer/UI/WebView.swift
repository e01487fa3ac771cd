import ChangeGate
import Dispatch
import Foundation
import Hummingbird
import Mustache

/// The auditor's and responder's web view (`/ui/…`): server-rendered HTML over the service's audit
/// trail, with no script. Every page is read-only; the one form that posts (verify) changes
/// nothing but the view's own record of the last verification.
///
/// Values in the trail are pushers' text (refs, keys, values, commit subjects): every one goes
/// through Mustache's HTML escaping (`{{…}}`), and only HTML this module built itself is inserted
/// raw (`{{{…}}}`).
struct WebView: Sendable {
    let configuration: ServerConfiguration
    let templates: MustacheLibrary
    let verification: WebVerification
    /// Seconds since the epoch: relative times count back from it.
    let clock: @Sendable () -> Int

    /// Decisions a page lists.
    static let pageSize = 50

    /// The view over `configuration`'s trail; throws when a template does not parse (a bug, found
    /// at start rather than on the first page).
    init(
        configuration: ServerConfiguration, clock: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }
    )
        throws
    {
        self.configuration = configuration
        self.clock = clock
        verification = WebVerification()
        var library = MustacheLibrary()
        let pages: [(String, String)] = [
            ("layout", WebLayout.template), ("timeline", Self.timelineTemplate), ("decision", Self.decisionTemplate),
            ("setting", Self.settingTemplate), ("incident", Self.incidentTemplate),
            ("integrity", Self.integrityTemplate), ("message", Self.messageTemplate),
        ]
        for (name, text) in pages { try library.register(text, named: name) }
        templates = library
    }

    func register(on router: Router<ServerRequestContext>) {
        router.get("/ui/") { request, context in await timeline(request, context: context) }
        router.get("/ui/style.css") { _, _ in
            var headers = WebResponse.headers(type: "text/css; charset=utf-8")
            headers[.cacheControl] = "private, max-age=300"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: WebLayout.styleSheet)))
        }
        router.get("/ui/decisions/:sequence") { request, context in await decision(request, context: context) }
        router.get("/ui/setting") { request, context in await setting(request, context: context) }
        router.get("/ui/incident") { request, context in await incident(request, context: context) }
        router.get("/ui/integrity") { request, context in await integrity(request, context: context) }
        router.post("/ui/verify") { request, context in await verify(request, context: context) }
        router.get("/ui/export.csv") { request, context in await export(request, context: context, as: .csv) }
        router.get("/ui/export.ndjson") { request, context in await export(request, context: context, as: .ndjson) }
    }

    // MARK: - Rendering

    /// A whole page: `template` rendered with `model`, in the layout.
    func page(
        _ title: String, current: String, template: String, model: Any, context: ServerRequestContext,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let body = templates.render(model, withTemplate: template) ?? ""
        let layout = WebLayout(
            title: title, body: body, nav: WebLayout.nav(current: current), banner: verification.last?.failure,
            client: context.client?.name ?? "")
        return WebResponse.html(templates.render(layout, withTemplate: "layout") ?? "", status: status)
    }

    /// A page that only says something: a wrong filter, a record that is not there, a trail that
    /// cannot be read.
    func message(
        _ title: String, _ text: String, context: ServerRequestContext, status: HTTPResponse.Status
    ) -> Response {
        page(title, current: "", template: "message", model: ["text": text], context: context, status: status)
    }

    func forbidden(_ context: ServerRequestContext) -> Response {
        message(
            "Not allowed", "This client may not use the web view: its configuration needs the `view` action.",
            context: context, status: .forbidden)
    }

    static let messageTemplate = """
        <p>{{text}}</p>
        <p><a href="/ui/">Back to the timeline</a></p>

        """

    // MARK: - Access

    /// The names the trail gives the client's repositories (the service and the hook record a
    /// repository by its path on the server; the name too, for records written by other tools);
    /// nil for a client of every repository (`*`).
    func trailNames(of client: ServerConfiguration.Client) -> Set<String>? {
        guard !client.repositories.contains("*") else { return nil }
        var names = Set<String>()
        for name in client.repositories {
            names.insert(name)
            if let served = configuration.repositories[name] { names.insert(served.trailName) }
        }
        return names
    }

    /// Whether the client may see records of `repository`.
    func visible(_ repository: String, to client: ServerConfiguration.Client) -> Bool {
        trailNames(of: client).map { $0.contains(repository) } ?? true
    }

    /// A client limited to some repositories sees one of them at a time: `repository` unless it is
    /// not one of them, else the first of them.
    func restricted(_ repository: String, for client: ServerConfiguration.Client) -> String {
        guard let names = trailNames(of: client), !names.contains(repository) else { return repository }
        return client.repositories.sorted().first.flatMap { configuration.repositories[$0]?.trailName } ?? "\u{0}none"
    }

    /// Opens the trail and runs `body` on Dispatch's threads (the stores block theirs); a trail that
    /// cannot be opened is a 503 page naming it, without its password.
    func reading(
        _ context: ServerRequestContext, _ body: @escaping @Sendable (any AuditStore) throws -> Response
    ) async -> Response {
        let location = configuration.audit
        do {
            return try await Self.offPool { () throws -> Response in
                if AuditStores.isPath(location), !FileManager.default.fileExists(atPath: location) {
                    return message(
                        "No records yet", "The audit trail holds no record yet.", context: context, status: .ok)
                }
                let trail = try AuditWorkflow.openForReading(
                    AuditWorkflow.Trail(location: location, repositoryPath: nil, environment: [:]))
                return try body(trail.store)
            }
        } catch let error as WorkflowError {
            return message("The trail cannot be read", error.message, context: context, status: .serviceUnavailable)
        } catch {
            return message("The trail cannot be read", "\(error)", context: context, status: .serviceUnavailable)
        }
    }

    // MARK: - Shared formatting

    /// `seconds` as ISO 8601 in UTC, as reports write times. By arithmetic: a formatter made per
    /// call (ICU's date-format set-up) topped the profile of a 200-row setting history
    /// (docs/benchmarks-notes.md, Issue 22).
    static func time(_ seconds: Int) -> String { RelativeTime.iso8601(Int64(seconds)) }

    /// The verdict as the timeline writes it, and the class that colours it.
    static func verdict(_ record: AuditRecord, landed: Bool?) -> (text: String, style: String) {
        var text = record.decision.uppercased()
        if record.source != .approval, record.source != .push, !record.accepted, record.decision != "deny" {
            text += " (refused)"
        }
        if record.awaitsLanding == true, landed == false { text += ", not landed" }
        let style =
            ["allow", "warn", "deny", "error", "approved", "landed"].contains(record.decision)
            ? record.decision : "other"
        return (text, style)
    }

    /// The first `limit` changed settings as `file: key`, and "+N more".
    static func settings(_ record: AuditRecord, limit: Int = 3) -> (shown: [String], more: String?) {
        let keys = record.changes.map { "\($0.file): \($0.key)" }
        return (Array(keys.prefix(limit)), keys.count > limit ? "+\(keys.count - limit) more" : nil)
    }
}
