import PolicyDSL

extension DecisionRenderer {
    /// SARIF 2.1.0: one result per failing rule (located at the setting that made it apply) and one
    /// per change that added risk, so that code-scanning UIs point at the line. An overridden rule is
    /// a result with an external suppression whose justification is the override's reason.
    ///
    /// - Parameter decision: The decision to report.
    /// - Returns: The SARIF log as a JSON value.
    public static func sarif(_ decision: GateDecision) -> JSONValue {
        let verdicts = decision.evaluation?.verdicts ?? []
        var rules: [JSONValue] = []
        var ruleIndex: [String: Int] = [:]
        func declare(_ id: String, name: String, description: String, level: String) -> Int {
            if let index = ruleIndex[id] { return index }
            ruleIndex[id] = rules.count
            rules.append(
                .object([
                    ("id", .string(id)), ("name", .string(name)),
                    ("shortDescription", .object([("text", .string(description))])),
                    ("defaultConfiguration", .object([("level", .string(level))])),
                ]))
            return rules.count - 1
        }
        var results: [JSONValue] = []
        func result(
            ruleID: String, index: Int, level: String, message: String, at location: ReportLocation?,
            fingerprint: String, suppression: String? = nil
        ) {
            var fields: [(String, JSONValue)] = [
                ("ruleId", .string(ruleID)), ("ruleIndex", .integer(index)), ("level", .string(level)),
                ("message", .object([("text", .string(message))])),
            ]
            if let location { fields.append(("locations", .array([sarifLocation(location)]))) }
            fields.append(("partialFingerprints", .object([("changegate/v1", .string(fingerprint))])))
            if let suppression {
                fields.append(
                    (
                        "suppressions",
                        .array([.object([("kind", .string("external")), ("justification", .string(suppression))])])
                    ))
            }
            results.append(.object(fields))
        }

        for verdict in verdicts {
            let id = ruleID(verdict)
            let level = verdict.kind == .warn ? "warning" : "error"
            let index = declare(
                id, name: verdict.name, description: "\(verdict.kind.rawValue) \"\(verdict.name)\"", level: level)
            let location = location(of: verdict, in: decision)
            let fingerprint = location.map { "\(id):\($0.file)" } ?? id
            if verdict.overridden {
                result(
                    ruleID: id, index: index, level: "error", message: "\(verdict.name): \(verdict.reason)",
                    at: location, fingerprint: fingerprint, suppression: decision.override?.reason ?? verdict.reason)
            } else if !verdict.satisfied {
                let missing =
                    verdict.missing.isEmpty
                    ? "" : " To do: " + verdict.missing.map(\.message).joined(separator: "; ") + "."
                let reason =
                    verdict.kind == .deny ? verdict.reason : "\(verdict.kind.rawValue) \"\(verdict.name)\" is not met."
                result(
                    ruleID: id, index: index, level: "error", message: reason + missing, at: location,
                    fingerprint: fingerprint)
            } else if verdict.kind == .warn, verdict.applies {
                result(
                    ruleID: id, index: index, level: "warning", message: verdict.reason, at: location,
                    fingerprint: fingerprint)
            }
        }

        // One result per change that carries risk, with every reason it scored.
        var pointsByChange: [String: (points: Int, reasons: [String])] = [:]
        for item in decision.evaluation?.riskItems ?? [] {
            guard let file = item.file, let key = item.key else { continue }
            let id = "\(file)\u{0}\(key)"
            pointsByChange[id, default: (0, [])].points &+= item.points
            pointsByChange[id, default: (0, [])].reasons.append(
                "\(item.points >= 0 ? "+" : "")\(item.points) \(item.reason)")
        }
        let riskRule = "risk/change"
        for change in decision.changes {
            guard let scored = pointsByChange["\(change.file)\u{0}\(change.key)"], scored.points > 0 else { continue }
            let index = declare(
                riskRule, name: "risky-change", description: "A watched setting changed and adds to the risk score",
                level: "note")
            let values = [change.old, change.new].map { $0.map(SettingsDiffRenderer.display) ?? "∅" }.joined(
                separator: " → ")
            result(
                ruleID: riskRule, index: index, level: decision.verdict == .allow ? "note" : "warning",
                message:
                    "\(change.key): \(values) adds \(scored.points) risk (\(scored.reasons.joined(separator: ", ")))",
                at: ReportLocation(file: change.file, line: change.headLine ?? change.baseLine),
                fingerprint: "\(riskRule):\(change.file):\(change.key)")
        }

        for problem in decision.problems {
            let index = declare(
                "gate/error", name: "cannot-judge", description: "The change could not be judged", level: "error")
            result(
                ruleID: "gate/error", index: index, level: "error", message: problem.message,
                at: inRepository(problemLocation(problem), decision),
                fingerprint: "gate/error:\(problem.message)")
        }

        var properties: [(String, JSONValue)] = [
            ("decision", .string(decision.verdict.rawValue)),
            ("risk", .integer(decision.evaluation?.risk ?? 0)),
            ("overridden", .bool(decision.overridden)),
        ]
        if let ancestry = decision.ancestry, !ancestry.baseIsAncestor {
            properties.append(("mergeBase", ancestry.mergeBase.map { .string($0.hex) } ?? .null))
            if let note = decision.ancestryNote { properties.append(("note", .string(note))) }
        }
        if let name = decision.policyName { properties.append(("policy", .string(name))) }
        if let digest = decision.policySHA256 { properties.append(("policySha256", .string(digest))) }

        var run: [(String, JSONValue)] = [
            (
                "tool",
                .object([
                    (
                        "driver",
                        .object([
                            ("name", .string("ChangeGate")), ("version", .string(ChangeGateVersion.current)),
                            ("informationUri", .string("https://github.com/changegate/changegate")),
                            ("rules", .array(rules)),
                        ])
                    )
                ])
            ),
            (
                "invocations",
                .array([
                    .object([
                        ("executionSuccessful", .bool(decision.verdict != .error)),
                        ("exitCode", .integer(Int(decision.exitCode))),
                    ])
                ])
            ),
            ("results", .array(results)),
            ("properties", .object(properties)),
        ]
        if let head = decision.head {
            run.insert(
                ("automationDetails", .object([("id", .string("changegate/\(head.hex)"))])), at: 1)
        }
        return .object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([.object(run)])),
        ])
    }

    private static func sarifLocation(_ location: ReportLocation) -> JSONValue {
        var physical: [(String, JSONValue)] = [
            (
                "artifactLocation",
                .object([("uri", .string(uriPath(location.file))), ("uriBaseId", .string("%SRCROOT%"))])
            )
        ]
        if let line = location.line, line > 0 {
            physical.append(("region", .object([("startLine", .integer(line))])))
        }
        return .object([("physicalLocation", .object(physical))])
    }

    /// A relative path as a URI reference: every byte outside the unreserved set and `/` escaped.
    static func uriPath(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (byte < 16 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// The file and line a problem names (``GateProblem/file``, ``GateProblem/line``), when it names
    /// both; its message is never parsed for one.
    static func problemLocation(_ problem: GateProblem) -> ReportLocation? {
        guard let file = problem.file, let line = problem.line else { return nil }
        return ReportLocation(file: file, line: line)
    }
}
