import ChangeGate
import Foundation

/// `changegate history` run in-process through the library, as the command runs it, with the
/// output and the warnings collected.
struct HistoryRun {
    var output = ""
    var warnings: [HistoryWarning] = []
    var summary = HistorySummary()

    /// The lines of an ndjson run, each parsed.
    func ndjson() throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        }
    }

    static func run(
        repository path: String, _ words: HistoryQuery.Words, policy: String? = nil,
        format: HistoryRenderer.Format = .table, clock: Int64 = 1_717_509_900
    ) throws -> HistoryRun {
        let query = try HistoryQuery(words: words, clock: clock)
        let repository = try Repository(path: path)
        let head = try HistoryScanner.head(of: query.revisions, in: repository)
        let loaded = try HistoryScanner.loadPolicy(path: policy, repository: repository, head: head, query: query)
        var scanner = HistoryScanner(repository: repository, policy: loaded, query: query)
        var run = HistoryRun()
        run.summary = try HistoryListing.run(
            &scanner, format: format, write: { run.output += $0 }, warn: { run.warnings.append($0) })
        return run
    }
}

extension HistoryQuery.Words {
    /// Words in one expression: `.init(since: "6h", tags: ["failover"])`.
    init(
        range: String? = nil, ref: String? = nil, since: String? = nil, until: String? = nil,
        settings: [String] = [], tags: [String] = [], evaluate: Bool = false, limit: Int? = nil, now: String? = nil
    ) {
        self.init()
        self.range = range
        self.ref = ref
        self.since = since
        self.until = until
        self.settings = settings
        self.tags = tags
        self.evaluate = evaluate
        self.limit = limit
        self.now = now
    }
}

/// The example repository of examples/ecommerce-outage, built once per test that asks.
struct ExampleRepository {
    let directory: URL
    let path: String
    let badCommit: String
    let revertCommit: String

    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: script.path)
    }

    static let script = Paths.packageRoot.appendingPathComponent("examples/ecommerce-outage/make-repo.sh")

    init() throws {
        directory = try Paths.temporaryDirectory("history-example")
        let destination = directory.appendingPathComponent("shop-config")
        let output = try Shell.check([Self.script.path, destination.path])
        let ids = Dictionary(
            uniqueKeysWithValues: output.split(separator: "\n").map { line -> (String, String) in
                let parts = line.split(separator: " ")
                return (String(parts[0]), String(parts[1]))
            })
        path = destination.path
        badCommit = ids["bad-commit"] ?? ""
        revertCommit = ids["revert-commit"] ?? ""
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
