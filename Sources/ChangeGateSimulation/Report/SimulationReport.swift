import ChangeGate
import Foundation

/// A simulation's results: per scenario the measured time to a writable primary, the rows lost,
/// and the failover model's bound beside them; rendered as text for people and as JUnit for the
/// gate (`check --junit`, the hook's evidence folder).
public struct SimulationReport: Sendable, Hashable {
    public var system: String
    public var file: String
    public var plan: SimulatedPlan
    public var rto: Double
    public var timers: TimerProfile
    public var results: [ScenarioResult]
    public var duration: Double

    /// Every scenario passed.
    public var passed: Bool { results.allSatisfy(\.passed) }

    /// Whether a scenario broke for a reason that is no failover result (the cluster did not start).
    public var errors: [SimulationError] {
        results.compactMap { if case .error(let error) = $0.outcome { error } else { nil } }
    }

    /// What the model says of the file: possible or not, and why not.
    public var modelVerdict: String {
        let impossible = plan.fileAssessments.flatMap(\.impossibleBecause) + plan.runAssessment.impossibleBecause
        if impossible.isEmpty { return "automatic failover possible" }
        var seen = Set<String>()
        return "automatic failover IMPOSSIBLE ("
            + impossible.filter { seen.insert($0).inserted }.joined(separator: "; ")
            + ")"
    }

    /// One line per scenario's result.
    public func line(for result: ScenarioResult) -> String {
        let model: String
        switch (result.modelBound, result.fileModelBound) {
        case (let run?, let file?) where run != file: model = "model's bound \(run) s as run, \(file) s for the file"
        case (let run?, _): model = "model's bound \(run) s"
        default: model = "no model bound (a planned switchover)"
        }
        let unit = plan.system == .sentinel ? "keys" : "rows"
        var lost = result.rowsLost.map { "; \($0) of \(result.rowsWritten) acknowledged \(unit) lost" } ?? ""
        if let lag = result.replicaLagBytes, result.rowsLost != nil {
            // -1: no replica connected (reconnecting) at the fault.
            // A Redis replica acknowledges its offset once a second: its lag is as of then.
            let behind =
                plan.system == .sentinel
                ? "replicas \(lag) bytes behind at the fault, by their last acknowledgement"
                : "replicas \(lag) bytes of WAL behind at the fault"
            lost += lag >= 0 ? " (\(behind))" : " (no replica connected at the fault)"
        }
        let within = "RTO \(Self.seconds(rto))"
        switch result.outcome {
        case .writable(let member, let seconds, let failedOver):
            let what = failedOver ? "new primary \(member) took writes" : "\(member) restarted in place, took writes"
            return "\(what) after \(Self.seconds(seconds)) (\(within); \(model))\(lost)"
        case .noPrimary(let waited):
            return "no failover: no member took a write in \(Self.seconds(waited)) (\(within); \(model))"
        case .refused(let words):
            return "refused: \(words) (\(model))"
        case .error(let error):
            return "did not run: \(error.message)"
        }
    }

    /// The report for people.
    public var text: String {
        let bounds = plan.fileAssessments.filter { $0.system == plan.system }.flatMap(\.bounds)
        var modelLine = "  the model on the file: \(modelVerdict)"
        for bound in bounds {
            let figure = bound.seconds.map { "\($0) s" } ?? "—"
            modelLine += "; \(bound.mode.rawValue) \(figure)"
        }
        var out = [
            "Failover simulation: \(system), \(file) (\(plan.cluster) on loopback; RTO \(Self.seconds(rto)); "
                + "\(Self.seconds(duration)) in all)",
            modelLine,
            "  ran with: \(plan.ranWith)",
        ]
        for note in plan.adjustments { out.append("  timer: \(note.key) \(note.text)") }
        for note in plan.translations { out.append("  translated: \(note.key): \(note.text)") }
        if !plan.ignoredCommands.isEmpty {
            out.append(
                "  not used (programs, libraries and paths of an untrusted file): "
                    + plan.ignoredCommands.joined(separator: ", "))
        }
        let width = results.map(\.scenario.rawValue.count).max() ?? 0
        for result in results {
            let name = result.scenario.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
            out.append("  \(name)  \(result.passed ? "PASSED" : "FAILED")  \(line(for: result))")
            if !result.passed {
                for logLine in result.logLines.suffix(6) { out.append("      \(logLine)") }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }
}
