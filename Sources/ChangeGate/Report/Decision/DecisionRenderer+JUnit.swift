import PolicyDSL

extension DecisionRenderer {
    /// JUnit XML with one test case per rule (a rule that does not apply passes, saying so; an unmet one
    /// fails; an overridden one passes with the override in its output), and a first test case for
    /// the decision itself, so that any CI's test tab shows the gate.
    ///
    /// - Parameter decision: The decision to report.
    /// - Returns: The XML document.
    public static func junit(_ decision: GateDecision) -> String {
        var cases: [String] = []
        var failures = 0
        var errors = 0
        let suite = "changegate" + (decision.policyName.map { ": \($0)" } ?? "")

        var summary = "    <testcase classname=\"changegate\" name=\"decision\">\n"
        switch decision.verdict {
        case .allow, .warn:
            summary += "      <system-out>\(xml(text(decision, color: false)))</system-out>\n"
        case .deny:
            failures += 1
            summary +=
                "      <failure message=\"denied\" type=\"deny\">\(xml(text(decision, color: false)))</failure>\n"
        case .error:
            errors += 1
            summary +=
                "      <error message=\"the change could not be judged\" type=\"error\">"
                + xml(decision.problems.map(\.message).joined(separator: "\n")) + "</error>\n"
        }
        cases.append(summary + "    </testcase>\n")

        for verdict in decision.evaluation?.verdicts ?? [] {
            let location = location(of: verdict, in: decision)
            var attributes = "classname=\"changegate.\(verdict.kind.rawValue)\" name=\"\(xml(verdict.name))\""
            if let location {
                attributes += " file=\"\(xml(location.file))\""
                if let line = location.line { attributes += " line=\"\(line)\"" }
            }
            var body = ""
            if verdict.overridden {
                body = "      <system-out>\(xml(verdict.reason))</system-out>\n"
            } else if !verdict.satisfied {
                failures += 1
                // A requirement's reason already lists what is missing: say it once.
                let details =
                    verdict.missing.isEmpty ? verdict.reason : verdict.missing.map(\.message).joined(separator: "\n")
                body =
                    "      <failure message=\"\(xml(verdict.reason))\" type=\"\(verdict.kind.rawValue)\">"
                    + xml(details) + "</failure>\n"
            } else if !verdict.applies {
                // A rule that does not apply was checked and passed: `skipped` would read "not
                // checked" in a CI's test tab.
                body = "      <system-out>does not apply: \(xml(verdict.reason))</system-out>\n"
            } else if verdict.kind == .warn {
                body = "      <system-out>\(xml(verdict.reason))</system-out>\n"
            }
            cases.append("    <testcase \(attributes)>\n\(body)    </testcase>\n")
        }
        let counts =
            "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"0\""
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"changegate\" \(counts)>\n"
        out += "  <testsuite name=\"\(xml(suite))\" \(counts)>\n"
        out += "    <properties>\n"
        var properties: [(String, String)] = [
            ("decision", decision.verdict.rawValue), ("risk", String(decision.evaluation?.risk ?? 0)),
            ("overridden", decision.overridden ? "true" : "false"),
        ]
        if let head = decision.head { properties.append(("head", head.hex)) }
        if let base = decision.base { properties.append(("base", base.hex)) }
        if let digest = decision.policySHA256 { properties.append(("policy.sha256", digest)) }
        for (name, value) in properties {
            out += "      <property name=\"\(name)\" value=\"\(xml(value))\"/>\n"
        }
        out += "    </properties>\n"
        out += cases.joined()
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    /// Text escaped for XML content and attributes; characters XML 1.0 cannot hold are dropped.
    ///
    /// - Parameter text: Any text.
    /// - Returns: The text, safe inside an XML (or SVG, or HTML) element or a quoted attribute.
    public static func xml(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || (0xFFFE...0xFFFF).contains(value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
