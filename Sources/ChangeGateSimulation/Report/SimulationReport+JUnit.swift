import Foundation

extension SimulationReport {
    /// The report as JUnit XML: a test case `failover-simulation/<scenario>` per scenario, passed
    /// when a primary took writes within the RTO, a `<failure>` with the measured time and the
    /// cluster's own log lines otherwise. Each case's `<system-out>` has the model's bound beside
    /// the measured time.
    public var junit: String {
        // The scenarios and the run's own case (below).
        let failures = results.filter { !$0.passed && !$0.isError }.count + (passed ? 0 : 1)
        let errors = results.filter(\.isError).count
        let suite = "\(system.lowercased()) \(file)"
        var out = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            "<!-- changegate simulate: a real cluster on loopback per scenario (docs/simulation.md). -->",
            #"<testsuites name="failover-simulation" tests="\#(results.count + 1)" failures="\#(failures)" errors="\#(errors)" time="\#(Self.time(duration))">"#,
            #"  <testsuite name="\#(Self.escape(suite))" tests="\#(results.count + 1)" failures="\#(failures)" errors="\#(errors)" time="\#(Self.time(duration))">"#,
        ]
        for result in results {
            out.append(
                #"    <testcase classname="failover-simulation.\#(system.lowercased())" name="\#(result.scenario.testName)" time="\#(Self.time(result.duration))">"#
            )
            let line = line(for: result)
            if result.isError {
                out.append(#"      <error message="\#(Self.escape(line))">\#(Self.escape(result.logExcerpt))</error>"#)
            } else if !result.passed {
                let body = (result.logLines + ["", result.logExcerpt]).joined(separator: "\n")
                out.append(#"      <failure message="\#(Self.escape(line))">\#(Self.escape(body))</failure>"#)
            }
            var systemOut = [
                "\(result.scenario.summary)", line, "the model on the file: \(modelVerdict)",
            ]
            systemOut += plan.adjustments.map { "timer: \($0.key) \($0.text)" }
            systemOut += plan.translations.map { "translated: \($0.key): \($0.text)" }
            out.append("      <system-out>\(Self.escape(systemOut.joined(separator: "\n")))</system-out>")
            out.append("    </testcase>")
        }
        // The whole run as one case too, `failover-simulation`: passed only when every scenario
        // passed, for a policy that names the test exactly (`tests "failover-simulation" passed`,
        // as the demo's does); `failover-simulation*` matches it and the scenarios alike.
        let failed = results.filter { !$0.passed }.map(\.scenario.rawValue)
        out.append(
            #"    <testcase classname="failover-simulation.\#(system.lowercased())" name="failover-simulation" time="\#(Self.time(duration))">"#
        )
        if !failed.isEmpty {
            out.append(
                #"      <failure message="\#(Self.escape("failed: " + failed.joined(separator: ", ")))">\#(Self.escape(results.map { "\($0.scenario.rawValue): \(line(for: $0))" }.joined(separator: "\n")))</failure>"#
            )
        }
        out.append("      <system-out>\(Self.escape("the model on the file: \(modelVerdict)"))</system-out>")
        out.append("    </testcase>")
        out += ["  </testsuite>", "</testsuites>"]
        return out.joined(separator: "\n") + "\n"
    }

    static func time(_ seconds: Double) -> String { String(format: "%.3f", seconds) }

    /// XML text and attribute escaping; control characters other than tab and newline dropped
    /// (XML 1.0 cannot carry them, and a log line may have them).
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            case "\t": out += "&#9;"
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension ScenarioResult {
    var isError: Bool {
        if case .error = outcome { return true }
        return false
    }
}
