import ChangeGate
import Hummingbird

/// `/ui/incident?since=6h` (and `tag=`, default `failover`): the decisions of the window that
/// changed a setting with the tag, riskiest first, with who approved each. The responder's page.
extension WebView {
    struct IncidentModel: Sendable {
        struct Row: Sendable {
            var decision: DecisionRow
            var head: String
            var approvals: String
            var riskItems: [String]
        }
        var since: String
        var tag: String
        var error: String?
        var summary: String
        var rows: [Row]
        var hasRows: Bool
    }

    /// The most decisions of a window read; a wider window says it was cut.
    static let incidentLimit = 1_000
    /// The most shown, riskiest first (each looks up its head's approvals).
    static let incidentShown = 200

    func incident(_ request: Request, context: ServerRequestContext) async -> Response {
        guard let client = context.client, client.may(.view) else { return forbidden(context) }
        let parameters = WebFilters.parameters(query: request.uri.query)
        var filters = WebFilters()
        filters.since = (parameters["since"] ?? "").isEmpty ? "6h" : parameters["since"]!
        filters.tag = (parameters["tag"] ?? "").isEmpty ? "failover" : parameters["tag"]!
        filters.repository = parameters["repository"] ?? ""
        filters.repository = restricted(filters.repository, for: client)
        let blank = IncidentModel(
            since: filters.since, tag: filters.tag, error: nil, summary: "", rows: [], hasRows: false)
        let query: AuditQuery
        do {
            query = try filters.query(limit: Self.incidentLimit, clock: Int64(clock()))
        } catch {
            var model = blank
            model.error = error.message
            return page(
                "Incident", current: "/ui/incident", template: "incident", model: model, context: context,
                status: .badRequest)
        }
        let window = filters
        return await reading(context) { store in
            let filters = window
            let entries = try store.entries(matching: query).filter {
                $0.record.source != .approval && $0.record.source != .push
            }
            let ranked = entries.sorted {
                ($0.record.risk, $0.record.sequence) > ($1.record.risk, $1.record.sequence)
            }
            var rows: [IncidentModel.Row] = []
            for entry in ranked.prefix(Self.incidentShown) {
                let record = entry.record
                var approvers = record.evidence.filter { $0.kind == "reviewer" && $0.counted }.map(\.subject)
                if let head = record.head {
                    approvers += try store.approvals(of: head).compactMap(\.actor)
                }
                var seen = Set<String>()
                approvers = approvers.filter { seen.insert($0.lowercased()).inserted }
                rows.append(
                    .init(
                        decision: DecisionRow(record, landed: nil),
                        head: record.head.map { String($0.prefix(12)) } ?? "",
                        approvals: approvers.isEmpty ? "none" : approvers.joined(separator: ", "),
                        riskItems: record.riskItems.sorted { $0.points > $1.points }.prefix(3).map {
                            "+\($0.points) \($0.reason)"
                        }))
            }
            var model = blank
            model.rows = rows
            model.hasRows = !rows.isEmpty
            model.summary =
                rows.isEmpty
                ? "No decision in the window changed a setting tagged \(filters.tag)."
                : "\(entries.count) decisions since \(filters.since) changed a setting tagged \(filters.tag), riskiest first"
                    + (entries.count >= Self.incidentLimit ? " (the newest \(Self.incidentLimit) read)" : "")
                    + (ranked.count > rows.count ? "; the riskiest \(rows.count) shown" : "") + "."
            return page("Incident", current: "/ui/incident", template: "incident", model: model, context: context)
        }
    }

    static let incidentTemplate = """
        <form class="filters" method="get" action="/ui/incident">
        <label for="i-since">Since<input id="i-since" name="since" value="{{since}}" placeholder="6h"></label>
        <label for="i-tag">Tag<input id="i-tag" name="tag" value="{{tag}}" placeholder="failover"></label>
        <button type="submit">Show</button>
        </form>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <p id="summary">{{summary}}</p>
        {{#hasRows}}<table id="incident"><caption>Riskiest first</caption>
        <thead><tr><th scope="col">Risk</th><th scope="col">Record</th><th scope="col">Time (UTC)</th><th scope="col">Repository and ref</th><th scope="col">Verdict</th><th scope="col">Who</th><th scope="col">Approved by</th><th scope="col">What changed</th><th scope="col">Why risky</th></tr></thead><tbody>
        {{#rows}}{{#decision}}<tr data-sequence="{{sequence}}"><td>{{risk}}</td><td><a href="/ui/decisions/{{sequence}}">{{sequence}}</a></td><td>{{time}}</td><td>{{repository}}<br><code>{{ref}}</code> <code>{{head}}</code></td><td><span class="verdict {{verdictClass}}">{{verdict}}</span>{{#override}} <strong class="override">OVERRIDE</strong>{{/override}}</td><td>{{actor}}</td><td>{{approvals}}</td><td>{{#settings}}<code>{{.}}</code><br>{{/settings}}{{#more}}<span class="more">{{more}}</span>{{/more}}</td><td>{{#riskItems}}{{.}}<br>{{/riskItems}}</td></tr>{{/decision}}
        {{/rows}}</tbody></table>{{/hasRows}}

        """
}
