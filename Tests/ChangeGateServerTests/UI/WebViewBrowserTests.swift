import ChangeGate
import Foundation
import Testing

@testable import ChangeGateServer

/// The web view in a real browser: headless Chromium, driven by Selenium through chromedriver
/// (`Tests/Browser/webview.py`, in the environment `scripts/bootstrap` makes), against the service
/// on loopback. The DOM is read after the browser built it; axe-core checks labels, contrast,
/// landmarks and names; the Tab key is pressed for real.
@Suite("Server: the web view in Chromium", .serialized)
struct WebViewBrowserTests {
    static let python = Processes.packageRoot.appendingPathComponent(".build/browser-venv/bin/python")
    static let script = Processes.packageRoot.appendingPathComponent("Tests/Browser/webview.py")

    @Test("every page loads in Chromium: the DOM says what the trail holds, filters change the rows, axe finds nothing")
    func pagesInChromium() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.python.path),
            "run scripts/bootstrap: it makes .build/browser-venv with selenium and axe-core")
        let server = try await ServerHarness()
        defer { Task { await server.stop() } }
        let entries = try IncidentTrail.fill(server.auditPath, filler: 60)
        let incident = entries.first { $0.record.head == IncidentTrail.incidentHead }!.record.sequence
        let setting =
            "/ui/setting?file=\(WebFilters.encoded(IncidentTrail.file))&key=\(WebFilters.encoded(IncidentTrail.key))"
        let plan: [[String: Any]] = [
            [
                "name": "timeline", "path": "/ui/", "count": ["#decisions tbody tr", "#older"],
                "text": ["#summary"], "tabs": 4, "screenshot": true,
            ],
            [
                "name": "timeline-filtered", "fill": ["#f-setting": IncidentTrail.key],
                "click": "form.filters button[type=submit]", "count": ["#decisions tbody tr"], "text": ["#summary"],
            ],
            [
                "name": "decision", "path": "/ui/decisions/\(incident)",
                "text": ["#missing", "#verdict", "#chain-state"],
                "count": ["#changes tbody tr", "#evidence tbody tr"], "screenshot": true,
            ],
            [
                "name": "setting", "path": setting, "count": ["svg#setting-chart circle.point", "#values tbody tr"],
                "screenshot": true,
            ],
            ["name": "incident", "path": "/ui/incident?since=6h", "count": ["#incident tbody tr"], "screenshot": true],
            ["name": "integrity", "path": "/ui/integrity", "text": ["#head", "#verification"], "screenshot": true],
            [
                "name": "verified", "click": "#verify", "text": ["#verification"], "count": ["#integrity-banner"],
            ],
        ]
        let folder = URL(fileURLWithPath: server.auditPath).deletingLastPathComponent()
        let planFile = folder.appendingPathComponent("plan.json")
        try JSONSerialization.data(withJSONObject: plan).write(to: planFile)
        let shots = folder.appendingPathComponent("screenshots")
        let run = try await Processes.detached([
            Self.python.path, Self.script.path, "--base", server.baseURL, "--user", "viewer", "--token",
            ServerHarness.viewerToken, "--plan", planFile.path, "--screenshots", shots.path,
        ])
        try #require(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        func step(_ name: String) -> (
            count: [String: Int], text: [String: String], axe: [[String: Any]], all: [String: Any]
        ) {
            let seen = report[name] as? [String: Any] ?? [:]
            return (
                seen["count"] as? [String: Int] ?? [:], seen["text"] as? [String: String] ?? [:],
                seen["axe"] as? [[String: Any]] ?? [], seen
            )
        }
        for name in ["timeline", "timeline-filtered", "decision", "setting", "incident", "integrity", "verified"] {
            #expect(step(name).axe.isEmpty, "\(name): axe-core found \(step(name).axe)")
        }
        #expect(step("timeline").count["#decisions tbody tr"] == 50)
        #expect(step("timeline").count["#older"] == 1)
        #expect(step("timeline-filtered").count["#decisions tbody tr"] == 2, "\(step("timeline-filtered").all)")
        #expect((step("timeline-filtered").all["url"] as? String)?.contains("setting=bootstrap.dcs.ttl") == true)
        #expect(step("decision").text["#missing"]?.contains("1 more reviewer from dba") == true)
        #expect(step("decision").text["#verdict"] == "DENY")
        #expect(step("decision").count["#changes tbody tr"] == 1)
        #expect(step("setting").count["svg#setting-chart circle.point"] == 3)
        #expect(step("incident").count["#incident tbody tr"] == 3)
        #expect(
            step("verified").text["#verification"]?.contains("the chain is whole") == true, "\(step("verified").all)")
        #expect(step("verified").count["#integrity-banner"] == 0)
        // The keyboard: the first stop is the skip link, then the views.
        let tabs = (step("timeline").all["tabs"] as? [[String: Any]] ?? []).map { $0["text"] as? String ?? "" }
        #expect(tabs.first == "Skip to the content", "\(tabs)")
        #expect(Array(tabs.dropFirst().prefix(3)) == ["Timeline", "Incident", "Integrity"], "\(tabs)")
        for name in ["timeline", "decision", "setting", "incident", "integrity"] {
            let size =
                (try? FileManager.default.attributesOfItem(
                    atPath: shots.appendingPathComponent(name + ".png").path)[.size] as? Int) ?? 0
            #expect(size > 10_000, "\(name).png")
        }
        await server.stop()
    }
}
