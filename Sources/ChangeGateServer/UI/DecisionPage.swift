import ChangeGate
import Hummingbird

/// `/ui/decisions/N`: one record explained as the text report explains it (what was missing,
/// what passed, each risk item), its settings diff, its evidence and where each piece came from,
/// its policy, and its place in the chain. The page a forge's status links to.
extension WebView {
    struct DecisionModel: Sendable {
        struct Fact: Sendable {
            var name: String
            var value: String
        }
        struct RuleLine: Sendable {
            var name: String
            var kind: String
            var status: String
            var style: String
            var reason: String
            var missing: [String]
        }
        struct Risk: Sendable {
            var points: Int
            var reason: String
            var location: String
        }
        struct Change: Sendable {
            var file: String
            /// `file:line` where the line is known (``SettingLines``), else the file.
            var location: String
            var key: String
            var kind: String
            var old: String
            var new: String
            var tags: String
            var history: String
        }
        struct Evidence: Sendable {
            var kind: String
            var subject: String
            var status: String
            var source: String
            var counted: String
            var style: String
        }
        var verdict: String
        var verdictClass: String
        var override: String?
        var missing: [String]
        var passed: [String]
        var facts: [Fact]
        var commitLink: String?
        var rules: [RuleLine]
        var risks: [Risk]
        var changes: [Change]
        var evidence: [Evidence]
        var problems: [String]
        var policy: [Fact]
        var chain: [Fact]
        var chainOK: Bool
        var report: String
    }

    func decision(_ request: Request, context: ServerRequestContext) async -> Response {
        guard let client = context.client, client.may(.view) else { return forbidden(context) }
        guard let text = context.parameters.get("sequence"), let sequence = Int(text), sequence > 0 else {
            return message(
                "No such record", "A record's number is a whole number from 1.", context: context, status: .notFound)
        }
        let verified = verification.last
        return await reading(context) { store in
            guard let entry = try store.entry(sequence: sequence), visible(entry.record.repository, to: client) else {
                return message(
                    "No such record", "The audit trail has no record \(sequence).", context: context, status: .notFound)
            }
            let previous = sequence > 1 ? try store.entry(sequence: sequence - 1) : nil
            let head = try store.head()
            // Whether its ref moved: unknown (nil) when the trail cannot say, never "not landed".
            var landing: Int??
            if entry.record.awaitsLanding == true, let landings = try? store.landings(of: [entry]) {
                landing = .some(landings[sequence])
            }
            let model = decisionModel(entry, previous: previous, head: head, verified: verified, landing: landing)
            return page(
                "Record \(sequence): \(entry.record.decision)", current: "", template: "decision", model: model,
                context: context)
        }
    }

    func decisionModel(
        _ entry: AuditEntry, previous: AuditEntry?, head: AuditHead?, verified: WebVerification.Outcome?,
        landing: Int??
    ) -> DecisionModel {
        let record = entry.record
        let verdict = Self.verdict(record, landed: landing.map { $0 != nil })
        let applied = record.rules.filter(\.applies)
        let missing = applied.filter { !$0.satisfied && !$0.overridden }.flatMap { rule in
            rule.missing.isEmpty ? ["\(rule.name): \(rule.reason)"] : rule.missing.map { "\(rule.name): \($0)" }
        }
        let passed = applied.filter(\.satisfied).map { "\($0.name): \($0.reason)" }
        var facts: [DecisionModel.Fact] = [
            .init(name: "Recorded", value: Self.time(record.time) + " by the \(record.source.rawValue)"),
            .init(name: "Repository", value: record.repository),
        ]
        if let evaluated = record.evaluatedAt { facts.append(.init(name: "Judged as of", value: Self.time(evaluated))) }
        if let ref = record.ref { facts.append(.init(name: "Ref", value: ref)) }
        if let base = record.base { facts.append(.init(name: "Base", value: base)) }
        if let head = record.head { facts.append(.init(name: "Head", value: head)) }
        if let mergeBase = record.mergeBase {
            facts.append(.init(name: "Compared from (merge base)", value: mergeBase))
        }
        if let actor = record.actor { facts.append(.init(name: "Asked by", value: actor)) }
        facts.append(.init(name: "Let through", value: record.accepted ? "yes" : "no"))
        if record.awaitsLanding == true, let landing {
            facts.append(
                .init(
                    name: "Landed",
                    value: landing.map { "yes: record \($0) says the ref moved" }
                        ?? "no record says the ref moved (a later hook or a lost lock can still refuse a push)"))
        }
        facts.append(.init(name: "Risk", value: "\(record.risk) points"))
        for commit in record.commits.prefix(20) {
            facts.append(
                .init(name: "Commit \(commit.id.prefix(12))", value: "\(commit.subject) (author \(commit.author))"))
        }
        facts.append(.init(name: "ChangeGate", value: record.version))
        // The served repository the record names (by name, or by its path, as the service and the
        // hook record it); of several at one path, the first by name that has a link.
        let served = configuration.repositories.values.filter {
            $0.name == record.repository || $0.trailName == record.repository
        }.sorted { $0.name < $1.name }
        let commitLink = record.head.flatMap { head in
            served.compactMap(\.commitURL).first.map {
                $0.replacingOccurrences(of: "{commit}", with: WebFilters.encoded(head))
            }
        }
        let lines = SettingLines.lines(of: record, repositoryPath: served.first?.path)
        let rules = record.rules.map { rule -> DecisionModel.RuleLine in
            let status: (String, String) =
                !rule.applies
                ? ("does not apply", "muted")
                : rule.overridden
                    ? ("overridden", "bad")
                    : rule.satisfied
                        ? ("passed", "ok") : ("not met", "bad")
            return .init(
                name: rule.name, kind: rule.kind, status: status.0, style: status.1, reason: rule.reason,
                missing: rule.missing)
        }
        let risks = record.riskItems.map { item in
            DecisionModel.Risk(
                points: item.points, reason: item.reason,
                location: [item.file, item.key].compactMap { $0 }.joined(separator: ": "))
        }
        let changes = zip(record.changes, lines).map { change, line in
            DecisionModel.Change(
                file: change.file, location: line.map { "\(change.file):\($0)" } ?? change.file, key: change.key,
                kind: change.kind, old: change.old ?? "(absent)",
                new: change.new ?? "(absent)", tags: change.tags.joined(separator: ", "),
                history: "/ui/setting?repository=\(WebFilters.encoded(record.repository))&file="
                    + WebFilters.encoded(change.file) + "&key=" + WebFilters.encoded(change.key))
        }
        let evidence = record.evidence.map { piece in
            DecisionModel.Evidence(
                kind: piece.kind, subject: piece.subject, status: piece.status ?? "", source: piece.source,
                counted: piece.counted ? "counted" : "not counted" + (piece.reason.map { ": \($0)" } ?? ""),
                style: piece.counted ? "ok" : "bad")
        }
        var policy: [DecisionModel.Fact] = []
        if let name = record.policy?.name { policy.append(.init(name: "Policy", value: name)) }
        if let source = record.policy?.source { policy.append(.init(name: "From", value: source)) }
        if let sha = record.policy?.sha256 { policy.append(.init(name: "SHA-256", value: sha)) }
        // The record's own link in the chain, checked here; the whole chain only by a verification.
        let selfHash = AuditEntry.hash(body: entry.body, previousHash: entry.previousHash) == entry.hash
        let linked =
            previous.map { $0.hash == entry.previousHash } ?? (entry.previousHash == AuditEntry.genesis)
        var chain: [DecisionModel.Fact] = [
            .init(name: "Position", value: "record \(record.sequence) of \(head.map { String($0.sequence) } ?? "?")"),
            .init(name: "Hash", value: entry.hash),
            .init(name: "Previous hash", value: entry.previousHash),
            .init(
                name: "This record",
                value: selfHash
                    ? "its hash matches its content" : "its hash does NOT match its content: it was changed"),
            .init(
                name: "Its link",
                value: linked
                    ? (previous == nil
                        ? "the first record" : "record \(record.sequence - 1)'s hash is the one it names")
                    : "it does NOT name record \(record.sequence - 1)'s hash: the chain is broken here"),
        ]
        let wholeUpToHere: Bool
        if let verified {
            let covered = verified.head.map { $0.sequence >= record.sequence } ?? false
            let failedBelow = verified.badSequence.map { $0 <= record.sequence } ?? (verified.failure != nil)
            wholeUpToHere = covered && !failedBelow
            let text =
                failedBelow
                ? "the verification of \(Self.time(verified.finished)) failed at or before it: \(verified.failure ?? "")"
                : covered
                    ? "the whole chain up to it verified at \(Self.time(verified.finished))"
                    : "the last verification (\(Self.time(verified.finished))) ended before it: verify again"
            chain.append(.init(name: "The chain up to it", value: text))
        } else {
            wholeUpToHere = false
            chain.append(
                .init(name: "The chain up to it", value: "not verified since the service started: see Integrity"))
        }
        var override: String?
        if let asked = record.override {
            override = "OVERRIDE by \(asked.actor): \(asked.reason)" + (record.overridden ? "" : " (it lifted no rule)")
        }
        return DecisionModel(
            verdict: verdict.text, verdictClass: verdict.style, override: override, missing: missing, passed: passed,
            facts: facts, commitLink: commitLink, rules: rules, risks: risks, changes: changes, evidence: evidence,
            problems: record.problems, policy: policy, chain: chain, chainOK: selfHash && linked && wholeUpToHere,
            report: AuditRenderer.show(entry, landing: landing))
    }

    static let decisionTemplate = """
        <p class="verdict-line">Verdict: <span class="verdict {{verdictClass}}" id="verdict">{{verdict}}</span></p>
        {{#override}}<p><strong class="override" id="override">{{override}}</strong></p>{{/override}}
        <section aria-labelledby="h-missing"><h2 id="h-missing">What was missing</h2>
        <ul id="missing">{{#missing}}<li>{{.}}</li>{{/missing}}{{^missing}}<li class="muted">nothing</li>{{/missing}}</ul></section>
        <section aria-labelledby="h-passed"><h2 id="h-passed">What passed</h2>
        <ul id="passed">{{#passed}}<li>{{.}}</li>{{/passed}}{{^passed}}<li class="muted">no rule passed</li>{{/passed}}</ul></section>
        {{#problems}}<p class="error">Not judged: {{.}}</p>{{/problems}}
        <section aria-labelledby="h-facts"><h2 id="h-facts">The change</h2>
        <dl class="facts">{{#facts}}<dt>{{name}}</dt><dd><code>{{value}}</code></dd>{{/facts}}</dl>
        {{#commitLink}}<p><a href="{{commitLink}}" rel="noreferrer">The head commit in the forge</a></p>{{/commitLink}}</section>
        <section aria-labelledby="h-changes"><h2 id="h-changes">Settings changed</h2>
        <table id="changes"><thead><tr><th scope="col">File</th><th scope="col">Setting</th><th scope="col">Change</th><th scope="col">Old</th><th scope="col">New</th><th scope="col">Tags</th></tr></thead><tbody>
        {{#changes}}<tr><td><code>{{location}}</code></td><td><a href="{{history}}"><code>{{key}}</code></a></td><td>{{kind}}</td><td><code>{{old}}</code></td><td><code>{{new}}</code></td><td>{{tags}}</td></tr>
        {{/changes}}</tbody></table></section>
        <section aria-labelledby="h-risk"><h2 id="h-risk">Risk</h2>
        <table id="risk"><thead><tr><th scope="col">Points</th><th scope="col">Why</th><th scope="col">Where</th></tr></thead><tbody>
        {{#risks}}<tr><td>{{points}}</td><td>{{reason}}</td><td><code>{{location}}</code></td></tr>
        {{/risks}}</tbody></table></section>
        <section aria-labelledby="h-rules"><h2 id="h-rules">Rules</h2>
        <table id="rules"><thead><tr><th scope="col">Rule</th><th scope="col">Kind</th><th scope="col">Outcome</th><th scope="col">Why</th></tr></thead><tbody>
        {{#rules}}<tr><td>{{name}}</td><td>{{kind}}</td><td class="{{style}}">{{status}}</td><td>{{reason}}{{#missing}}<br>missing: {{.}}{{/missing}}</td></tr>
        {{/rules}}</tbody></table></section>
        <section aria-labelledby="h-evidence"><h2 id="h-evidence">Evidence, and where it came from</h2>
        <table id="evidence"><thead><tr><th scope="col">Kind</th><th scope="col">Who or what</th><th scope="col">Result</th><th scope="col">From</th><th scope="col">Counted</th></tr></thead><tbody>
        {{#evidence}}<tr><td>{{kind}}</td><td>{{subject}}</td><td>{{status}}</td><td>{{source}}</td><td class="{{style}}">{{counted}}</td></tr>
        {{/evidence}}</tbody></table>{{^evidence}}<p class="muted">No evidence was given.</p>{{/evidence}}</section>
        <section aria-labelledby="h-policy"><h2 id="h-policy">Policy</h2>
        <dl class="facts">{{#policy}}<dt>{{name}}</dt><dd><code>{{value}}</code></dd>{{/policy}}</dl></section>
        <section aria-labelledby="h-chain"><h2 id="h-chain">In the chain</h2>
        <p id="chain-state" class="{{#chainOK}}ok{{/chainOK}}{{^chainOK}}bad{{/chainOK}}">{{#chainOK}}This record is in a chain verified up to it.{{/chainOK}}{{^chainOK}}Not proven whole up to this record: see below.{{/chainOK}}</p>
        <dl class="facts">{{#chain}}<dt>{{name}}</dt><dd><code>{{value}}</code></dd>{{/chain}}</dl></section>
        <details><summary>The record as <code>changegate audit show</code> prints it</summary>
        <pre class="report">{{report}}</pre></details>

        """
}
