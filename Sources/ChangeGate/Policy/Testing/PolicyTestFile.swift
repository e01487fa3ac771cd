import Foundation
import PolicyDSL

/// Reads policy test files (`*.test.yaml`): a list of cases, each a change set with its evidence
/// and the decision expected, like `opa test` cases for Rego. The format is in
/// docs/policy-language.md ("Testing a policy").
///
/// ```yaml
/// defaults:
///   now: 2024-06-04T10:00:00Z
///   authors: [frank@example.com]
/// cases:
///   - name: manual failover in production is denied
///     changes:
///       - {file: db/prod/patroni.yml, key: failover.mode, old: automatic, new: manual}
///     reviewers: [bob@example.com]
///     tests: {failover-simulation: passed}
///     expect:
///       decision: deny
///       failing: [failover mode must stay automatic in production]
/// ```
public enum PolicyTestFile {
    static let caseFields: Set<String> = [
        "name", "changes", "files", "authors", "committers", "reviewers", "tests", "actor", "override", "now", "ref",
        "changed", "expect",
    ]

    /// The cases of the test file at `path`; any mistake is an error with its line and column.
    ///
    /// - Parameter path: The test file (YAML).
    /// - Returns: Its cases, in order.
    /// - Throws: ``InputFileError`` naming the file, line and column of the first mistake.
    public static func read(path: String) throws(PolicyTestError) -> [PolicyTestCase] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyTestError(path: path, "cannot read the test file")
        }
        let parsed: ParsedConfig
        do {
            parsed = try ConfigReader().read(Array(data), path: path, format: .yaml)
        } catch {
            throw PolicyTestError(path: path, line: error.position?.line, column: error.position?.column, error.message)
        }
        guard parsed.documents.count == 1 else {
            throw PolicyTestError(path: path, "a test file holds one YAML document (it has \(parsed.documents.count))")
        }
        return try Decoder(path: path).cases(parsed.documents[0])
    }

    /// Walks the YAML tree; every error names the node it is about.
    struct Decoder {
        var path: String

        func fail(_ node: ConfigNode, _ message: String) -> PolicyTestError {
            PolicyTestError(path: path, line: node.position.line, column: node.position.column, message)
        }

        func map(_ node: ConfigNode, _ what: String) throws(PolicyTestError) -> ConfigMap {
            guard case .map(let map) = node.value else { throw fail(node, "\(what) must be a map") }
            return map
        }

        func list(_ node: ConfigNode, _ what: String) throws(PolicyTestError) -> [ConfigNode] {
            guard case .list(let items) = node.value else { throw fail(node, "\(what) must be a list") }
            return items
        }

        func string(_ node: ConfigNode, _ what: String) throws(PolicyTestError) -> String {
            switch node.value {
            case .string(let text) where !text.isEmpty: return text
            case .integer, .float, .bool: return node.value.scalarText!
            default: throw fail(node, "\(what) must be a non-empty string")
            }
        }

        func strings(_ node: ConfigNode, _ what: String) throws(PolicyTestError) -> [String] {
            try list(node, what).map { (item) throws(PolicyTestError) in try string(item, "each of \(what)") }
        }

        func checkKeys(_ map: ConfigMap, allowed: Set<String>, in what: String) throws(PolicyTestError) {
            for entry in map.entries where !allowed.contains(entry.key) {
                throw PolicyTestError(
                    path: path, line: entry.keyPosition.line, column: entry.keyPosition.column,
                    "unknown field `\(entry.key)` in \(what) (expected \(allowed.sorted().joined(separator: ", ")))")
            }
        }

        func cases(_ root: ConfigNode) throws(PolicyTestError) -> [PolicyTestCase] {
            let top = try map(root, "the test file")
            try checkKeys(top, allowed: ["defaults", "cases"], in: "the test file")
            let defaults = try top["defaults"].map { (node) throws(PolicyTestError) in try map(node, "`defaults`") }
            if let defaults {
                try checkKeys(
                    defaults, allowed: PolicyTestFile.caseFields.subtracting(["name", "expect"]), in: "`defaults`")
            }
            guard let casesNode = top["cases"] else { throw fail(root, "missing `cases`: the list of test cases") }
            var names: [String: Int] = [:]
            var out: [PolicyTestCase] = []
            for item in try list(casesNode, "`cases`") {
                let testCase = try decodeCase(item, defaults: defaults)
                if let first = names[testCase.name] {
                    throw fail(item, "a second case named \"\(testCase.name)\" (the first is at line \(first))")
                }
                names[testCase.name] = item.position.line
                out.append(testCase)
            }
            if out.isEmpty { throw fail(casesNode, "`cases` is empty") }
            return out
        }

        func decodeCase(_ node: ConfigNode, defaults: ConfigMap?) throws(PolicyTestError) -> PolicyTestCase {
            let fields = try map(node, "a case")
            try checkKeys(fields, allowed: PolicyTestFile.caseFields, in: "a case")
            func field(_ key: String) -> ConfigNode? { fields[key] ?? defaults?[key] }
            guard let nameNode = fields["name"] else { throw fail(node, "a case needs a `name`") }
            let name = try string(nameNode, "`name`")

            var changes: [ChangeInput] = []
            if let node = field("changes") {
                for item in try list(node, "`changes`") { changes.append(try change(item)) }
            }
            // Files' settings for head()/base(): what the changes say, then what `files` adds.
            var files: [String: (head: [String: PolicyValue], base: [String: PolicyValue])] = [:]
            for change in changes {
                if change.new != .null { files[change.file, default: ([:], [:])].head[change.key] = change.new }
                if change.old != .null { files[change.file, default: ([:], [:])].base[change.key] = change.old }
            }
            if let node = field("files") {
                for entry in try map(node, "`files`").entries {
                    let sides = try map(entry.node, "`files.\(entry.key)`")
                    try checkKeys(sides, allowed: ["head", "base"], in: "`files.\(entry.key)`")
                    for side in ["head", "base"] {
                        guard let settings = sides[side] else { continue }
                        for setting in try map(settings, "`\(side)`").entries {
                            let value = try policyValue(setting.node)
                            if side == "head" {
                                files[entry.key, default: ([:], [:])].head[setting.key] = value
                            } else {
                                files[entry.key, default: ([:], [:])].base[setting.key] = value
                            }
                        }
                    }
                }
            }
            var reviewers: [ReviewerEvidence] = []
            if let node = field("reviewers") {
                for item in try list(node, "`reviewers`") {
                    if case .map(let reviewer) = item.value {
                        try checkKeys(reviewer, allowed: ["identity", "source"], in: "a reviewer")
                        guard let identity = reviewer["identity"] else {
                            throw fail(item, "a reviewer needs `identity`")
                        }
                        let source = try reviewer["source"].map { (n) throws(PolicyTestError) in
                            try string(n, "`source`")
                        }
                        reviewers.append(
                            ReviewerEvidence(
                                identity: try string(identity, "`identity`"), source: source ?? "test case"))
                    } else {
                        reviewers.append(
                            ReviewerEvidence(identity: try string(item, "a reviewer"), source: "test case"))
                    }
                }
            }
            var tests: [TestEvidence] = []
            if let node = field("tests") {
                for entry in try map(node, "`tests` (name: status)").entries {
                    let statusText = try string(entry.node, "a test's status")
                    guard let status = TestEvidence.Status(rawValue: statusText) else {
                        throw fail(entry.node, "unknown status `\(statusText)` (passed, failed, error or skipped)")
                    }
                    tests.append(TestEvidence(name: entry.key, status: status, source: "test case"))
                }
            }
            let actor = try field("actor").map { (n) throws(PolicyTestError) in try string(n, "`actor`") }
            let overrideReason = try field("override").map { (n) throws(PolicyTestError) in try string(n, "`override`")
            }
            var now = 0
            if let node = field("now") {
                guard let seconds = Self.seconds(try string(node, "`now`")) else {
                    throw fail(node, "`now` must be an ISO 8601 time like 2024-06-04T13:55:00Z")
                }
                now = seconds
            } else {
                throw fail(node, "a case needs `now` (here or in `defaults`): rules read the clock")
            }
            let changed = try field("changed").map { (n) throws(PolicyTestError) in try strings(n, "`changed`") }
            let input = EvaluationInput(
                changes: changes,
                files: files.keys.sorted().map { path in
                    // The failover model reads the settings the case gives, as the gate reads a file's.
                    let sides = files[path]!
                    let change = FailoverChange(
                        file: path, base: PolicyTestFile.assessments(sides.base, path: path),
                        head: PolicyTestFile.assessments(sides.head, path: path), headExists: !sides.head.isEmpty)
                    return FileInput(
                        path: path, head: sides.head, base: sides.base, headFailover: change.headFacts,
                        baseFailover: change.baseFacts)
                },
                ref: try field("ref").map { (n) throws(PolicyTestError) in try string(n, "`ref`") } ?? "",
                authors: try field("authors").map { (n) throws(PolicyTestError) in try strings(n, "`authors`") } ?? [],
                committers: try field("committers").map { (n) throws(PolicyTestError) in try strings(n, "`committers`")
                }
                    ?? [],
                actor: actor, now: now, reviewers: reviewers, tests: tests,
                changedPaths: changed ?? Array(Set(changes.map(\.file))).sorted(),
                override: overrideReason.map { OverrideRequest(actor: actor ?? "", reason: $0) })
            guard let expectNode = fields["expect"] else {
                throw fail(node, "case \"\(name)\" has no `expect`: say what the policy must decide")
            }
            return PolicyTestCase(
                name: name, location: "\(path):\(node.position.line)", input: input,
                expectation: try expectation(expectNode))
        }

        func change(_ node: ConfigNode) throws(PolicyTestError) -> ChangeInput {
            let fields = try map(node, "a change")
            try checkKeys(fields, allowed: ["file", "key", "old", "new", "kind", "reverts"], in: "a change")
            guard let file = fields["file"] else { throw fail(node, "a change needs `file`") }
            guard let key = fields["key"] else { throw fail(node, "a change needs `key`") }
            let old = try fields["old"].map { (n) throws(PolicyTestError) in try policyValue(n) } ?? .null
            let new = try fields["new"].map { (n) throws(PolicyTestError) in try policyValue(n) } ?? .null
            var kind = fields["old"] == nil ? "added" : (fields["new"] == nil ? "removed" : "modified")
            if let node = fields["kind"] {
                kind = try string(node, "`kind`")
                guard ["added", "removed", "modified"].contains(kind) else {
                    throw fail(node, "`kind` must be added, removed or modified")
                }
            }
            if fields["old"] == nil, fields["new"] == nil { throw fail(node, "a change needs `old`, `new` or both") }
            var reverts = false
            if let node = fields["reverts"] {
                guard case .bool(let flag) = node.value else { throw fail(node, "`reverts` must be true or false") }
                reverts = flag
            }
            return ChangeInput(
                file: try string(file, "`file`"), key: try string(key, "`key`"), kind: kind, old: old, new: new,
                reverts: reverts)
        }

        func policyValue(_ node: ConfigNode) throws(PolicyTestError) -> PolicyValue {
            switch node.value {
            case .map: throw fail(node, "a setting's value is a scalar or a list (write nested keys as key paths)")
            default: return PolicyValue(node.value)
            }
        }

        func expectation(_ node: ConfigNode) throws(PolicyTestError) -> PolicyTestCase.Expectation {
            let fields = try map(node, "`expect`")
            try checkKeys(
                fields, allowed: ["decision", "risk", "failing", "warnings", "overridden", "risk_reasons"],
                in: "`expect`")
            var expectation = PolicyTestCase.Expectation()
            if let node = fields["decision"] {
                let text = try string(node, "`decision`")
                guard let outcome = Outcome(rawValue: text) else {
                    throw fail(node, "`decision` must be allow, warn or deny")
                }
                expectation.decision = outcome
            }
            if let node = fields["risk"] {
                guard case .integer(let risk) = node.value else { throw fail(node, "`risk` must be a whole number") }
                expectation.risk = risk
            }
            expectation.failing = try fields["failing"].map { (n) throws(PolicyTestError) in try strings(n, "`failing`")
            }
            expectation.warnings = try fields["warnings"].map { (n) throws(PolicyTestError) in
                try strings(n, "`warnings`")
            }
            expectation.overridden = try fields["overridden"].map { (n) throws(PolicyTestError) in
                try strings(n, "`overridden`")
            }
            expectation.riskReasons = try fields["risk_reasons"].map { (n) throws(PolicyTestError) in
                try strings(n, "`risk_reasons`")
            }
            if expectation.isEmpty { throw fail(node, "`expect` checks nothing") }
            return expectation
        }

        /// `2024-06-04T13:55:00Z`, with or without seconds, or with an offset.
        static func seconds(_ text: String) -> Int? {
            let formatter = ISO8601DateFormatter()
            if let date = formatter.date(from: text) { return Int(date.timeIntervalSince1970) }
            if text.count == 17, text.hasSuffix("Z"), let date = formatter.date(from: text.dropLast() + ":00Z") {
                return Int(date.timeIntervalSince1970)
            }
            return nil
        }
    }

    /// The failover model's view of a case's settings for one side of a file (the systems told by
    /// their keys: a case has no parse tree).
    static func assessments(_ values: [String: PolicyValue], path: String) -> [FailoverAssessment] {
        guard !values.isEmpty else { return [] }
        var settings: [String: ConfigValue] = [:]
        for (key, value) in values {
            switch value {
            case .null: settings[key] = .null
            case .bool(let b): settings[key] = .bool(b)
            case .integer(let i), .duration(let i), .timestamp(let i): settings[key] = .integer(i)
            case .float(let d): settings[key] = .float(d)
            case .string(let s): settings[key] = .string(s)
            case .list: continue
            }
        }
        return FailoverModel.assess(settings, systems: FailoverModel.systems(ofSettings: settings), file: path)
    }

}
