/// Renders a ``SettingsDiffReport`` for `changegate diff`.
public enum SettingsDiffRenderer {
    /// The JSON object documented for `changegate diff --format json`.
    ///
    /// - Parameter report: The diff.
    /// - Returns: The JSON object.
    public static func json(_ report: SettingsDiffReport) -> JSONValue {
        let value: JSONValue = .object([
            ("base", report.base.map { .string($0.hex) } ?? .null),
            ("head", report.head.map { .string($0.hex) } ?? .null),
            (
                "changes",
                .array(
                    report.changes.map { change in
                        var members: [(String, JSONValue)] = [
                            ("file", .string(change.file)),
                            ("key", .string(change.key)),
                            ("kind", .string(change.kind.rawValue)),
                            ("old", JSONValue(change.old)),
                            ("new", JSONValue(change.new)),
                            ("baseLine", JSONValue(change.baseLine)),
                            ("headLine", JSONValue(change.headLine)),
                        ]
                        if let previous = change.previousFile {
                            members.insert(("previousFile", .string(previous)), at: 1)
                        }
                        return .object(members)
                    })
            ),
            (
                "errors",
                .array(
                    report.errors.map { error in
                        .object([
                            ("file", .string(error.file)),
                            ("line", JSONValue(error.line)),
                            ("column", JSONValue(error.column)),
                            ("message", .string(error.message)),
                        ])
                    })
            ),
            ("warnings", .array(report.fileWarnings.map(json))),
        ])
        guard let ancestry = report.ancestry, case .object(var members) = value else { return value }
        // `base` is the revision asked for; `comparedFrom` the commit the changes are taken from.
        members[0] = ("base", .string(ancestry.base.hex))
        members.insert(
            contentsOf: [
                ("mergeBase", ancestry.mergeBase.map { .string($0.hex) } ?? .null),
                ("baseIsAncestor", .bool(ancestry.baseIsAncestor)),
                ("comparedFrom", report.base.map { .string($0.hex) } ?? .null),
                ("note", note(report).map { .string($0) } ?? .null),
            ], at: 2)
        return .object(members)
    }

    /// What `diff` says when the base is not an ancestor of the head: which of git's two
    /// comparisons it made, and how to get the other; nil when the base is an ancestor.
    ///
    /// - Parameter report: The diff.
    /// - Returns: The note, or nil.
    public static func note(_ report: SettingsDiffReport) -> String? {
        guard let ancestry = report.ancestry, let note = ancestry.note else { return nil }
        let (base, head) = (ancestry.base.short, ancestry.head.short)
        if report.fromMergeBase {
            return note + "; with --merge-base the changes are the head's since then (as `git diff \(base)...\(head)`)"
        }
        if ancestry.mergeBase == nil { return note + "; this compares their two trees" }
        return note + "; this compares the two trees (as `git diff \(base) \(head)`), so the base's own changes "
            + "since then show reversed: --merge-base shows only the head's (as `git diff \(base)...\(head)`)"
    }

    /// A file warning as `diff` and `check` write it in JSON (`line` and `column` null for a
    /// formatting-only change).
    ///
    /// - Parameter warning: The warning.
    /// - Returns: The JSON object: file, line, column, kind and message.
    public static func json(_ warning: FileWarning) -> JSONValue {
        .object([
            ("file", .string(warning.file)),
            ("line", JSONValue(warning.line)),
            ("column", JSONValue(warning.column)),
            ("kind", .string(warning.kind)),
            ("message", .string(warning.message)),
        ])
    }

    /// Aligned text, one block per file; ANSI colours only when `color` is set (a terminal).
    ///
    /// - Parameters:
    ///   - report: The diff.
    ///   - color: Whether to use ANSI colours.
    /// - Returns: The text; repository content in it goes through ``TerminalText``.
    public static func text(_ report: SettingsDiffReport, color: Bool) -> String {
        let paint = Painter(enabled: color)
        var out = ""
        var range = "\(report.base?.short ?? "(empty)")..\(report.head?.short ?? "(empty)")"
        if report.fromMergeBase, let ancestry = report.ancestry {
            range = "\(ancestry.base.short)...\(ancestry.head.short)"
        }
        let files = Set(report.changes.map(\.file)).count
        let changed = report.changes.count { $0.kind != .renamed }
        let noun = changed == 1 ? "setting" : "settings"
        out +=
            paint.bold("\(changed) \(noun) changed in \(files) file\(files == 1 ? "" : "s")")
            + "  \(range)\n"
        if let note = note(report) { out += "note: \(note)\n" }
        var byFile: [(String, [SettingChange])] = []
        for change in report.changes {
            if byFile.last?.0 == change.file {
                byFile[byFile.count - 1].1.append(change)
            } else {
                byFile.append((change.file, [change]))
            }
        }
        for (file, all) in byFile {
            out += "\n"
            // Paths, keys and values are pushers' text: escaped before they reach a terminal.
            if let previous = all.first?.previousFile {
                out +=
                    paint.bold(TerminalText.escape(file))
                    + paint.dim("  (renamed from \(TerminalText.escape(previous)))") + "\n"
            } else {
                out += paint.bold(TerminalText.escape(file)) + "\n"
            }
            // Settings moved unchanged by a rename are one line, not one each (a 5,000-key file).
            let moved = all.count { $0.kind == .renamed }
            if moved > 0 {
                out +=
                    "  \(paint.yellow("→")) \(moved) setting\(moved == 1 ? "" : "s") moved unchanged with the rename\n"
            }
            let changes = all.filter { $0.kind != .renamed }
            let keyWidth = min(60, changes.map { TerminalText.characterCount($0.key) }.max() ?? 0)
            let rows = changes.map { change -> (String, String, String) in
                (TerminalText.escape(change.key), TerminalText.escape(valueText(change)), lineText(change))
            }
            let valueWidth = min(60, rows.map { TerminalText.characterCount($0.1) }.max() ?? 0)
            // Each line is built on its own and trimmed there: trimming the whole report after
            // each line, and counting characters a grapheme at a time, were most of a large diff.
            var line = ""
            for (change, row) in zip(changes, rows) {
                line.removeAll(keepingCapacity: true)
                line += "  "
                switch change.kind {
                case .added: line += paint.green("+")
                case .removed: line += paint.red("-")
                case .modified: line += paint.yellow("~")
                case .renamed: line += paint.yellow("→")
                }
                line += " "
                append(row.0, paddedTo: keyWidth, to: &line)
                line += "  "
                append(row.1, paddedTo: valueWidth, to: &line)
                line += "  "
                line += paint.dim(row.2)
                while line.hasSuffix(" ") { line.removeLast() }
                out += line
                out += "\n"
            }
        }
        if !report.errors.isEmpty {
            out +=
                "\n" + paint.red(paint.bold("\(report.errors.count) file error\(report.errors.count == 1 ? "" : "s")"))
                + "\n"
            for error in report.errors { out += "  \(TerminalText.escape(error.description))\n" }
        }
        let warnings = report.fileWarnings
        if !warnings.isEmpty {
            out += "\n" + paint.yellow("\(warnings.count) warning\(warnings.count == 1 ? "" : "s")") + "\n"
            for warning in warnings { out += "  \(TerminalText.escape(warning.description))\n" }
        }
        return out
    }

    /// A value as reports write it: strings quoted, so that `30` and `"30"` read differently.
    ///
    /// - Parameter value: A setting's value.
    /// - Returns: The value as text, on one line.
    public static func display(_ value: ConfigValue) -> String {
        switch value {
        case .string(let s): return JSONValue.string(s).serialized()
        case .list(let items) where items.isEmpty: return "[]"
        case .map(let map) where map.isEmpty: return "{}"
        default: return JSONValue(value).serialized()
        }
    }

    private static func valueText(_ change: SettingChange) -> String {
        switch change.kind {
        case .added: return display(change.new ?? .null)
        case .removed: return display(change.old ?? .null)
        case .renamed: return display(change.new ?? .null)
        case .modified:
            var text = "\(display(change.old ?? .null)) → \(display(change.new ?? .null))"
            if change.typeChanged, let old = change.old, let new = change.new {
                text += "  (\(old.typeName) → \(new.typeName))"
            }
            return text
        }
    }

    private static func lineText(_ change: SettingChange) -> String {
        switch (change.baseLine, change.headLine) {
        case (_, let head?): "line \(head)"
        case (let base?, nil): "was line \(base)"
        default: ""
        }
    }

    private static func append(_ s: String, paddedTo width: Int, to out: inout String) {
        out += s
        let count = TerminalText.characterCount(s)
        // Widths are at most 60: the padding is a slice of a line of spaces, not a new string.
        if count < width { out += spaces.prefix(width - count) }
    }

    private static let spaces = String(repeating: " ", count: 64)
}

/// ANSI styling that turns itself off when output is not a terminal.
struct Painter {
    let enabled: Bool
    private func wrap(_ code: String, _ s: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func bold(_ s: String) -> String { wrap("1", s) }
    func dim(_ s: String) -> String { wrap("2", s) }
    func red(_ s: String) -> String { wrap("31", s) }
    func green(_ s: String) -> String { wrap("32", s) }
    func yellow(_ s: String) -> String { wrap("33", s) }
}
