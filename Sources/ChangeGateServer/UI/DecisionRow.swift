import ChangeGate

/// A record as a row of the timeline and the incident view: the verdict (and whether it landed),
/// risk, who, where, the first settings it changed, an override flagged.
struct DecisionRow: Sendable {
    var sequence: Int
    var time: String
    var repository: String
    var ref: String
    var source: String
    var verdict: String
    var verdictClass: String
    var override: Bool
    var risk: Int
    var actor: String
    var settings: [String]
    var more: String?

    /// `record`'s row; `landed` as ``WebView/verdict(_:landed:)`` takes it.
    init(_ record: AuditRecord, landed: Bool?) {
        let verdict = WebView.verdict(record, landed: landed)
        let settings = WebView.settings(record)
        sequence = record.sequence
        time = WebView.time(record.time)
        repository = record.repository
        ref = record.ref ?? ""
        source = record.source.rawValue
        self.verdict = verdict.text
        verdictClass = verdict.style
        override = record.overridden || record.override != nil
        risk = record.risk
        actor = record.actor ?? ""
        self.settings = settings.shown
        more = settings.more
    }
}
