import Foundation
import Testing

/// The examples the docs show, run against the demo repository and compared with what they print, so
/// that the docs stay true. A fenced block takes part when the line before its fence says so:
///
/// - `<!-- doc-test -->`: the block is `$ COMMAND` lines (a trailing `\` continues one) followed by
///   what they print;
/// - `<!-- doc-test: run COMMAND -->`: the block is what COMMAND prints;
/// - `<!-- doc-test: file NAME -->`: the block is a file the later commands of that page read.
///
/// Commands run with `bash` in a fresh copy of the demo repository (`examples/ecommerce-outage/
/// make-repo.sh`; `/tmp/shop` in a doc names it), with the built `changegate` first on PATH; what
/// they print on both streams is compared. In the expected text a line `…` stands
/// for any lines, and `…` inside a line for any characters.
@Suite("Doc examples print what the docs show", .enabled(if: ExampleRepository.available))
struct DocExampleTests {
    struct Example: CustomStringConvertible {
        var page: String
        var line: Int
        var commands: [String]
        var expected: [String]
        var files: [(name: String, text: String)]
        var description: String { "\(page):\(line)" }
    }

    static let pages = [
        "README.md", "docs/ci.md", "docs/history.md", "docs/policy-language.md", "docs/audit.md",
        "docs/failover-model.md",
    ]

    /// Every marked block of every page, in page order.
    static func examples() -> [Example] {
        var out: [Example] = []
        for page in pages {
            guard
                let text = try? String(
                    contentsOf: Paths.packageRoot.appendingPathComponent(page), encoding: .utf8)
            else { continue }
            let lines = text.components(separatedBy: "\n")
            var files: [(String, String)] = []
            var index = 0
            while index < lines.count {
                let marker = lines[index].trimmingCharacters(in: .whitespaces)
                guard marker.hasPrefix("<!-- doc-test"), marker.hasSuffix("-->"), index + 1 < lines.count,
                    lines[index + 1].hasPrefix("```")
                else {
                    index += 1
                    continue
                }
                let argument = marker.dropFirst("<!-- doc-test".count).dropLast(3)
                    .trimmingCharacters(in: .whitespaces)
                var body: [String] = []
                var end = index + 2
                while end < lines.count, !lines[end].hasPrefix("```") {
                    body.append(lines[end])
                    end += 1
                }
                if argument.hasPrefix(": file ") {
                    files.append((String(argument.dropFirst(": file ".count)), body.joined(separator: "\n") + "\n"))
                } else if argument.hasPrefix(": run ") {
                    out.append(
                        Example(
                            page: page, line: index + 2, commands: [String(argument.dropFirst(": run ".count))],
                            expected: body, files: files))
                } else {
                    var commands: [String] = []
                    var rest = body[...]
                    while let first = rest.first, first.hasPrefix("$ ") {
                        var command = String(first.dropFirst(2))
                        rest = rest.dropFirst()
                        while command.hasSuffix("\\"), let next = rest.first {
                            command = String(command.dropLast()) + " " + next.trimmingCharacters(in: .whitespaces)
                            rest = rest.dropFirst()
                        }
                        commands.append(command)
                    }
                    out.append(
                        Example(page: page, line: index + 2, commands: commands, expected: Array(rest), files: files))
                }
                index = end + 1
            }
        }
        return out
    }

    /// Whether `actual` reads as `expected`, with `…` wildcards; the first line that differs.
    static func mismatch(expected: [String], actual: [String]) -> String? {
        func lineMatches(_ pattern: String, _ line: String) -> Bool {
            guard pattern.contains("…") else { return pattern == line }
            let pieces = pattern.components(separatedBy: "…")
            var rest = Substring(line)
            for (position, piece) in pieces.enumerated() {
                if position == 0 {
                    guard rest.hasPrefix(piece) else { return false }
                    rest = rest.dropFirst(piece.count)
                } else if position == pieces.count - 1 {
                    return piece.isEmpty || rest.hasSuffix(piece)
                } else if let found = rest.range(of: piece) {
                    rest = rest[found.upperBound...]
                } else {
                    return false
                }
            }
            return rest.isEmpty
        }
        // Backtracking over `…` lines; the examples are short.
        func match(_ e: Int, _ a: Int) -> Bool {
            if e == expected.count { return a == actual.count }
            if expected[e].trimmingCharacters(in: .whitespaces) == "…" {
                return (a...actual.count).contains { match(e + 1, $0) }
            }
            return a < actual.count && lineMatches(expected[e], actual[a]) && match(e + 1, a + 1)
        }
        guard !match(0, 0) else { return nil }
        for (offset, line) in expected.enumerated() where line != "…" {
            if offset >= actual.count || !lineMatches(line, actual[offset]) {
                return "first difference near line \(offset + 1): expected \(line.debugDescription), got "
                    + (offset < actual.count ? actual[offset].debugDescription : "nothing")
            }
        }
        return "the output has other lines than the example"
    }

    @Test("every marked example is found: the docs keep their examples under test")
    func examplesAreMarked() {
        let found = Self.examples()
        #expect(found.count >= 5, "\(found)")
        for page in ["docs/ci.md", "docs/history.md", "docs/policy-language.md"] {
            #expect(found.contains { $0.page == page }, "\(page) has no doc-test example")
        }
    }

    @Test("the wildcard matcher itself")
    func matcher() {
        #expect(Self.mismatch(expected: ["a", "…", "d"], actual: ["a", "b", "c", "d"]) == nil)
        #expect(Self.mismatch(expected: ["a …z"], actual: ["a b c z"]) == nil)
        #expect(Self.mismatch(expected: ["a", "d"], actual: ["a", "b", "d"]) != nil)
        #expect(Self.mismatch(expected: ["13 commits read"], actual: ["18 commits read"]) != nil)
    }

    @Test("each example prints what its page shows", arguments: DocExampleTests.examples())
    func example(_ example: Example) throws {
        let demo = try ExampleRepository()
        defer { demo.remove() }
        let repository = URL(fileURLWithPath: demo.path)
        for file in example.files {
            try Data(file.text.utf8).write(to: repository.appendingPathComponent(file.name))
        }
        // The examples' decisions go to a trail of their own, made beforehand, so that none prints
        // the note a check gives when it creates one.
        let trail = demo.directory.appendingPathComponent("examples-trail.sqlite").path
        try Shell.run(
            [Paths.changegate.path, "check", "--repo", demo.path, "--base", "HEAD", "--head", "HEAD", "--audit", trail])
        var actual = ""
        for command in example.commands {
            // Both streams as a terminal shows them: standard output is flushed at exit.
            let script = "exec 2>&1; " + command.replacingOccurrences(of: "/tmp/shop", with: demo.path)
            let result = try Shell.run(
                ["bash", "-c", script], in: repository,
                environment: [
                    "PATH": Paths.changegate.deletingLastPathComponent().path + ":"
                        + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C.UTF-8", "TZ": "UTC",
                    "NO_COLOR": "1", "CHANGEGATE_AUDIT": trail,
                ])
            actual += result.stdout
        }
        var lines = actual.replacingOccurrences(of: demo.path, with: "/tmp/shop").components(separatedBy: "\n")
        while lines.last == "" { lines.removeLast() }
        var expected = example.expected
        while expected.last == "" { expected.removeLast() }
        let problem = Self.mismatch(expected: expected, actual: lines)
        #expect(problem == nil, "\(example): \(problem ?? "")\n--- printed:\n\(lines.joined(separator: "\n"))")
    }
}
