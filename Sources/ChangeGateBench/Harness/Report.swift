import Foundation

/// Writes the results as docs/benchmarks.md (a table, then each case's note) and
/// bench-results.json.
struct Report {
    var machine: String
    var date: String
    var scale: String
    var results: [Measurement]
    var memory: [MemoryMeasurement] = []
    /// Cases that could not run here (a real repository not cloned), and why.
    var skipped: [SkippedCase] = []
    /// The audit stores' query plans, shown under the tables.
    var plans: [AuditStoreComparison.Plan] = []
    /// The web view's pass in headless Chromium: one line per check.
    var browser: [String] = []
    /// Markdown written after the table: how the suite works and what was tried.
    var epilogue: String

    static func milliseconds(_ value: Double) -> String {
        value >= 1_000 ? String(format: "%.2f s", value / 1_000) : String(format: "%.2f ms", value)
    }

    static func ratio(_ value: Double) -> String { String(format: "%.2f×", value) }

    static func mebibytes(_ kibibytes: Int) -> String { String(format: "%.0f MiB", Double(kibibytes) / 1_024) }

    var markdown: String {
        var text = """
            # Benchmarks

            Measured by `make bench` (`changegate-bench` on a release build, scale `\(scale)`). Each case
            runs a few warm-up rounds, then timed rounds; where there is a reference, ChangeGate and the
            reference run alternately in the same loop, so that the noise of this shared machine hits
            both alike, and the ratio of the two medians is the number to read. Absolute times drift.
            The spread is the 10th to 90th percentile: of the runs for a time, of the rounds' ratios
            (each run over the reference run beside it) for a ratio.

            Machine: \(machine). Date: \(date).

            | case | ChangeGate (median) | p10–p90 | reference | reference (median) | ratio | ratio p10–p90 | target | met |
            |---|---|---|---|---|---|---|---|---|

            """
        for r in results {
            let met = r.met.map { $0 ? "yes" : "**no**" } ?? "—"
            text += "| \(r.name) | \(Self.milliseconds(r.median)) | "
            text += "\(Self.milliseconds(r.p10))–\(Self.milliseconds(r.p90)) | "
            text += "\(r.referenceName ?? "—") | \(r.referenceMedian.map(Self.milliseconds) ?? "—") | "
            text += "\(r.ratio.map(Self.ratio) ?? "—") | "
            if let low = r.ratioP10, let high = r.ratioP90 {
                text += "\(Self.ratio(low))–\(Self.ratio(high)) | "
            } else {
                text += "— | "
            }
            text += "\(r.targetText) | \(met) |\n"
        }
        for skipped in skipped {
            text += "| \(skipped.name) | — | — | — | — | — | — | — | skipped: \(skipped.reason) |\n"
        }
        if !memory.isEmpty {
            text += """

                ### Peak memory

                | case | ChangeGate (peak RSS) | reference | reference (peak RSS) | ratio |
                |---|---|---|---|---|

                """
            for m in memory {
                text += "| \(m.name) | \(Self.mebibytes(m.peakKiB)) | \(m.referenceName ?? "—") | "
                text += "\(m.referencePeakKiB.map(Self.mebibytes) ?? "—") | \(m.ratio.map(Self.ratio) ?? "—") |\n"
            }
        }
        if !plans.isEmpty {
            text += "\n### Query plans\n\nAs `changegate audit log … --explain` prints them on the trails above.\n"
            for plan in plans { text += "\n\(plan.title):\n\n```\n\(plan.text)\n```\n" }
        }
        if !browser.isEmpty {
            text += "\n### The web view in headless Chromium\n\nThe same server and trail, after the timings:\n\n"
            text += browser.map { "- \($0)" }.joined(separator: "\n") + "\n"
        }
        let notes =
            results.compactMap { r in
                r.note.map { note in
                    "- **\(r.name)**: \(note)"
                        + (r.rate.map { String(format: " At the median: %.0f a second.", $0) } ?? "")
                }
            }
            + memory.compactMap { m in m.note.map { "- **\(m.name)**: \($0)" } }
        if !notes.isEmpty { text += "\n## The cases\n\n" + notes.joined(separator: "\n") + "\n" }
        return text + "\n" + epilogue
    }

    var json: String {
        func quoted(_ string: String) -> String {
            var out = "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "null" }
        let items = results.map { r in
            "{\"case\": \(quoted(r.name)), \"medianMilliseconds\": \(number(r.median)), "
                + "\"p10Milliseconds\": \(number(r.p10)), \"p90Milliseconds\": \(number(r.p90)), \"runs\": \(r.runs), "
                + "\"ratioP10\": \(number(r.ratioP10)), \"ratioP90\": \(number(r.ratioP90)), "
                + "\"reference\": \(r.referenceName.map(quoted) ?? "null"), "
                + "\"referenceMedianMilliseconds\": \(number(r.referenceMedian)), \"ratio\": \(number(r.ratio)), "
                + "\"target\": \(quoted(r.targetText)), \"met\": \(r.met.map { $0 ? "true" : "false" } ?? "null"), "
                + "\"perSecond\": \(number(r.rate))}"
        }
        let peaks = memory.map { m in
            "{\"case\": \(quoted(m.name)), \"peakKiB\": \(m.peakKiB), "
                + "\"reference\": \(m.referenceName.map(quoted) ?? "null"), "
                + "\"referencePeakKiB\": \(m.referencePeakKiB.map(String.init) ?? "null"), \"ratio\": \(number(m.ratio))}"
        }
        return
            "{\"machine\": \(quoted(machine)), \"date\": \(quoted(date)), \"scale\": \(quoted(scale)), \"results\": [\n  "
            + items.joined(separator: ",\n  ") + "\n], \"memory\": [\n  " + peaks.joined(separator: ",\n  ") + "\n]}\n"
    }
}

/// A case the suite has but could not run on this machine.
struct SkippedCase {
    var name: String
    var reason: String
}
