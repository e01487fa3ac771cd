import ChangeGate
import Hummingbird
import PolicyDSL

/// `/ui/setting?file=F&key=K` (and `repository=R`): every value the trail's decisions judged for
/// one setting, oldest first, as a step chart and a table; each change (a head's, however often it
/// was judged) links to its latest decision.
extension WebView {
    struct SettingModel: Sendable {
        struct Row: Sendable {
            var sequence: Int
            var time: String
            var repository: String
            var old: String
            var new: String
            var verdict: String
            var verdictClass: String
            var note: String
        }
        var file: String
        var key: String
        /// Nil for every repository.
        var repository: String?
        var chart: String
        var rows: [Row]
        var hasRows: Bool
        var cut: String?
    }

    /// The most changes a chart shows (the newest).
    static let settingLimit = 200

    func setting(_ request: Request, context: ServerRequestContext) async -> Response {
        guard let client = context.client, client.may(.view) else { return forbidden(context) }
        let parameters = WebFilters.parameters(query: request.uri.query)
        let file = parameters["file"] ?? "", key = parameters["key"] ?? ""
        var repository = parameters["repository"] ?? ""
        guard !file.isEmpty, !key.isEmpty else {
            return message(
                "Which setting?", "Name the setting with `file` and `key` (a decision's page links each one).",
                context: context, status: .badRequest)
        }
        repository = restricted(repository, for: client)
        var query = AuditQuery()
        // Exactly this file's key, on one change: the stores answer it from their (file, key) index.
        query.file = file
        query.key = key
        query.repository = repository.isEmpty ? nil : repository
        // A page at a time, newest first: decoding a record is most of the page's cost, so it
        // decodes about as many as it shows (at most 25 pages: the 5,000 newest).
        query.limit = Self.settingLimit
        let title = "\(key) in \(file)"
        let selection = query, shownRepository = repository
        return await reading(context) { store in
            var query = selection
            let repository = shownRepository
            var found: [(AuditRecord, AuditRecord.Change)] = []
            pages: for _ in 0..<25 {
                let entries = try store.entries(matching: query)
                for entry in entries {
                    let record = entry.record
                    guard record.source != .approval, record.source != .push, visible(record.repository, to: client)
                    else { continue }
                    // Bytes, as the store selected them (String's == would also take other
                    // normalizations of the same text).
                    if let change = record.changes.first(where: {
                        $0.file.utf8.elementsEqual(file.utf8) && $0.key.utf8.elementsEqual(key.utf8)
                    }) {
                        found.append((record, change))
                        if found.count == Self.settingLimit { break pages }
                    }
                }
                guard entries.count == query.limit, let last = entries.last else { break }
                query.before = last.record.sequence
            }
            found.reverse()
            let model = settingModel(file: file, key: key, repository: repository, found: found)
            return page(title, current: "", template: "setting", model: model, context: context)
        }
    }

    /// One change of the setting: a commit's, judged once or more (a push refused and pushed again,
    /// a check run twice); its latest decision speaks for it.
    struct SettingChange {
        var latest: AuditRecord
        var change: AuditRecord.Change
        var decisions: Int
    }

    /// `found` (oldest first) as changes: the decisions of one head with the same old and new value
    /// are one change.
    static func settingChanges(_ found: [(AuditRecord, AuditRecord.Change)]) -> [SettingChange] {
        var changes: [SettingChange] = []
        var index: [String: Int] = [:]
        for (record, change) in found {
            guard let head = record.head else {
                changes.append(SettingChange(latest: record, change: change, decisions: 1))
                continue
            }
            let key = head + "\u{0}" + (change.old ?? "") + "\u{0}" + (change.new ?? "")
            if let at = index[key] {
                changes[at].latest = record
                changes[at].decisions += 1
            } else {
                index[key] = changes.count
                changes.append(SettingChange(latest: record, change: change, decisions: 1))
            }
        }
        return changes
    }

    func settingModel(file: String, key: String, repository: String, found: [(AuditRecord, AuditRecord.Change)])
        -> SettingModel
    {
        let changes = Self.settingChanges(found)
        var points: [StepChart.Point] = []
        var rows: [SettingModel.Row] = []
        if let first = changes.first {
            points.append(
                .init(
                    value: first.change.old, link: nil,
                    label: "before record \(first.latest.sequence): \(first.change.old ?? "absent")", denied: false,
                    revert: false))
        }
        for (index, item) in changes.enumerated() {
            let record = item.latest, change = item.change
            let denied = !record.accepted || record.decision == "deny" || record.decision == "error"
            // A revert puts back the value the change before it replaced.
            let revert =
                index > 0 && change.new == changes[index - 1].change.old && change.old == changes[index - 1].change.new
            let verdict = Self.verdict(record, landed: nil)
            let judged = item.decisions > 1 ? ", judged \(item.decisions) times" : ""
            let label =
                "record \(record.sequence), \(Self.time(record.time)): \(change.old ?? "absent") → "
                + "\(change.new ?? "absent"), \(verdict.text)\(judged)" + (revert ? ", a revert" : "")
            points.append(
                .init(
                    value: change.new, link: "/ui/decisions/\(record.sequence)", label: label, denied: denied,
                    revert: revert))
            rows.append(
                .init(
                    sequence: record.sequence, time: Self.time(record.time), repository: record.repository,
                    old: change.old ?? "(absent)", new: change.new ?? "(absent)", verdict: verdict.text + judged,
                    verdictClass: verdict.style, note: revert ? "revert" : denied ? "not let through" : ""))
        }
        let chart = StepChart(points: points, title: "\(key) in \(file), each change's value").svg()
        return SettingModel(
            file: file, key: key, repository: repository.isEmpty ? nil : repository, chart: chart,
            rows: rows.reversed(), hasRows: !rows.isEmpty,
            cut: found.count >= Self.settingLimit ? "Only the newest \(Self.settingLimit) decisions are read." : nil)
    }

    static let settingTemplate = """
        <p>Every value of <code>{{key}}</code> in <code>{{file}}</code>{{#repository}} in {{repository}}{{/repository}} that a decision in the trail judged, oldest on the left: one point for each change, however often it was judged. Hollow points were not let through; reverts are marked.</p>
        {{#cut}}<p class="muted">{{cut}}</p>{{/cut}}
        {{#hasRows}}{{{chart}}}
        <table id="values"><caption>The changes, newest first</caption>
        <thead><tr><th scope="col">Record</th><th scope="col">Time (UTC)</th><th scope="col">Repository</th><th scope="col">Old</th><th scope="col">New</th><th scope="col">Verdict</th><th scope="col">Note</th></tr></thead><tbody>
        {{#rows}}<tr><td><a href="/ui/decisions/{{sequence}}">{{sequence}}</a></td><td>{{time}}</td><td>{{repository}}</td><td><code>{{old}}</code></td><td><code>{{new}}</code></td><td><span class="verdict {{verdictClass}}">{{verdict}}</span></td><td>{{note}}</td></tr>
        {{/rows}}</tbody></table>{{/hasRows}}
        {{^hasRows}}<p>No decision in the trail changed this setting.</p>{{/hasRows}}

        """
}
