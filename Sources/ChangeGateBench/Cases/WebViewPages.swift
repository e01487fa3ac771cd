import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The web view's pages on a long trail: `changegate serve` over the audit cases' million-record
/// SQLite trail, each page fetched whole by `curl` (connection, authentication, the store's query,
/// the template), beside `curl` of `/healthz` as the reference, so that the difference is the page.
struct WebViewPages {
    let server: String
    let trail: String
    let repository: String
    let scratch: String
    let records: Int
    /// The package's root: the browser pass's script and environment are under it.
    let root: String

    /// The cases; a pass in headless Chromium over the same server (run it after measuring, so
    /// that the browser does not share the machine with the timings); and a function that stops
    /// the server (call it last).
    func cases() throws -> (timed: [Benchmark], browser: () -> [String], stop: () -> Void) {
        let token = "bench-viewer-token"
        let digest = try Shell.output("sh", ["-c", "printf %s \(token) | sha256sum | cut -d' ' -f1"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try "bench".write(toFile: scratch + "/web.secret", atomically: true, encoding: .utf8)
        let port = 20_000 + Int(getpid() % 20_000)
        let config = scratch + "/web-serve.yml"
        try """
        listen: 127.0.0.1:\(port)
        audit: \(trail)
        forges:
          github:
            kind: github
            api: https://github.invalid/api/v3
            token_file: \(scratch)/web.secret
            secret_file: \(scratch)/web.secret
        repositories:
          bench/config:
            forge: github
            path: \(repository)
        clients:
          viewer:
            token_sha256: \(digest)
            repositories: ["*"]
            actions: [view]

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let pid = try Spawn.start(server, ["serve", "--config", config])
        let base = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<200 where !ready {
            ready = (try? Shell.output("curl", ["-sf", base + "/healthz"])) == "ok\n"
            if !ready { usleep(50_000) }
        }
        guard ready else {
            kill(pid, SIGTERM)
            throw Shell.Failure(command: "\(server) serve --config \(config)", status: 1, output: "it did not start")
        }
        let input = scratch + "/empty.input"
        _ = FileManager.default.createFile(atPath: input, contents: Data())
        func fetch(_ path: String, authenticated: Bool) throws {
            var words = ["-sf", "-o", "/dev/null"]
            if authenticated { words += ["-u", "viewer:\(token)"] }
            let status = try Spawn.run(
                "/usr/bin/curl", words + [base + path], inputFile: input, environment: [:], directory: scratch)
            guard status == 0 else { throw Shell.Failure(command: "curl \(base + path)", status: status, output: "") }
        }
        let middle = records / 2
        let pages: [(String, String)] = [
            ("the timeline, newest 50", "/ui/"),
            ("the timeline, --setting bootstrap.dcs.ttl", "/ui/?setting=bootstrap.dcs.ttl"),
            ("the timeline, a failover tag in the last 30 days", "/ui/?since=30d&tag=failover"),
            ("the timeline, 10 pages back", "/ui/?before=\(records - 500)"),
            ("a decision's page", "/ui/decisions/\(middle)"),
            (
                "a setting's history (newest 200 changes of one file's key)",
                "/ui/setting?file=db%2Feu-west%2Fpg-7%2Fpatroni.yml&key=bootstrap.dcs.ttl"
            ),
            ("the incident view, 6 hours", "/ui/incident?since=6h"),
            ("integrity", "/ui/integrity"),
        ]
        let timed = pages.map { name, path in
            Benchmark(
                name: "web view: \(name) (\(records.formatted()) records)", target: .milliseconds(100),
                subject: { try fetch(path, authenticated: true) },
                reference: ("curl /healthz", { try fetch("/healthz", authenticated: false) }),
                note: "`curl` of `\(path)` from `changegate serve` over the trail (the whole page, its connection and "
                    + "login); the reference is `curl` of `/healthz` on the same server.")
        }
        return (
            timed,
            { browserPass(base: base, token: token, middle: middle) },
            {
                kill(pid, SIGTERM); _ = Spawn.wait(pid)
            }
        )
    }

    /// `Tests/Browser/webview.py` over the long trail: the DOM of each page, a filter that changes
    /// the rows, axe-core's findings, and a verification of the whole trail started from the page
    /// (whose progress the page shows). Lines for the report, each check "ok" or "FAILED".
    func browserPass(base: String, token: String, middle: Int) -> [String] {
        let python = root + "/.build/browser-venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return ["skipped: \(python) is missing (scripts/bootstrap makes it)"]
        }
        let setting = "/ui/setting?file=db%2Feu-west%2Fpg-7%2Fpatroni.yml&key=bootstrap.dcs.ttl"
        let plan: [[String: Any]] = [
            ["name": "timeline", "path": "/ui/", "count": ["#decisions tbody tr", "#older"], "tabs": 4],
            [
                "name": "timeline-filtered", "fill": ["#f-setting": "bootstrap.dcs.ttl"],
                "click": "form.filters button[type=submit]", "count": ["#decisions tbody tr"],
            ],
            [
                "name": "decision", "path": "/ui/decisions/\(middle)", "text": ["#verdict", "#chain-state"],
                "count": ["#changes tbody tr"],
            ],
            ["name": "setting", "path": setting, "count": ["svg#setting-chart circle.point", "#values tbody tr"]],
            ["name": "incident", "path": "/ui/incident?since=6h", "count": ["#incident tbody tr"]],
            ["name": "integrity", "path": "/ui/integrity", "text": ["#head"]],
            ["name": "verifying", "click": "#verify", "text": ["#progress", "#verification"]],
        ]
        let planFile = scratch + "/web-browser-plan.json"
        do {
            try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: planFile))
            let output = try Shell.output(
                python,
                [
                    root + "/Tests/Browser/webview.py", "--base", base, "--user", "viewer", "--token", token, "--plan",
                    planFile,
                ])
            guard let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
                return ["FAILED: webview.py printed no report"]
            }
            func step(_ name: String) -> [String: Any] { report[name] as? [String: Any] ?? [:] }
            func count(_ name: String, _ selector: String) -> Int {
                (step(name)["count"] as? [String: Int])?[selector] ?? -1
            }
            func text(_ name: String, _ selector: String) -> String {
                (step(name)["text"] as? [String: String])?[selector] ?? ""
            }
            var lines: [String] = []
            func check(_ ok: Bool, _ what: String) { lines.append((ok ? "ok: " : "FAILED: ") + what) }
            let rows = count("timeline", "#decisions tbody tr")
            check(
                rows == 50 && count("timeline", "#older") == 1,
                "the timeline shows 50 rows and a link to older ones (\(rows))")
            let filtered = count("timeline-filtered", "#decisions tbody tr")
            let url = step("timeline-filtered")["url"] as? String ?? ""
            check(
                filtered > 0 && url.contains("setting=bootstrap.dcs.ttl"),
                "the setting filter, typed into the form, gives \(filtered) rows at \(url)")
            check(
                !text("decision", "#verdict").isEmpty && count("decision", "#changes tbody tr") >= 1,
                "decision \(middle): verdict \(text("decision", "#verdict")), "
                    + "\(count("decision", "#changes tbody tr")) changed settings, \(text("decision", "#chain-state"))")
            let points = count("setting", "svg#setting-chart circle.point")
            check(points >= 2, "the setting's chart has \(points) points, \(count("setting", "#values tbody tr")) rows")
            check(
                count("incident", "#incident tbody tr") >= 0,
                "the incident view: \(count("incident", "#incident tbody tr")) rows")
            check(!text("integrity", "#head").isEmpty, "integrity: \(text("integrity", "#head"))")
            let progress = text("verifying", "#progress"), verification = text("verifying", "#verification")
            check(
                !progress.isEmpty || verification.contains("the chain is whole"),
                "verify, pressed in the page: \(progress.isEmpty ? verification : progress)")
            for name in ["timeline", "timeline-filtered", "decision", "setting", "incident", "integrity", "verifying"] {
                let found = step(name)["axe"] as? [[String: Any]] ?? []
                check(found.isEmpty, "axe-core on \(name): \(found.isEmpty ? "no violations" : "\(found)")")
            }
            return lines
        } catch {
            return ["FAILED: \(error)"]
        }
    }
}
