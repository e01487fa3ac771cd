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

    /// The cases, and a function that stops the server they ask (call it after measuring).
    func cases() throws -> (timed: [Benchmark], stop: () -> Void) {
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
            {
                kill(pid, SIGTERM); _ = Spawn.wait(pid)
            }
        )
    }
}
