import Foundation
import PolicyDSL

/// The evidence JSON a CI hands over (`--evidence FILE`; schema in docs/ci.md):
///
/// ```json
/// {
///   "reviewers": [{"identity": "bob@example.com", "source": "github review"}],
///   "tests": [{"name": "failover-simulation-eu", "status": "passed", "source": "nightly"}],
///   "override": {"actor": "carol@example.com", "reason": "INC-1234: revert failover config"}
/// }
/// ```
public struct EvidenceFile: Sendable, Hashable {
    /// The approvals the file lists.
    public var reviewers: [ReviewerEvidence]
    /// The test results it lists.
    public var tests: [TestEvidence]
    /// An emergency override asked for through CI (e.g. a label applied by `actor`).
    public var override: OverrideRequest?

    /// Reads and checks an evidence file; every mistake is an error with its line and column.
    ///
    /// - Parameter path: The evidence JSON file (docs/ci.md).
    /// - Returns: Its reviewers, tests and override.
    /// - Throws: ``InputFileError`` naming the file, line and column of the first mistake.
    public static func read(path: String) throws(EvidenceError) -> EvidenceFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvidenceError(path: path, "cannot read the evidence file")
        }
        let parsed: ParsedConfig
        do {
            parsed = try ConfigReader().read(Array(data), path: path, format: .json)
        } catch {
            throw EvidenceError(path: path, line: error.position?.line, column: error.position?.column, error.message)
        }
        return try decode(parsed.documents[0], path: path)
    }

    static func decode(_ root: ConfigNode, path: String) throws(EvidenceError) -> EvidenceFile {
        func fail(_ node: ConfigNode, _ message: String) -> EvidenceError {
            EvidenceError(path: path, line: node.position.line, column: node.position.column, message)
        }
        guard case .map(let object) = root.value else { throw fail(root, "the evidence must be a JSON object") }
        for entry in object.entries where !["reviewers", "tests", "override"].contains(entry.key) {
            throw EvidenceError(
                path: path, line: entry.keyPosition.line, column: entry.keyPosition.column,
                "unknown field `\(entry.key)` (expected `reviewers`, `tests` and `override`)")
        }
        func list(_ key: String) throws(EvidenceError) -> [ConfigNode] {
            guard let node = object[key] else { return [] }
            guard case .list(let items) = node.value else { throw fail(node, "`\(key)` must be a list") }
            return items
        }
        func string(_ map: ConfigMap, _ key: String, in item: ConfigNode, required: Bool = true) throws(EvidenceError)
            -> String?
        {
            guard let node = map[key] else {
                if required { throw fail(item, "missing `\(key)`") }
                return nil
            }
            guard case .string(let text) = node.value, !text.isEmpty else {
                throw fail(node, "`\(key)` must be a non-empty string")
            }
            return text
        }
        var reviewers: [ReviewerEvidence] = []
        for item in try list("reviewers") {
            guard case .map(let map) = item.value else { throw fail(item, "a reviewer must be an object") }
            let identity = try string(map, "identity", in: item)!
            let source = try string(map, "source", in: item, required: false) ?? "evidence file"
            reviewers.append(ReviewerEvidence(identity: identity, source: "\(source) (\(path))"))
        }
        var tests: [TestEvidence] = []
        for item in try list("tests") {
            guard case .map(let map) = item.value else { throw fail(item, "a test must be an object") }
            let name = try string(map, "name", in: item)!
            let statusText = try string(map, "status", in: item)!
            guard let status = TestEvidence.Status(rawValue: statusText) else {
                throw fail(map["status"]!, "unknown status `\(statusText)` (passed, failed, error or skipped)")
            }
            let source = try string(map, "source", in: item, required: false) ?? "evidence file"
            tests.append(TestEvidence(name: name, status: status, source: "\(source) (\(path))"))
        }
        var override: OverrideRequest? = nil
        if let node = object["override"] {
            guard case .map(let map) = node.value else {
                throw fail(node, "`override` must be an object with `actor` and `reason`")
            }
            override = OverrideRequest(
                actor: try string(map, "actor", in: node)!, reason: try string(map, "reason", in: node)!)
        }
        return EvidenceFile(reviewers: reviewers, tests: tests, override: override)
    }
}
