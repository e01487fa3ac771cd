import ChangeGate
import Dispatch
import Foundation
import HTTPTypes
import Hummingbird

/// `/ui/integrity`: the trail's head, the last verification and a button that runs one, and the
/// configured checkpoint with its signatures and whether the trail still holds it. A failed
/// verification puts a red banner, naming the first bad record, on every page until one passes.
extension WebView {
    struct IntegrityModel: Sendable {
        var head: String
        var headSequence: Int?
        var running: Bool
        /// The running verification's progress, as the page words it.
        var progress: String?
        var verified: String?
        var ok: Bool
        var failure: String?
        var badLink: String?
        var checkpoint: String
        var checkpointSignatures: [String]
        var checkpointProblem: String?
    }

    func integrity(_ request: Request, context: ServerRequestContext) async -> Response {
        guard context.client?.may(.view) == true else { return forbidden(context) }
        let last = verification.last
        let running = verification.isRunning
        let progress = verification.progress.map { Self.progressLine(checked: $0.checked, total: $0.total) }
        let configured = configuration.checkpoint
        return await reading(context) { store in
            let head = try store.head()
            let published = configured.map { PublishedCheckpoint.read($0, store: store, head: head) }
            let model = IntegrityModel(
                head: head.map { "record \($0.sequence), hash \($0.hash)" } ?? "no record yet",
                headSequence: head?.sequence, running: running, progress: progress,
                verified: last.map {
                    "\(Self.time($0.finished)): \($0.records) records checked"
                        + ($0.head.map { " up to record \($0.sequence)" } ?? "")
                },
                ok: last != nil && last?.failure == nil, failure: last?.failure,
                badLink: last?.badSequence.map { "/ui/decisions/\($0)" },
                checkpoint: published?.summary
                    ?? "No checkpoint is configured (`checkpoint` in the service's configuration). Sign one with "
                    + "`changegate audit checkpoint` and keep it with a witness (docs/audit.md, Checkpoints).",
                checkpointSignatures: published?.signatures ?? [], checkpointProblem: published?.problem)
            var response = page(
                "Integrity", current: "/ui/integrity", template: "integrity", model: model, context: context)
            // While a verification runs the page looks again every two seconds (no script needed).
            if running { response.headers[.refresh] = "2" }
            return response
        }
    }

    /// A running verification's progress in words: records checked of the trail's, and the checks
    /// after the walk (SQLite's of the whole file, PostgreSQL's head row) once it is through.
    ///
    /// - Parameters:
    ///   - checked: The records checked so far.
    ///   - total: The trail's records when the verification began; nil when not yet known.
    /// - Returns: The line the page shows.
    static func progressLine(checked: Int, total: Int?) -> String {
        let done = String(checked)
        guard let total, total > 0 else { return "\(done) records checked so far" }
        let all = String(total)
        guard checked < total else { return "all \(all) records checked; finishing the store's own checks" }
        return "\(done) of \(all) records checked (\(checked * 100 / total)%)"
    }

    /// `POST /ui/verify`: starts a verification unless one runs, and goes back to the integrity page.
    /// Only from this view's own form: a browser sends its cookies and basic credentials with a
    /// form another site posts, so a cross-site post is refused.
    func verify(_ request: Request, context: ServerRequestContext) async -> Response {
        guard context.client?.may(.view) == true else { return forbidden(context) }
        if let site = request.headers[.secFetchSite], site != "same-origin", site != "none" {
            return message(
                "Refused", "A verification starts only from this view's own button.", context: context,
                status: .forbidden)
        }
        if let origin = request.headers[.origin], let host = request.head.authority,
            origin != "http://\(host)", origin != "https://\(host)"
        {
            return message(
                "Refused", "A verification starts only from this view's own button.", context: context,
                status: .forbidden)
        }
        let location = configuration.audit
        let verification = verification
        let clock = clock
        DispatchQueue.global().async {
            _ = verification.run {
                do {
                    let trail = try AuditWorkflow.openForReading(
                        AuditWorkflow.Trail(location: location, repositoryPath: nil, environment: [:]))
                    verification.total(try trail.store.head()?.sequence)
                    let verified = try trail.store.verify(progress: { verification.checked($0) })
                    return WebVerification.outcome(verified, time: clock())
                } catch {
                    return WebVerification.Outcome(
                        finished: clock(), records: 0, head: nil, failure: "The trail cannot be verified: \(error)",
                        badSequence: nil)
                }
            }
        }
        // Let a short verification finish before the page is drawn.
        try? await Task.sleep(for: .milliseconds(300))
        return Response(status: .seeOther, headers: [.location: "/ui/integrity"])
    }

    static let integrityTemplate = """
        <dl class="facts">
        <dt>Head</dt><dd><code id="head">{{head}}</code></dd>
        <dt>Last verification</dt><dd id="verification">{{#verified}}{{verified}}: {{#ok}}<span class="ok">the chain is whole</span>{{/ok}}{{#failure}}<span class="bad">{{failure}}</span>{{#badLink}} <a href="{{badLink}}">the first bad record</a>{{/badLink}}{{/failure}}{{/verified}}{{^verified}}none since the service started{{/verified}}</dd>
        <dt>Last checkpoint</dt><dd id="checkpoint">{{checkpoint}}<ul id="checkpoint-signatures">{{#checkpointSignatures}}<li>{{.}}</li>{{/checkpointSignatures}}</ul></dd>
        </dl>
        {{#checkpointProblem}}<p class="error" id="checkpoint-problem" role="alert">The checkpoint does not hold: {{checkpointProblem}}</p>{{/checkpointProblem}}
        {{#running}}<p id="running" role="status">A verification is running{{#progress}}: <span id="progress">{{progress}}</span>{{/progress}}. This page refreshes until it ends.</p>{{/running}}
        {{^running}}<form method="post" action="/ui/verify"><button type="submit" id="verify">Verify the whole chain now</button></form>{{/running}}

        """
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
    static let refresh = Self("Refresh")!
}
