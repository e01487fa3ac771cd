/// Writes a policy file in its canonical layout. Comments are kept (a comment inside an expression
/// moves to the line above its declaration); single blank lines between declarations are kept.
/// Formatting formatted output changes nothing.
public enum PolicyFormatter {
    /// The width the formatter wraps lines at.
    public static let lineWidth = 100

    /// The canonical text of `file`, or nil with the syntax errors when it cannot be parsed.
    ///
    /// - Parameter file: A policy file.
    /// - Returns: The canonical text (nil when the file does not parse) and the syntax errors.
    public static func format(_ file: SourceFile) -> (text: String?, diagnostics: [Diagnostic]) {
        let (syntax, diagnostics) = PolicyCompiler.parse([file])
        if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
        return (render(syntax, file: file), diagnostics)
    }

    static func render(_ syntax: PolicySyntax, file: SourceFile) -> String {
        var comments = syntax.comments.filter { $0.range.start.path == file.path }
        var out: [String] = []
        var previousEndLine: Int? = nil

        /// Removes and returns the comments that start before `offset`.
        func take(before offset: Int) -> [Comment] {
            let taken = comments.filter { $0.range.start.offset < offset }
            comments.removeAll { $0.range.start.offset < offset }
            return taken
        }
        /// The trailing comment on line `line` after `offset`, if any.
        func trailing(after offset: Int, line: Int) -> Comment? {
            guard
                let index = comments.firstIndex(where: {
                    !$0.ownLine && $0.range.start.offset >= offset && $0.range.start.line == line
                })
            else { return nil }
            return comments.remove(at: index)
        }

        for declaration in syntax.declarations {
            let leading = take(before: declaration.range.start.offset)
            let firstLine = leading.first?.range.start.line ?? declaration.range.start.line
            if let previousEndLine, firstLine > previousEndLine + 1 { out.append("") }
            // Blank lines inside a comment block, and between it and its declaration, stay (one each).
            var lastLine: Int? = nil
            for comment in leading {
                if let lastLine, comment.range.start.line > lastLine + 1 { out.append("") }
                out.append(comment.text)
                lastLine = comment.range.start.line
            }
            if let lastLine, declaration.range.start.line > lastLine + 1 { out.append("") }
            // Comments inside the declaration: those of requirement lines stay with them, others go above.
            var inner = comments.filter { $0.range.start.offset < declaration.endOffset }
            comments.removeAll { $0.range.start.offset < declaration.endOffset }
            var lines = declarationLines(declaration, comments: &inner)
            out += inner.map(\.text)
            let endLine = file.location(of: max(0, declaration.endOffset - 1)).line
            if let comment = trailing(after: declaration.endOffset, line: endLine) {
                lines[lines.count - 1] += "  " + comment.text
            }
            out += lines
            previousEndLine = endLine
        }
        var lastLine = previousEndLine
        for comment in comments {
            if let lastLine, comment.range.start.line > lastLine + 1 { out.append("") }
            out.append(comment.text)
            lastLine = comment.range.start.line
        }
        while out.last == "" { out.removeLast() }
        return out.isEmpty ? "" : out.joined(separator: "\n") + "\n"
    }

    private static func declarationLines(_ declaration: Declaration, comments: inout [Comment]) -> [String] {
        switch declaration.kind {
        case .policy(let name):
            return ["policy \(quote(name.value))"]
        case .files(let patterns, let excluded, let detect, let format):
            var line = "files"
            if !patterns.isEmpty { line += " " + patterns.map { quote($0.value) }.joined(separator: ", ") }
            if !excluded.isEmpty { line += " except " + excluded.map { quote($0.value) }.joined(separator: ", ") }
            if let detect { line += " detect \(detect.value)" }
            if let format { line += " as \(format.value)" }
            return [line]
        case .ignore(let patterns):
            return ["ignore " + patterns.map { quote($0.value) }.joined(separator: ", ")]
        case .secret(let patterns):
            return ["secret " + patterns.map { quote($0.value) }.joined(separator: ", ")]
        case .group(let name, let members):
            switch members {
            case .file(let path):
                return ["group \(name.value) from \(quote(path.value))"]
            case .list(let items):
                let oneLine = "group \(name.value) = [" + items.map { quote($0.value) }.joined(separator: ", ") + "]"
                if oneLine.count <= lineWidth { return [oneLine] }
                return ["group \(name.value) = ["] + items.map { "  \(quote($0.value))," } + ["]"]
            }
        case .watch(let patterns, let weight, let tags):
            var line = "watch " + patterns.map { quote($0.value) }.joined(separator: ", ") + " weight \(weight.text)"
            if !tags.isEmpty { line += " tag " + tags.map(\.value).joined(separator: ", ") }
            return [line]
        case .risk(let points, let reason, let condition):
            let sign = points.value < 0 ? "-" : "+"
            return withCondition("risk \(sign)\(abs(points.value)) \(quote(reason.value))", condition)
        case .deny(let name, let condition):
            return withCondition("deny \(quote(name.value))", condition)
        case .warn(let name, let condition):
            return withCondition("warn \(quote(name.value))", condition)
        case .require(let name, let condition, let requirements, let override):
            var head = "require \(quote(name.value))"
            if let condition { head += " when " + expression(condition) }
            var lines = [head + " {"]
            for requirement in requirements {
                let leading = comments.filter { $0.ownLine && $0.range.start.offset < requirement.range.start.offset }
                comments.removeAll { $0.ownLine && $0.range.start.offset < requirement.range.start.offset }
                lines += leading.map { "  " + $0.text }
                var line = "  " + self.requirement(requirement)
                if let index = comments.firstIndex(where: {
                    !$0.ownLine && $0.range.start.line == requirement.range.start.line
                        && $0.range.start.offset >= requirement.endOffset
                }) {
                    line += "  " + comments.remove(at: index).text
                }
                lines.append(line)
            }
            let closing = comments.filter { $0.ownLine }
            comments.removeAll { $0.ownLine }
            lines += closing.map { "  " + $0.text }
            lines.append("}" + (override.map { " override by \($0.value)" } ?? ""))
            return lines
        case .trustUnauthenticatedPushes:
            return ["trust unauthenticated pushes"]
        case .owners(let groups):
            return ["owners " + groups.map(\.value).joined(separator: ", ")]
        case .identity(let login, let emails):
            let oneLine =
                "identity \(quote(login.value)) = [" + emails.map { quote($0.value) }.joined(separator: ", ") + "]"
            if oneLine.count <= lineWidth { return [oneLine] }
            return ["identity \(quote(login.value)) = ["] + emails.map { "  \(quote($0.value))," } + ["]"]
        case .identities(let file):
            return ["identities from \(quote(file.value))"]
        case .recoveryObjective(let seconds, let patterns):
            if patterns.isEmpty { return ["rto \(seconds.text)"] }
            return ["rto \(seconds.text) for " + patterns.map { quote($0.value) }.joined(separator: ", ")]
        case .revertWindow(let within, let stable, let commits):
            var line = "reverts"
            if let within { line += " within \(within.text)" }
            if let stable { line += " stable \(stable.text)" }
            if let commits { line += " over \(commits.text) commits" }
            return [line]
        case .trustTrailers(let names, let committer, let signers):
            var line = "trust trailers"
            if !names.isEmpty { line += " " + names.map { quote($0.value) }.joined(separator: ", ") }
            if let committer { line += " committed by \(committer.value)" }
            if let signers { line += " signed with \(quote(signers.value))" }
            return [line]
        case .freeze(let name, let from, let to, let override):
            return [
                "freeze \(quote(name.value)) from \(from.text) to \(to.text)"
                    + (override.map { " override by \($0.value)" } ?? "")
            ]
        }
    }

    private static func withCondition(_ head: String, _ condition: PolicyExpression) -> [String] {
        let text = expression(condition)
        let oneLine = "\(head) when \(text)"
        if oneLine.count <= lineWidth { return [oneLine] }
        return [head, "  when \(text)"]
    }

    static func requirement(_ requirement: Requirement) -> String {
        switch requirement.kind {
        case .reviewers(let comparison, let count, let group):
            return "reviewers \(comparison.rawValue) \(count.text)" + (group.map { " from \($0.value)" } ?? "")
        case .tests(let patterns):
            return "tests " + patterns.map { quote($0.value) }.joined(separator: ", ") + " passed"
        case .changed(let patterns):
            return "changed " + patterns.map { quote($0.value) }.joined(separator: ", ")
        case .risk(let comparison, let limit):
            return "risk \(comparison.rawValue) \(limit.text)"
        }
    }

    /// An expression with only the parentheses its structure needs.
    ///
    /// - Parameter expression: A parsed expression.
    /// - Returns: Its canonical text.
    public static func expression(_ expression: PolicyExpression) -> String {
        render(expression, parentPrecedence: 0)
    }

    private static func precedence(of expression: PolicyExpression) -> Int {
        switch expression.kind {
        case .binary(let op, _, _): op.precedence
        case .unary(.not, _): 3
        case .unary(.negate, _): 7
        default: 8
        }
    }

    private static func render(_ expression: PolicyExpression, parentPrecedence: Int) -> String {
        let text: String
        switch expression.kind {
        case .null: text = "null"
        case .bool(let b): text = b ? "true" : "false"
        case .integer(let i): text = expression.text.isEmpty ? String(i) : expression.text
        case .float(let d): text = expression.text.isEmpty ? String(d) : expression.text
        case .string(let s): text = quote(s)
        case .duration, .timestamp: text = expression.text
        case .list(let items): text = "[" + items.map { render($0, parentPrecedence: 0) }.joined(separator: ", ") + "]"
        case .name(let name): text = name
        case .call(let name, let arguments):
            text = name + "(" + arguments.map { render($0, parentPrecedence: 0) }.joined(separator: ", ") + ")"
        case .quantifier(let quantifier, let domain, let body):
            text = "\(quantifier.rawValue) \(domain.rawValue) (" + render(body, parentPrecedence: 0) + ")"
        case .unary(.not, let operand):
            // `not (a == b)` keeps its parentheses: `not a == b` reads like `(not a) == b`.
            if case .binary = operand.kind {
                text = "not (" + render(operand, parentPrecedence: 0) + ")"
            } else {
                text = "not " + render(operand, parentPrecedence: 4)
            }
        case .unary(.negate, let operand):
            text = "-" + render(operand, parentPrecedence: 8)
        case .binary(let op, let left, let right):
            let p = op.precedence
            // Left-associative: the right operand of an equal-precedence operator needs parentheses;
            // comparisons do not chain, so a comparison inside a comparison always does.
            var leftText = render(left, parentPrecedence: op.isComparison ? p + 1 : p)
            var rightText = render(right, parentPrecedence: p + 1)
            // `and` inside `or` is parenthesized for the reader, though precedence would allow none.
            if op == .or {
                if case .binary(.and, _, _) = left.kind { leftText = "(" + leftText + ")" }
                if case .binary(.and, _, _) = right.kind { rightText = "(" + rightText + ")" }
            }
            text = "\(leftText) \(op.rawValue) \(rightText)"
        }
        return precedence(of: expression) < parentPrecedence ? "(" + text + ")" : text
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.append(c)
            }
        }
        return out + "\""
    }
}
