/// Describes a checked policy in plain words: what it reads, watches, scores, denies and requires.
public enum PolicyExplainer {
    /// The explanation `changegate policy explain` prints.
    ///
    /// - Parameter program: The checked policy.
    /// - Returns: The policy in plain words, section by section.
    public static func explain(_ program: Program) -> String {
        var out = "Policy \"\(program.name)\"\n"
        let sources = program.syntax.files.map(\.path)
        out += "from \(sources.joined(separator: ", "))\n"

        out += "\nFiles read:\n"
        if program.fileSelectors.isEmpty { out += "  (none declared)\n" }
        for selector in program.fileSelectors {
            let format = selector.format.map { "read as \($0)" } ?? "format from the extension"
            out += "  " + selector.patterns.joined(separator: ", ")
            if let system = selector.detect { out += "  when the content is \(system)'s configuration" }
            out += "  (\(format))\n"
            if !selector.excluded.isEmpty { out += "    except " + selector.excluded.joined(separator: ", ") + "\n" }
        }

        if !program.groups.isEmpty {
            out += "\nGroups:\n"
            for group in program.groups { out += "  \(group.name): " + group.members.joined(separator: ", ") + "\n" }
        }

        if !program.identities.emails.isEmpty {
            out += "\nIdentities (a login and its e-mails are one person):\n"
            for login in program.identities.emails.keys.sorted() {
                out += "  \(login): " + (program.identities.emails[login] ?? []).joined(separator: ", ") + "\n"
            }
        }

        out += "\nEvidence from commit-message trailers:\n"
        if let trust = program.trustedTrailers {
            out += "  trusted: " + trust.names.map { "\($0):" }.joined(separator: ", ")
            if let file = trust.signersFile {
                out += " (only in commits signed with a key in \(file)"
                out += trust.committerGroup.map { ", by a member of group \($0))" } ?? ")"
            } else if trust.committerGroup != nil {
                out += " (none counts: `committed by` needs `signed with \"FILE\"`)"
            }
            out += "\n"
        } else {
            out += "  not trusted (Reviewed-by:, Approved-by:, Tested: are claims anyone can type)\n"
        }

        if !program.recoveryObjectives.isEmpty {
            // Shortest matching first is how `rto` reads: the order shown is that order.
            out +=
                "\nRecovery time objectives (`rto`: the shortest that matches a file's path, or its path "
                + "before a rename):\n"
            for objective in program.recoveryObjectives.sorted(by: { $0.seconds < $1.seconds }) {
                let scope =
                    objective.patterns.isEmpty
                    ? (program.recoveryObjectives.count == 1 ? "every file" : "every other file")
                    : objective.patterns.joined(separator: ", ")
                out += "  \(pad(Self.duration(objective.seconds), 6))  \(scope)\n"
            }
        }

        out += "\nWatched settings (when several patterns match a key, the most specific wins):\n"
        if program.watches.isEmpty { out += "  (none)\n" }
        for watch in program.watches {
            let tags = watch.tags.isEmpty ? "" : "  tags: " + watch.tags.joined(separator: ", ")
            out +=
                "  weight \(pad(String(watch.weight), 3))  " + watch.patterns.map(\.pattern).joined(separator: ", ")
                + tags + "\n"
        }

        out += "\nRisk (a line that reads a field of a change counts once for every change it matches;\n"
        out += "any other line counts once for the change set):\n"
        if program.riskLines.isEmpty { out += "  (no risk lines)\n" }
        for line in program.riskLines {
            let points = (line.points < 0 ? "-" : "+") + String(abs(line.points))
            out += "  \(pad(points, 4))  \(pad(line.scope.rawValue, 14))  \"\(line.reason)\" when "
            out += PolicyFormatter.expression(line.condition) + "\n"
        }

        let denies = program.rules.filter { $0.kind == .deny }
        if !denies.isEmpty {
            out += "\nHard rules (deny; nothing overrides them):\n"
            for rule in denies {
                out +=
                    "  \"\(rule.name)\": the change is denied when " + PolicyFormatter.expression(rule.condition!)
                    + "\n"
            }
        }

        let requirements = program.rules.filter { $0.kind == .require }
        if !requirements.isEmpty {
            out += "\nRequirements:\n"
            for rule in requirements {
                let when = rule.condition.map { "when " + PolicyFormatter.expression($0) } ?? "always"
                out += "  \"\(rule.name)\" applies \(when); then every line must hold:\n"
                for requirement in rule.requirements { out += "    - " + sentence(requirement) + "\n" }
                if let group = rule.overrideGroup {
                    out += "    (a member of group \(group) may override it with a reason, recorded loudly)\n"
                }
            }
        }

        let freezes = program.rules.filter { $0.kind == .freeze }
        if !freezes.isEmpty {
            out += "\nFreezes:\n"
            for rule in freezes {
                if let window = rule.window {
                    out +=
                        "  \"\(rule.name)\": no change from \(Timestamp.iso(window.lowerBound)) until \(Timestamp.iso(window.upperBound + 1))"
                    out += rule.overrideGroup.map { "; group \($0) may override with a reason" } ?? "; no override"
                    out += "\n"
                }
            }
        }

        let warns = program.rules.filter { $0.kind == .warn }
        if !warns.isEmpty {
            out += "\nWarnings (shown, never blocking):\n"
            for rule in warns { out += "  \"\(rule.name)\" when " + PolicyFormatter.expression(rule.condition!) + "\n" }
        }
        return out
    }

    /// A requirement line in plain words.
    ///
    /// - Parameter requirement: A line of a `require` block.
    /// - Returns: The sentence.
    public static func sentence(_ requirement: Requirement) -> String {
        switch requirement.kind {
        case .reviewers(let comparison, let count, let group):
            let n = comparison == .moreThan ? count.value &+ 1 : count.value
            let quantity = comparison == .exactly ? "exactly \(n)" : "at least \(n)"
            let from = group.map { " from group \($0.value)" } ?? ""
            return "\(quantity) reviewer\(n == 1 ? "" : "s")\(from), none of them an author or committer of the change"
        case .tests(let patterns):
            return "tests matching " + patterns.map { "\"\($0.value)\"" }.joined(separator: ", ")
                + " passed (at least one matches each pattern, and every matching test passed)"
        case .changed(let patterns):
            return "the change also touches " + patterns.map { "\"\($0.value)\"" }.joined(separator: " or ")
        case .risk(let comparison, let limit):
            return "the risk total is \(comparison == .lessThan ? "below" : "at most") \(limit.value)"
        }
    }

    /// `90s` → `1m30s`, as a policy writes durations.
    static func duration(_ seconds: Int) -> String {
        var rest = seconds
        var out = ""
        for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        if rest > 0 || out.isEmpty { out += "\(rest)s" }
        return out
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}

/// Timestamps as the language writes them.
enum Timestamp {
    /// `2026-11-26T00:00:00Z` for seconds since the epoch.
    static func iso(_ seconds: Int) -> String {
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let secondOfDay = seconds - days * 86_400
        let (y, m, d) = civil(fromDays: days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return
            "\(y)-\(two(m))-\(two(d))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }

    /// Howard Hinnant's civil_from_days.
    static func civil(fromDays z: Int) -> (Int, Int, Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
