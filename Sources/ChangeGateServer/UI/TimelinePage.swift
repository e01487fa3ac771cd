import ChangeGate
import Hummingbird

/// `/ui/`: decisions across repositories, newest first, a page at a time, with the filters of
/// `changegate audit log`.
extension WebView {
    struct TimelineModel: Sendable {
        struct Field: Sendable {
            var name: String
            var label: String
            var value: String
            var hint: String
        }
        struct Choice: Sendable {
            var value: String
            var label: String
            var selected: Bool
        }
        var fields: [Field]
        var decisions: [Choice]
        var sources: [Choice]
        var error: String?
        var summary: String
        var rows: [DecisionRow]
        var hasRows: Bool
        var older: String?
        var newest: String?
        var csv: String
        var ndjson: String
    }

    func timeline(_ request: Request, context: ServerRequestContext) async -> Response {
        guard let client = context.client, client.may(.view) else { return forbidden(context) }
        var filters = WebFilters(WebFilters.parameters(query: request.uri.query))
        filters.repository = restricted(filters.repository, for: client)
        let now = clock()
        let query: AuditQuery
        do {
            query = try filters.query(limit: Self.pageSize, clock: Int64(now))
        } catch {
            return page(
                "Timeline", current: "/ui/", template: "timeline",
                model: Self.timelineModel(filters, error: error.message, rows: [], older: nil),
                context: context, status: .badRequest)
        }
        let shown = filters
        return await reading(context) { store in
            let entries = try store.entries(matching: query)
            let landings = try? store.landings(of: entries)
            let rows = entries.map { entry in
                DecisionRow(entry.record, landed: landings.map { $0[entry.record.sequence] != nil })
            }
            let older = entries.count == Self.pageSize ? entries.last?.record.sequence : nil
            return page(
                "Timeline", current: "/ui/", template: "timeline",
                model: Self.timelineModel(shown, error: nil, rows: rows, older: older), context: context)
        }
    }

    static func timelineModel(_ filters: WebFilters, error: String?, rows: [DecisionRow], older: Int?)
        -> TimelineModel
    {
        let fields = [
            ("since", "Since", filters.since, "6h, 7d or 2024-06-04T13:00:00Z"),
            ("until", "Until", filters.until, "time"),
            ("repository", "Repository", filters.repository, "as records name it"),
            ("ref", "Ref", filters.ref, "refs/heads/*"),
            ("setting", "Setting", filters.setting, "bootstrap.dcs.*"),
            ("tag", "Tag", filters.tag, "failover"),
            ("author", "Author", filters.author, "identity"),
            ("approver", "Approver", filters.approver, "identity"),
            ("min_risk", "Risk at least", filters.minRisk, "points"),
        ].map { TimelineModel.Field(name: $0.0, label: $0.1, value: $0.2, hint: $0.3) }
        func choices(_ values: [String], _ chosen: String) -> [TimelineModel.Choice] {
            [TimelineModel.Choice(value: "", label: "any", selected: chosen.isEmpty)]
                + values.map { TimelineModel.Choice(value: $0, label: $0, selected: $0 == chosen) }
        }
        let summary =
            rows.isEmpty
            ? "No decision matches."
            : "Records \(rows.first!.sequence) to \(rows.last!.sequence), newest first"
                + (filters.before.map { ", below record \($0)" } ?? "") + "."
        return TimelineModel(
            fields: fields, decisions: choices(["allow", "warn", "deny", "error", "approved"], filters.decision),
            sources: choices(AuditRecord.Source.allCases.map(\.rawValue), filters.source), error: error,
            summary: summary, rows: rows, hasRows: !rows.isEmpty,
            older: older.map { "/ui/" + filters.queryString(before: $0) },
            newest: filters.before == nil ? nil : "/ui/" + filters.queryString(),
            csv: "/ui/export.csv" + filters.queryString(before: filters.before),
            ndjson: "/ui/export.ndjson" + filters.queryString(before: filters.before))
    }

    static let timelineTemplate = """
        <form class="filters" method="get" action="/ui/">
        {{#fields}}<label for="f-{{name}}">{{label}}<input id="f-{{name}}" name="{{name}}" value="{{value}}" placeholder="{{hint}}"></label>
        {{/fields}}<label for="f-decision">Verdict<select id="f-decision" name="decision">{{#decisions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/decisions}}</select></label>
        <label for="f-source">Source<select id="f-source" name="source">{{#sources}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/sources}}</select></label>
        <button type="submit">Filter</button> <a href="/ui/">Clear the filters</a>
        </form>
        {{#error}}<p class="error" role="alert" id="filter-error">{{error}}</p>{{/error}}
        <p class="count" id="summary">{{summary}}</p>
        {{#hasRows}}<table class="decisions" id="decisions">
        <caption>Decisions and approvals, newest first</caption>
        <thead><tr><th scope="col">Record</th><th scope="col">Time (UTC)</th><th scope="col">Repository</th><th scope="col">Ref</th><th scope="col">Source</th><th scope="col">Verdict</th><th scope="col">Risk</th><th scope="col">Who</th><th scope="col">What changed</th></tr></thead>
        <tbody>
        {{/hasRows}}{{#rows}}<tr data-sequence="{{sequence}}"><td><a href="/ui/decisions/{{sequence}}">{{sequence}}</a></td><td><time datetime="{{time}}">{{time}}</time></td><td>{{repository}}</td><td><code>{{ref}}</code></td><td>{{source}}</td><td><span class="verdict {{verdictClass}}">{{verdict}}</span>{{#override}} <strong class="override">OVERRIDE</strong>{{/override}}</td><td>{{risk}}</td><td>{{actor}}</td><td>{{#settings}}<code>{{.}}</code><br>{{/settings}}{{#more}}<span class="more">{{more}}</span>{{/more}}</td></tr>
        {{/rows}}{{#hasRows}}</tbody>
        </table>
        {{/hasRows}}<nav aria-label="Pages"><p>{{#older}}<a rel="next" href="{{older}}" id="older">Older decisions</a> {{/older}}{{#newest}}<a href="{{newest}}">Newest decisions</a>{{/newest}}</p></nav>
        <p class="export">Export these filters: <a href="{{csv}}">CSV</a> · <a href="{{ndjson}}">NDJSON</a></p>

        """
}
