import Foundation
import PolicyDSL

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Test results from JUnit XML reports (`--junit GLOB`): `testsuites/testsuite/testcase` with
/// `failure`, `error` and `skipped` children. A skipped test is not a pass.
public enum JUnitReport {
    /// The test results of one report.
    ///
    /// - Parameter path: A JUnit XML file.
    /// - Returns: One result per `testcase`.
    /// - Throws: ``InputFileError`` when the file cannot be read or is not a JUnit report.
    public static func read(path: String) throws(EvidenceError) -> [TestEvidence] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvidenceError(path: path, "cannot read the JUnit report")
        }
        let delegate = Collector(path: path)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        // Foundation's parser on Linux may return true and still record an error; check both, and
        // that every element was closed.
        let parsed = parser.parse()
        if !parsed || parser.parserError != nil || delegate.depth != 0 {
            let code = parser.parserError.map { " (XML parser error \(($0 as NSError).code))" } ?? ""
            let what = delegate.depth != 0 && parser.parserError == nil ? "an element is not closed" : "malformed XML"
            throw EvidenceError(path: path, line: max(1, parser.lineNumber), "not valid XML: \(what)\(code)")
        }
        if let problem = delegate.problem { throw problem }
        if !delegate.sawSuite {
            throw EvidenceError(path: path, line: 1, "no <testsuites> or <testsuite> element: not a JUnit report")
        }
        return delegate.results
    }

    /// Every report matching `pattern` (a path glob relative to the working directory, `**` allowed),
    /// in path order. A pattern that matches nothing is an error: a CI that lost its reports must not
    /// pass as one that ran no tests.
    ///
    /// - Parameter pattern: A path or a glob.
    /// - Returns: Every matching report's results, in path order.
    /// - Throws: ``InputFileError`` when nothing matches or a report cannot be read.
    public static func read(matching pattern: String) throws(EvidenceError) -> [TestEvidence] {
        let paths = expand(pattern)
        guard !paths.isEmpty else { throw EvidenceError(path: pattern, "no JUnit report matches this path") }
        var results: [TestEvidence] = []
        for path in paths { results += try read(path: path) }
        return results
    }

    /// The reports matching `pattern`, refusing any that the change itself carries: a file inside
    /// `repository`'s work tree that is tracked at `head` is the change's claim about its own tests,
    /// not a result CI produced (`--junit 'reports/**/*.xml'` would read a committed fake).
    ///
    /// - Parameters:
    ///   - pattern: A path or a glob.
    ///   - repository: The repository judged.
    ///   - head: The change's tip.
    /// - Returns: Every matching report's results, in path order.
    /// - Throws: ``InputFileError`` when nothing matches, a report is tracked at `head`, or a
    ///   report cannot be read.
    public static func read(
        matching pattern: String, notCommittedIn repository: Repository, at head: ObjectID
    ) throws(EvidenceError) -> [TestEvidence] {
        let paths = expand(pattern)
        guard !paths.isEmpty else { throw EvidenceError(path: pattern, "no JUnit report matches this path") }
        for path in paths {
            guard let relative = repository.workTreeRelativePath(of: path), !relative.isEmpty else { continue }
            let tracked: Bool
            do {
                tracked = try repository.file(at: relative, in: head) != nil
            } catch {
                throw EvidenceError(path: path, "cannot tell whether the change commits this report: \(error)")
            }
            if tracked {
                throw EvidenceError(
                    path: path,
                    "this JUnit report is committed in the change being judged (\(relative) at \(head.short)), so "
                        + "it is the change's own claim, not a result: have CI write its reports to a path the "
                        + "repository does not track, or outside the checkout")
            }
        }
        var results: [TestEvidence] = []
        for path in paths { results += try read(path: path) }
        return results
    }

    static func expand(_ pattern: String) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else {
            return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
        }
        let glob = Glob(pattern)
        let root = glob.literalDirectoryPrefix.flatMap { $0.isEmpty ? nil : $0 } ?? "."
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var matches: [String] = []
        for case let relative as String in walker {
            let path = root == "." ? relative : root + "/" + relative
            if glob.matches(path) { matches.append(path) }
        }
        return matches.sorted()
    }

    private final class Collector: NSObject, XMLParserDelegate {
        let path: String
        var results: [TestEvidence] = []
        var problem: EvidenceError?
        var sawSuite = false
        var depth = 0
        private var current: (name: String, status: TestEvidence.Status)?

        init(path: String) { self.path = path }

        func parser(
            _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            depth += 1
            switch element {
            case "testsuites", "testsuite":
                sawSuite = true
            case "testcase":
                guard let name = attributes["name"], !name.isEmpty else {
                    problem =
                        problem ?? EvidenceError(path: path, line: parser.lineNumber, "a <testcase> without a name")
                    return
                }
                current = (name, .passed)
            case "failure":
                if current != nil, current!.status != .error { current!.status = .failed }
            case "error":
                if current != nil { current!.status = .error }
            case "skipped":
                if current != nil, current!.status == .passed { current!.status = .skipped }
            default:
                break
            }
        }

        func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
            depth -= 1
            guard element == "testcase", let test = current else { return }
            results.append(TestEvidence(name: test.name, status: test.status, source: "JUnit \(path)"))
            current = nil
        }
    }
}
