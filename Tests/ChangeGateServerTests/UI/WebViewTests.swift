import ChangeGate
import Foundation
import Testing

@testable import ChangeGateServer

/// The web view over HTTP on a loopback port: who may see it, what each page says about a trail
/// holding the incident, that a pusher's markup stays text, and that the export is `audit export`'s.
@Suite("Server: the web view", .serialized)
struct WebViewTests {
    static let viewer = ServerHarness.basic("viewer", ServerHarness.viewerToken)

    /// The `data-sequence` of each row of `table`, in order.
    static func rows(_ html: String) -> [Int] {
        html.components(separatedBy: "data-sequence=\"").dropFirst().compactMap {
            Int($0.prefix { $0.isNumber })
        }
    }

    @Test("no page without credentials but a login hint; a client without `view` is refused; the headers")
    func access() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        try IncidentTrail.fill(server.auditPath)
        for path in ["/ui/", "/ui/decisions/1", "/ui/integrity", "/ui/export.csv", "/ui/nothing"] {
            for headers in [
                [:], ServerHarness.basic("viewer", "wrong"), ServerHarness.basic("auditor", ServerHarness.viewerToken),
                ["Authorization": "Bearer wrong"],
            ] {
                let answer = try await server.exchange("GET", path, headers: headers)
                #expect(answer.status == 401, "\(path) \(headers)")
                #expect(answer.headers["www-authenticate"]?.hasPrefix("Basic realm=\"ChangeGate\"") == true)
                #expect(answer.body.contains("Log in"))
                #expect(!answer.body.contains("frank"), "\(path): a login hint shows nothing of the trail")
            }
        }
        // The auditor's token is good, but it may not use the view.
        let auditor = try await server.web(
            "GET", "/ui/", headers: ServerHarness.basic("auditor", ServerHarness.auditorToken))
        #expect(auditor.status == 403)
        #expect(!auditor.body.contains("frank"))
        let page = try await server.exchange("GET", "/ui/", headers: Self.viewer)
        #expect(page.status == 200)
        #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        #expect(page.headers["x-frame-options"] == "DENY")
        #expect(page.headers["cache-control"] == "no-store")
        #expect(page.body.contains("Signed in as viewer"))
        // A bearer token works too (a script's), and the style sheet needs nothing.
        let bearer = ["Authorization": "Bearer \(ServerHarness.viewerToken)"]
        #expect(try await server.web("GET", "/ui/", headers: bearer).status == 200)
        #expect(try await server.web("GET", "/ui/style.css").status == 200)
        await server.stop()
    }

    @Test("the timeline: newest first, 50 a page, the next page by `before`, and each filter narrows the rows")
    func timeline() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let entries = try IncidentTrail.fill(server.auditPath, filler: 60)
        let sequence = { (head: String) in entries.first { $0.record.head == head }!.record.sequence }
        let first = try await server.web("GET", "/ui/", headers: Self.viewer)
        #expect(first.status == 200)
        let newest = Array((entries.count - 49...entries.count).reversed())
        #expect(Self.rows(first.body) == newest)
        #expect(first.body.contains("href=\"/ui/?before=\(entries.count - 49)\""))
        let second = try await server.web("GET", "/ui/?before=\(entries.count - 49)", headers: Self.viewer)
        #expect(Self.rows(second.body) == Array((1..<entries.count - 49).reversed()))
        #expect(!second.body.contains("id=\"older\""))
        // Each filter, as the form sends it (`+` for spaces, percent-encoding).
        let cases: [(String, [Int])] = [
            ("setting=bootstrap.dcs.ttl", [sequence(IncidentTrail.revertHead), sequence(IncidentTrail.incidentHead)]),
            ("setting=bootstrap.dcs.%2A&decision=deny", [sequence(IncidentTrail.incidentHead)]),
            (
                "approver=BOB%40example.com",
                [sequence(IncidentTrail.revertHead), sequence(IncidentTrail.incidentHead) + 1]
            ),
            ("tag=failover&min_risk=40", [entries.count - 1, sequence(IncidentTrail.incidentHead)]),
            ("source=service", [entries.count - 1]),
            ("author=frank%40example.com", [sequence(IncidentTrail.incidentHead)]),
            ("since=50m&tag=failover", [entries.count - 1, sequence(IncidentTrail.revertHead)]),
            (
                "ref=refs%2Fheads%2F*&setting=bootstrap.dcs.loop_wait+bootstrap.dcs.ttl",
                [
                    entries.count - 1, sequence(IncidentTrail.revertHead), sequence(IncidentTrail.incidentHead),
                ]
            ),
        ]
        for (query, expected) in cases {
            let page = try await server.web("GET", "/ui/?" + query, headers: Self.viewer)
            #expect(page.status == 200, "\(query)")
            #expect(Self.rows(page.body) == expected, "\(query)")
        }
        // The override is flagged; a wrong filter says what is wrong, with the form kept.
        let override = try await server.web("GET", "/ui/?source=service", headers: Self.viewer)
        #expect(override.body.contains("class=\"override\">OVERRIDE"))
        let wrong = try await server.web("GET", "/ui/?since=yesterday&setting=a..b", headers: Self.viewer)
        #expect(wrong.status == 400)
        #expect(wrong.body.contains("id=\"filter-error\""))
        #expect(wrong.body.contains("value=\"yesterday\""))
        await server.stop()
    }

    @Test("a pusher's markup in a ref, an actor, a file, a key or a value is shown as text on every page")
    func markupStaysText() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let entries = try IncidentTrail.fill(server.auditPath)
        let hostile = entries.last!.record.sequence
        let key = WebFilters.encoded("x.\"\(IncidentTrail.markup)\"")
        let file = WebFilters.encoded("db/\(IncidentTrail.markup).yml")
        for path in [
            "/ui/", "/ui/decisions/\(hostile)", "/ui/setting?file=\(file)&key=\(key)",
            "/ui/?ref=" + WebFilters.encoded(IncidentTrail.markup),
        ] {
            let page = try await server.web("GET", path, headers: Self.viewer)
            #expect(page.status == 200 || page.status == 400, "\(path)")
            #expect(!page.body.contains("<script"), "\(path)")
            #expect(page.body.contains("&lt;script&gt;"), "\(path)")
        }
        await server.stop()
    }

    @Test("a decision's page: what was missing, the diff, the evidence and its source, the policy, the chain")
    func decisionPage() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let entries = try IncidentTrail.fill(server.auditPath)
        let incident = entries.first { $0.record.head == IncidentTrail.incidentHead }!
        let page = try await server.web("GET", "/ui/decisions/\(incident.record.sequence)", headers: Self.viewer)
        #expect(page.status == 200)
        for text in [
            "DENY", "1 more reviewer from dba (dba@example.com, bob@example.com)", "failover-simulation/kill-leader",
            "junit .build/demo/simulation/incident/failover-simulation.xml", String(repeating: "e", count: 64),
            "<code>30</code></td><td><code>15</code>", incident.hash, "its hash matches its content",
            "not verified since the service started", "update failover protocols",
        ] {
            #expect(page.body.contains(text), "\(text)")
        }
        #expect(
            page.body.contains(
                "/ui/setting?repository=\(WebFilters.encoded(IncidentTrail.repository))&amp;file="
                    + WebFilters.encoded(IncidentTrail.file)))
        #expect(try await server.web("GET", "/ui/decisions/999", headers: Self.viewer).status == 404)
        #expect(try await server.web("GET", "/ui/decisions/x", headers: Self.viewer).status == 404)
        // A real check through the API: its page links the head to the forge, as configured.
        let request = try JSONSerialization.data(withJSONObject: [
            "repository": "Codertocat/Hello-World", "base": "master", "head": server.repository.failoverHead,
        ])
        let client = ["Authorization": "Bearer \(ServerHarness.clientToken)"]
        #expect(try await server.send("POST", "/v1/check", body: Array(request), headers: client).status == 200)
        let real = try await server.web("GET", "/ui/decisions/\(entries.count + 1)", headers: Self.viewer)
        #expect(
            real.body.contains("https://github.com/Codertocat/Hello-World/commit/\(server.repository.failoverHead)"))
        #expect(real.body.contains("DBA review and failover simulation"))
        #expect(real.body.contains("reviewer from group dba"), "the missing reviewer's group is named")
        // Its changed setting with the line the head's file writes it on (`mode: manual`, line 3).
        #expect(real.body.contains("<td><code>db/prod/patroni.yml:3</code></td>"))
        await server.stop()
    }

    @Test("a setting changed more often than the chart shows: the newest 200 changes, read a page at a time")
    func settingHistoryPaged() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let now = Int(Date().timeIntervalSince1970)
        var records: [AuditRecord] = []
        for index in 0..<260 {
            var record = AuditRecord(
                time: now - 100_000 + index * 60, source: .ci, repository: IncidentTrail.repository,
                ref: "refs/heads/main", base: String(repeating: "0", count: 40),
                head: String(format: "%040x", index + 1),
                actor: "ci@example.com", decision: "allow", accepted: true)
            record.changes = [
                AuditRecord.Change(
                    file: IncidentTrail.file, key: IncidentTrail.key, kind: "modified", old: "\(index)",
                    new: "\(index + 1)", weight: 10, tags: ["failover"])
            ]
            records.append(record)
            // Records that are not the setting's (an approval, another key) between its changes.
            if index % 3 == 0 {
                records.append(
                    AuditRecord.approval(
                        commit: String(format: "%040x", index + 1), approver: "bob@example.com",
                        ref: "refs/changegate/approvals/x", time: now - 100_000 + index * 60 + 1,
                        repository: IncidentTrail.repository))
            }
        }
        let entries = try await SQLiteAuditStore(path: server.auditPath).append(records)
        let changes = entries.filter { $0.record.source == .ci }.map(\.record.sequence)
        let path =
            "/ui/setting?file=\(WebFilters.encoded(IncidentTrail.file))&key=\(WebFilters.encoded(IncidentTrail.key))"
        let page = try await server.web("GET", path, headers: Self.viewer)
        #expect(page.status == 200)
        // A point per change, and one for the value the oldest shown change started from.
        #expect(page.body.components(separatedBy: "<circle class=\"point").count - 1 == WebView.settingLimit + 1)
        #expect(page.body.contains("/ui/decisions/\(changes[changes.count - 1])\""), "the newest change is shown")
        #expect(page.body.contains("/ui/decisions/\(changes[changes.count - 200])\""), "the 200th newest too")
        #expect(!page.body.contains("/ui/decisions/\(changes[changes.count - 201])\""), "the 201st is not")
        await server.stop()
    }

    @Test("a setting's history: the incident's ttl 30 → 15 → 30 as three points, the denial hollow, the revert marked")
    func settingHistory() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        try IncidentTrail.fill(server.auditPath, filler: 5)
        let path =
            "/ui/setting?file=\(WebFilters.encoded(IncidentTrail.file))&key=\(WebFilters.encoded(IncidentTrail.key))"
        let page = try await server.web("GET", path, headers: Self.viewer)
        #expect(page.status == 200)
        #expect(page.body.components(separatedBy: "<circle class=\"point").count - 1 == 3)
        #expect(page.body.contains("<circle class=\"point start\""))
        #expect(page.body.contains("<circle class=\"point denied\""))
        #expect(page.body.contains("<circle class=\"point revert\""))
        // 30 sits twice as high as 15: the scale starts at zero.
        #expect(page.body.contains(">30</text>") && page.body.contains(">15</text>"))
        let missing = try await server.web("GET", "/ui/setting?file=x", headers: Self.viewer)
        #expect(missing.status == 400)
        await server.stop()
    }

    @Test("the incident view: the window's failover changes, riskiest first, with who approved them")
    func incidentView() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let entries = try IncidentTrail.fill(server.auditPath, filler: 5)
        let sequence = { (head: String) in entries.first { $0.record.head == head }!.record.sequence }
        let page = try await server.web("GET", "/ui/incident?since=6h", headers: Self.viewer)
        #expect(page.status == 200)
        #expect(
            Self.rows(page.body) == [
                sequence(IncidentTrail.incidentHead), entries.count - 1, sequence(IncidentTrail.revertHead),
            ])
        #expect(page.body.contains("bob@example.com"))
        let narrow = try await server.web("GET", "/ui/incident?since=20m", headers: Self.viewer)
        #expect(Self.rows(narrow.body) == [entries.count - 1])
        await server.stop()
    }

    @Test(
        "verify from the page: whole, then a tampered record shows a red banner naming it; a cross-site post is refused"
    )
    func integrity() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let entries = try IncidentTrail.fill(server.auditPath)
        let same = Self.viewer.merging(["Origin": server.baseURL]) { a, _ in a }
        for forged in [["Origin": "http://evil.example"], ["Sec-Fetch-Site": "cross-site"]] {
            let answer = try await server.web("POST", "/ui/verify", headers: Self.viewer.merging(forged) { a, _ in a })
            #expect(answer.status == 403, "\(forged)")
        }
        #expect(try await server.web("GET", "/ui/integrity", headers: Self.viewer).body.contains("none since"))
        #expect(try await server.web("POST", "/ui/verify", headers: same).status == 303)
        var page = try await Self.settled(server)
        #expect(page.contains("the chain is whole"), "\(page)")
        #expect(page.contains("record \(entries.count), hash \(entries.last!.hash)"))
        let decision = try await server.web("GET", "/ui/decisions/2", headers: Self.viewer)
        #expect(decision.body.contains("This record is in a chain verified up to it."))
        // An edit in the file: the next verification names record 3, on every page.
        _ = try await Processes.detached([
            "sqlite3", server.auditPath,
            "UPDATE records SET body = replace(body, '\"allow\"', '\"deny\"') WHERE sequence = 3",
        ])
        #expect(try await server.web("POST", "/ui/verify", headers: same).status == 303)
        page = try await Self.settled(server)
        #expect(page.contains("Record 3"), "\(page)")
        let timeline = try await server.web("GET", "/ui/", headers: Self.viewer)
        #expect(timeline.body.contains("id=\"integrity-banner\""))
        #expect(timeline.body.contains("Record 3"))
        await server.stop()
    }

    @Test("the configured checkpoint: its signer and witness, that the trail holds it, and a fork or a cut in red")
    func checkpoint() async throws {
        let changegate = Processes.binary("changegate").path
        let server = try await ServerHarness { folder in
            for name in ["trail", "witness"] {
                _ = try Processes.succeed([
                    changegate, "audit", "keygen", "--name", "example.com/\(name)", "--out", folder.path + "/" + name,
                ])
            }
            return "checkpoint:\n  path: \(folder.path)/checkpoint\n"
                + "  keys: [\(folder.path)/trail.pub, \(folder.path)/witness.pub]\n"
        }
        defer { Task { await server.stop() } }
        let folder = server.folder.path
        var page = try await server.web("GET", "/ui/integrity", headers: Self.viewer)
        #expect(page.body.contains("No checkpoint at \(folder)/checkpoint yet"), "\(page.body)")
        let entries = try IncidentTrail.fill(server.auditPath)
        let signed = try await Processes.detached([
            changegate, "audit", "checkpoint", "--audit", server.auditPath, "--key", folder + "/trail.key",
            "--output", folder + "/checkpoint",
        ])
        #expect(signed.status == 0, "\(signed)")
        // Signed by the trail, not yet by the witness the configuration requires: in red.
        page = try await server.web("GET", "/ui/integrity", headers: Self.viewer)
        #expect(page.body.contains("id=\"checkpoint-problem\""), "\(page.body)")
        #expect(page.body.contains("not signed by example.com/witness"))
        let witnessed = try await Processes.detached([
            changegate, "audit", "witness", "--audit", server.auditPath, "--key", folder + "/witness.key",
            "--log-key", folder + "/trail.pub", "--checkpoint", folder + "/checkpoint",
        ])
        #expect(witnessed.status == 0, "\(witnessed)")
        page = try await server.web("GET", "/ui/integrity", headers: Self.viewer)
        #expect(!page.body.contains("id=\"checkpoint-problem\""), "\(page.body)")
        for text in [
            "example.com/trail: \(entries.count) records, hash \(entries.last!.hash)", "the trail holds it",
            "<li>signed by example.com/trail (key ", "<li>co-signed by example.com/witness (key ",
        ] {
            #expect(page.body.contains(text), "\(text)")
        }
        // The trail rewritten below the checkpoint (its last record's hash changed): named in red.
        _ = try await Processes.detached([
            "sqlite3", server.auditPath,
            "UPDATE records SET hash = '\(String(repeating: "0", count: 64))' WHERE sequence = \(entries.count)",
        ])
        page = try await server.web("GET", "/ui/integrity", headers: Self.viewer)
        #expect(page.body.contains("s hash is 000"), "\(page.body)")
        // Cut back: fewer records than the checkpoint signed.
        _ = try await Processes.detached([
            "sqlite3", server.auditPath, "DELETE FROM records WHERE sequence = \(entries.count)",
        ])
        page = try await server.web("GET", "/ui/integrity", headers: Self.viewer)
        #expect(page.body.contains("records were removed from its end"), "\(page.body)")
        await server.stop()
    }

    /// The integrity page once no verification runs.
    static func settled(_ server: ServerHarness) async throws -> String {
        for _ in 0..<100 {
            let page = try await server.web("GET", "/ui/integrity", headers: viewer)
            if !page.body.contains("id=\"running\"") { return page.body }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the verification did not end")
        return ""
    }

    @Test("export: every matching record (past one batch), the columns of `changegate audit export`")
    func export() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let entries = try IncidentTrail.fill(server.auditPath, filler: WebView.exportBatch + 150)
        let cli = Processes.binary("changegate").path
        for (format, query) in [("csv", ""), ("ndjson", ""), ("csv", "?setting=bootstrap.dcs.*&since=6h")] {
            let answer = try await server.exchange("GET", "/ui/export.\(format)" + query, headers: Self.viewer)
            #expect(answer.status == 200)
            var words = [cli, "audit", "export", "--audit", server.auditPath, "--format", format]
            if !query.isEmpty { words += ["--setting", "bootstrap.dcs.*", "--since", "6h"] }
            let oracle = try await Processes.detached(words)
            #expect(oracle.status == 0, "\(oracle.stderr)")
            #expect(answer.body == oracle.stdout, "\(format) \(query)")
        }
        let all = try await server.web("GET", "/ui/export.ndjson", headers: Self.viewer)
        #expect(all.body.split(separator: "\n").count == entries.count)
        await server.stop()
    }

    @Test("a client of one repository sees only its records, and no other's decision page")
    func narrowClient() async throws {
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let entries = try IncidentTrail.fill(server.auditPath)
        let narrow = ServerHarness.basic("narrow-viewer", ServerHarness.narrowViewerToken)
        for path in ["/ui/", "/ui/?repository=" + WebFilters.encoded(IncidentTrail.repository), "/ui/incident"] {
            let page = try await server.web("GET", path, headers: narrow)
            #expect(page.status == 200)
            #expect(Self.rows(page.body).isEmpty, "\(path)")
        }
        #expect(
            try await server.web("GET", "/ui/decisions/\(entries[0].record.sequence)", headers: narrow).status == 404)
        let export = try await server.web("GET", "/ui/export.ndjson", headers: narrow)
        #expect(export.body.isEmpty)
        await server.stop()
    }
}
