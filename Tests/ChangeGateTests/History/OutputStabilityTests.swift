import Crypto
import Foundation
import Testing

/// The output of `history` and `diff`, byte for byte, on the incident repository and on a generated
/// one, against what the build before the performance work (issue 19) printed. A faster scan, a
/// bytewise renderer or an index must not move a byte: each output here is kept in
/// `Tests/Golden/` (or, when large, as its SHA-256) and compared whole.
///
/// To see a difference: the actual output of a failing case is written beside the golden one as
/// `NAME.actual` (`diff Tests/Golden/NAME Tests/Golden/NAME.actual`). `CHANGEGATE_GOLDEN_WRITE=1`
/// rewrites the golden files, for a change that means to alter the output (the commit shows it).
@Suite("the output of history and diff stays byte-identical")
struct OutputStabilityTests {
    static let golden = Paths.packageRoot.appendingPathComponent("Tests/Golden")
    static let bench = Paths.changegate.deletingLastPathComponent().appendingPathComponent("changegate-bench")

    /// One command and where its output is kept: a file (`digest` false) or a SHA-256 line.
    struct Case: CustomStringConvertible {
        var name: String
        var arguments: [String]
        var digest = false
        var description: String { name }
    }

    static let generatedCases: [Case] = [
        Case(name: "generated-history.ndjson", arguments: ["history", "--format", "ndjson"]),
        Case(name: "generated-history.txt", arguments: ["history"]),
        Case(
            name: "generated-history-all-settings.json.sha256",
            arguments: ["history", "--format", "json", "--setting", "**"], digest: true),
        Case(
            name: "generated-incident.txt",
            arguments: ["history", "--since", "7d", "--now", "2026-01-01T00:00:00Z"]),
        Case(name: "generated-history-failover.json", arguments: ["history", "--tag", "failover", "--format", "json"]),
        Case(
            name: "generated-history-range-dcs.ndjson",
            arguments: ["history", "--range", "HEAD~100..HEAD", "--setting", "bootstrap.dcs.*", "--format", "ndjson"]),
        Case(
            name: "generated-history-all-settings.ndjson.sha256",
            arguments: ["history", "--format", "ndjson", "--setting", "**"], digest: true),
        Case(name: "generated-diff.txt", arguments: ["diff", "--no-color", "HEAD~150", "HEAD"]),
        Case(name: "generated-diff.json", arguments: ["diff", "--format", "json", "HEAD~150", "HEAD"]),
        Case(
            name: "generated-diff-root.json.sha256", arguments: ["diff", "--format", "json", "HEAD~299", "HEAD"],
            digest: true),
    ]

    static let exampleCases: [Case] = [
        Case(name: "example-history.txt", arguments: ["history", "--setting", "**"]),
        Case(name: "example-history.ndjson", arguments: ["history", "--format", "ndjson"]),
        Case(
            name: "example-incident.json",
            arguments: [
                "history", "--since", "6h", "--tag", "failover", "--now", "2024-06-04T14:05:00Z", "--format", "json",
            ]),
        Case(name: "example-evaluate.ndjson", arguments: ["history", "--evaluate", "--format", "ndjson"]),
        Case(name: "example-evaluate.json", arguments: ["history", "--evaluate", "--format", "json"]),
        Case(name: "example-evaluate.txt", arguments: ["history", "--evaluate", "--setting", "**"]),
        Case(name: "example-diff.txt", arguments: ["diff", "--no-color", "HEAD~3", "HEAD"]),
        Case(name: "example-diff.json", arguments: ["diff", "--format", "json", "HEAD~3", "HEAD"]),
    ]

    @Test("on a generated repository (300 commits, 80 files, one large, seed 7)", arguments: [generatedCases])
    func generated(_ cases: [Case]) throws {
        let folder = try Paths.temporaryDirectory("golden-generated")
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = try Shell.check(
            [
                Self.bench.path, "generate", "--commits", "300", "--files", "80", "--large", "1", "--seed", "7",
                "--end", "1767225600", folder.path,
            ], in: Paths.packageRoot)
        let repository = made.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(
            try Shell.check(["git", "-C", repository, "rev-parse", "HEAD"]).hasPrefix("5de29190042b"),
            "the generator made a different repository: the golden outputs are of commit 5de29190042b")
        for item in cases { try compare(item, repository: repository) }
    }

    @Test("on the incident repository", .enabled(if: ExampleRepository.available), arguments: [exampleCases])
    func example(_ cases: [Case]) throws {
        let example = try ExampleRepository()
        defer { example.remove() }
        for item in cases { try compare(item, repository: example.path) }
    }

    private func compare(_ item: Case, repository: String) throws {
        let arguments = [item.arguments[0], "--repo", repository] + item.arguments.dropFirst()
        // A fixed redaction key: a secret's hash is then the same in every run.
        let key = FileManager.default.temporaryDirectory.appendingPathComponent("changegate-golden-redaction.key")
        try Data(repeating: 0x6b, count: 32).write(to: key)
        var environment = GitFixture.baseEnvironment
        environment["CHANGEGATE_REDACTION_KEY"] = key.path
        let result = try Shell.run([Paths.changegate.path] + arguments, environment: environment)
        try #require(
            result.status == 0, "\(item.name): changegate \(arguments.joined(separator: " ")): \(result.stderr)")
        let actual =
            item.digest
            ? SHA256.hash(data: Data(result.stdout.utf8)).map { String(format: "%02x", $0) }.joined() + "\n"
            : result.stdout
        let file = Self.golden.appendingPathComponent(item.name)
        let actualFile = Self.golden.appendingPathComponent(item.name + ".actual")
        if ProcessInfo.processInfo.environment["CHANGEGATE_GOLDEN_WRITE"] == "1" {
            try actual.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        if actual == expected {
            try? FileManager.default.removeItem(at: actualFile)
            return
        }
        try actual.write(to: actualFile, atomically: true, encoding: .utf8)
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }
        let at =
            first.map { "line \($0.offset + 1): expected «\($0.element.0)», got «\($0.element.1)»" }
            ?? "lengths differ: \(expectedLines.count) lines expected, \(actualLines.count) printed"
        Issue.record(
            "\(item.name): `changegate \(arguments.joined(separator: " "))` printed something else; \(at) (diff \(file.path) \(actualFile.path))"
        )
    }
}
