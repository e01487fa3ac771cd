import ChangeGate
import Foundation

/// The timeline's filters as the page's form sends them (`/ui/?since=6h&setting=bootstrap.dcs.*`):
/// the fields of `changegate audit log`, an empty field meaning no filter, and `before` for the
/// next page. Kept as typed so that the form shows them again and each link keeps them.
struct WebFilters: Sendable, Hashable {
    var since = ""
    var until = ""
    var repository = ""
    var ref = ""
    var setting = ""
    var tag = ""
    var author = ""
    var approver = ""
    var decision = ""
    var source = ""
    var minRisk = ""
    var before: Int?

    /// The names of the form's fields, in the order links carry them.
    static let names = [
        "since", "until", "repository", "ref", "setting", "tag", "author", "approver", "decision", "source", "min_risk",
    ]

    init() {}

    /// The filters of a request's query string (the first value of each field; a percent-encoded
    /// query is decoded).
    init(_ parameters: [String: String]) {
        func value(_ name: String) -> String { (parameters[name] ?? "").trimmingCharacters(in: .whitespaces) }
        since = value("since")
        until = value("until")
        repository = value("repository")
        ref = value("ref")
        setting = value("setting")
        tag = value("tag")
        author = value("author")
        approver = value("approver")
        decision = value("decision")
        source = value("source")
        minRisk = value("min_risk")
        before = Int(value("before")).flatMap { $0 > 0 ? $0 : nil }
    }

    private var values: [String] {
        [since, until, repository, ref, setting, tag, author, approver, decision, source, minRisk]
    }

    /// The store's query, at most `limit` records; a wrong field throws what the form shows.
    ///
    /// `setting` and `tag` take several values separated by commas or spaces (any of them), as
    /// `audit log` takes the option more than once.
    func query(limit: Int?, clock: Int64) throws(WorkflowError) -> AuditQuery {
        var filters = AuditWorkflow.Filters()
        func optional(_ text: String) -> String? { text.isEmpty ? nil : text }
        func list(_ text: String) -> [String] {
            text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        }
        filters.since = optional(since)
        filters.until = optional(until)
        filters.ref = optional(ref)
        filters.author = optional(author)
        filters.approver = optional(approver)
        filters.settings = list(setting)
        filters.tags = list(tag)
        filters.decision = optional(decision)
        filters.source = optional(source)
        if !minRisk.isEmpty {
            guard let points = Int(minRisk), points >= 0 else {
                throw WorkflowError("risk at least \(minRisk): expected a whole number of points")
            }
            filters.minimumRisk = points
        }
        var query = try AuditWorkflow.query(filters, repository: optional(repository), limit: limit, clock: clock)
        do {
            try query.validate()
        } catch {
            throw WorkflowError(error.message)
        }
        query.before = before
        return query
    }

    /// `?since=…&…` with the fields set (and `before` when given), for links that keep the filters.
    func queryString(before: Int? = nil) -> String {
        var pairs = zip(Self.names, values).filter { !$0.1.isEmpty }.map { "\($0)=\(Self.encoded($1))" }
        if let before { pairs.append("before=\(before)") }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }

    /// Percent-encoding for a query string's value: everything but unreserved characters.
    static func encoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

extension WebFilters {
    /// A query string's fields, as a form sends them (`+` for a space, percent-encoding), the first
    /// value of each; a field that does not decode is dropped.
    static func parameters(query: String?) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String? {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decoded(parts[0]), let value = parts.count > 1 ? decoded(parts[1]) : "" else { continue }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }
}
