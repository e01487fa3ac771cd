/// A compiler-style finding about a policy: where, how bad, what, and what to do.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Comparable {
        case error
        case warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    public var severity: Severity
    public var range: SourceRange
    public var message: String
    /// Extra lines: `note: …`, `did you mean …?`.
    public var notes: [String]

    /// A diagnostic.
    ///
    /// - Parameters:
    ///   - severity: Error or warning.
    ///   - range: The source it is about.
    ///   - message: What is wrong, one line.
    ///   - notes: Extra lines.
    public init(_ severity: Severity, at range: SourceRange, _ message: String, notes: [String] = []) {
        self.severity = severity
        self.range = range
        self.message = message
        self.notes = notes
    }

    public var location: SourceLocation { range.start }

    /// `path:line:column: error: message`
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// Renders diagnostics like a compiler: the headline, the source line, a caret under the spot, notes.
public enum DiagnosticRenderer {
    /// One diagnostic with its source line and a caret.
    ///
    /// - Parameters:
    ///   - diagnostic: The diagnostic.
    ///   - sources: The policy's files, to find its line in.
    /// - Returns: The headline, the source line with the caret (when the file is among `sources`)
    ///   and the notes, each line ending with a newline.
    public static func render(_ diagnostic: Diagnostic, sources: [SourceFile]) -> String {
        var out = diagnostic.description + "\n"
        if let file = sources.first(where: { $0.path == diagnostic.location.path }) {
            let lineText = file.line(diagnostic.location.line)
            let gutter = String(diagnostic.location.line)
            let pad = String(repeating: " ", count: gutter.count)
            out += " \(gutter) | \(lineText)\n"
            let indent = lineText.prefix(max(0, diagnostic.location.column - 1)).map { $0 == "\t" ? "\t" : " " }
                .joined()
            // The range counts bytes; the underline counts characters.
            let fromColumn = lineText.dropFirst(max(0, diagnostic.location.column - 1))
            let covered = String(decoding: fromColumn.utf8.prefix(diagnostic.range.length), as: UTF8.self).count
            let width = max(1, min(covered, fromColumn.count))
            out += " \(pad) | \(indent)^\(String(repeating: "~", count: width - 1))\n"
        }
        for note in diagnostic.notes { out += "note: \(note)\n" }
        return out
    }

    /// Every diagnostic, rendered one after the other.
    ///
    /// - Parameters:
    ///   - diagnostics: The diagnostics, in the order to print them.
    ///   - sources: The policy's files.
    /// - Returns: The rendered diagnostics.
    public static func render(_ diagnostics: [Diagnostic], sources: [SourceFile]) -> String {
        diagnostics.map { render($0, sources: sources) }.joined()
    }
}

/// "Did you mean …?" by edit distance.
enum Suggestion {
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        var best: (String, Int)? = nil
        let limit = max(1, word.count / 3)
        for candidate in candidates {
            // The distance is at least the difference in length: skip the quadratic work then.
            if abs(candidate.count - word.count) > limit { continue }
            let d = distance(word.lowercased(), candidate.lowercased())
            if d <= limit, d < (best?.1 ?? .max) { best = (candidate, d) }
        }
        return best?.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> [String] {
        closest(to: word, in: candidates).map { ["did you mean `\($0)`?"] } ?? []
    }
}
