/// `changegate failover explain`: each assessment's verdict, bounds with their formulas and
/// sources, the inputs (assumed defaults marked) and what the model cannot tell from the file.
public enum FailoverRenderer {
    /// The text `changegate failover explain` prints.
    ///
    /// - Parameters:
    ///   - assessments: The file's assessments (``FailoverModel``).
    ///   - file: The file's path.
    /// - Returns: The explanation; that no model applies when `assessments` is empty.
    public static func text(_ assessments: [FailoverAssessment], file: String) -> String {
        guard !assessments.isEmpty else {
            return "\(TerminalText.escape(file)): no failover model applies (not a Patroni or Sentinel file, and no "
                + "`failover:` block)\n"
        }
        var out = ""
        for assessment in assessments {
            let e = TerminalText.escape
            let what = assessment.system.map(\.description) ?? "generic `failover:` block"
            out += "\(e(assessment.file)): \(what)\n"
            if assessment.possible {
                out += "  automatic failover: possible"
                if let worst = assessment.worstCase { out += "; worst case \(worst) s" }
                out += "\n"
            } else {
                out += "  automatic failover: IMPOSSIBLE\n"
                for reason in assessment.impossibleBecause { out += "    - \(e(reason))\n" }
            }
            for bound in assessment.bounds {
                let time = bound.seconds.map { "\($0) s" } ?? "never"
                out += "  \(bound.mode.rawValue): \(time)  (\(e(bound.formula)); \(e(bound.source)))\n"
            }
            for violation in assessment.violations { out += "  broken: \(e(violation))\n" }
            if !assessment.inputs.isEmpty {
                out += "  inputs:\n"
                for input in assessment.inputs {
                    out +=
                        "    \(e(input.key)) = \(e(input.value))" + (input.assumed ? "  (not set: the default)" : "")
                        + "\n"
                }
            }
            for limit in assessment.limits { out += "  cannot tell: \(e(limit))\n" }
        }
        return out
    }
}
