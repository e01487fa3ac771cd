/// Recursive descent over the tokens of one file, with precedence climbing for expressions.
///
/// On an error the parser records a diagnostic and resumes at the next line that starts with a
/// declaration keyword, so that one run reports every broken declaration, never a crash.
struct Parser {
    private struct Failure: Error {
        /// nil when the lexer has already reported the problem (an invalid token).
        var diagnostic: Diagnostic?
    }

    private let file: SourceFile
    private let tokens: [Token]
    private var position = 0
    /// Where the declaration being parsed started.
    private var declarationStart = 0
    private(set) var diagnostics: [Diagnostic] = []
    /// Nesting depth of expressions, bounded so that hostile input cannot exhaust the stack.
    private var depth = 0
    static let maxDepth = 200
    /// Levels of an expression's tree. Nesting and operator chains are bounded one at a time
    /// above; chains inside nested parentheses could still stack up to about 200²/2 levels,
    /// which the checker, the evaluator and `fmt` would recurse through.
    static let maxHeight = 256

    init(file: SourceFile, tokens: [Token]) {
        self.file = file
        self.tokens = tokens
    }

    static func parse(_ file: SourceFile) -> (
        declarations: [Declaration], comments: [Comment], diagnostics: [Diagnostic]
    ) {
        let lexed = Lexer.tokenize(file)
        var parser = Parser(file: file, tokens: lexed.tokens)
        let declarations = parser.parseFile()
        return (declarations, lexed.comments, lexed.diagnostics + parser.diagnostics)
    }

    // MARK: - Token access

    private var current: Token { tokens[position] }
    private var previousEnd: Int {
        guard position > 0 else { return 0 }
        let previous = tokens[position - 1]
        return previous.range.start.offset + previous.text.utf8.count
    }

    private func peek(_ offset: Int = 1) -> Token { tokens[min(position + offset, tokens.count - 1)] }

    @discardableResult
    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func atKeyword(_ word: String) -> Bool { current.isIdentifier(word) }

    /// A declaration keyword at the very start of a line begins the next declaration; indented, it
    /// can only continue an expression (`risk` is also a field).
    private func atDeclarationStart(_ token: Token) -> Bool {
        guard token.startsLine, token.range.start.column == 1, let word = token.identifier else { return false }
        return Declaration.keywords.contains(word)
    }

    private func range(from start: Token) -> SourceRange {
        SourceRange(start: start.range.start, length: max(1, previousEnd - start.range.start.offset))
    }

    private func failure(_ message: String, at token: Token? = nil, notes: [String] = []) -> Failure {
        var token = token ?? current
        // At the end of the file, point just past the last token rather than at an empty line.
        if token.kind == .endOfFile, position > 0 {
            let last = tokens[position - 1]
            var end = last.range.start
            end.column += last.text.count
            end.offset += last.text.utf8.count
            token = Token(kind: .endOfFile, range: SourceRange(start: end, length: 1), text: "", startsLine: false)
        }
        return Failure(diagnostic: Diagnostic(.error, at: token.range, message, notes: notes))
    }

    private func unexpected(_ expected: String, notes: [String] = []) -> Failure {
        if case .invalid = current.kind {
            // The lexer has already explained this token.
            return Failure(diagnostic: nil)
        }
        return failure("expected \(expected), found \(current.kind.spelling)", notes: notes)
    }

    private mutating func expectKeyword(_ word: String, context: String) throws(Failure) {
        guard atKeyword(word) else { throw unexpected("`\(word)` \(context)") }
        advance()
    }

    private mutating func expectString(_ what: String) throws(Failure) -> Located<String> {
        guard case .string(let value) = current.kind else { throw unexpected(what) }
        let token = advance()
        return Located(value, range: token.range, text: token.text)
    }

    private mutating func expectName(_ what: String) throws(Failure) -> Located<String> {
        // A keyword that starts the next line ends this declaration: the name is missing here, at
        // the end of this line, not there (`watch "a" weight 1 tag` then `watch …`).
        if atDeclarationStart(current), position > 0 {
            let last = tokens[position - 1]
            var end = last.range.start
            end.column += last.text.count
            end.offset += last.text.utf8.count
            let here = Token(kind: .endOfFile, range: SourceRange(start: end, length: 1), text: "", startsLine: false)
            throw failure(
                "expected \(what), found the end of the line (the next line starts a `\(current.identifier!)` declaration)",
                at: here)
        }
        guard let name = current.identifier else { throw unexpected(what) }
        let token = advance()
        return Located(name, range: token.range, text: token.text)
    }

    private mutating func expectInteger(_ what: String, allowSign: Bool = false) throws(Failure) -> Located<Int> {
        let start = current
        var sign = 1
        var signed = false
        if allowSign, current.kind == .plus || current.kind == .minus {
            sign = current.kind == .minus ? -1 : 1
            signed = true
            advance()
        }
        guard case .integer(let value) = current.kind else {
            if case .float = current.kind { throw failure("expected \(what), a whole number") }
            throw unexpected(what)
        }
        let token = advance()
        return Located(
            sign * value, range: range(from: start), text: (signed ? (sign < 0 ? "-" : "+") : "") + token.text)
    }

    private mutating func expectTimestamp(_ what: String) throws(Failure) -> Located<Int> {
        guard case .timestamp(let value) = current.kind else { throw unexpected(what) }
        let token = advance()
        return Located(value, range: token.range, text: token.text)
    }

    private mutating func expectDuration(_ what: String) throws(Failure) -> Located<Int> {
        guard case .duration(let value) = current.kind else { throw unexpected(what) }
        let token = advance()
        return Located(value, range: token.range, text: token.text)
    }

    /// `"a", "b", …`
    private mutating func stringList(_ what: String) throws(Failure) -> [Located<String>] {
        var items = [try expectString(what)]
        while current.kind == .comma {
            advance()
            items.append(try expectString(what))
        }
        return items
    }

    // MARK: - Declarations

    mutating func parseFile() -> [Declaration] {
        var declarations: [Declaration] = []
        while current.kind != .endOfFile {
            do {
                declarations.append(try parseDeclaration())
            } catch {
                if let diagnostic = error.diagnostic { diagnostics.append(diagnostic) }
                recover()
            }
        }
        return declarations
    }

    /// Skips to the next line that starts with a declaration keyword (which may be where the error
    /// was found: `risk >` at the end of one line, `deny` starting the next).
    private mutating func recover() {
        if position > declarationStart, atDeclarationStart(current) { return }
        advance()
        while current.kind != .endOfFile {
            if atDeclarationStart(current) { return }
            advance()
        }
    }

    private mutating func parseDeclaration() throws(Failure) -> Declaration {
        declarationStart = position
        let start = current
        guard let keyword = current.identifier, Declaration.keywords.contains(keyword) else {
            var notes: [String] = []
            if let word = current.identifier { notes = Suggestion.didYouMean(word, in: Declaration.keywords) }
            throw unexpected(
                "a declaration (\(Declaration.keywords.map { "`\($0)`" }.joined(separator: ", ")))", notes: notes)
        }
        advance()
        let kind: Declaration.Kind
        switch keyword {
        case "policy":
            kind = .policy(name: try expectString("the policy's name in double quotes"))
        case "files":
            // The globs may be left out when `detect` names the system: its usual file names then.
            var patterns: [Located<String>] = []
            if !atKeyword("detect") {
                patterns = try stringList("a path glob in double quotes, or `detect SYSTEM`")
            }
            var excluded: [Located<String>] = []
            if atKeyword("except") {
                advance()
                excluded = try stringList("a path glob to leave out, in double quotes")
            }
            var detect: Located<String>? = nil
            if atKeyword("detect") {
                advance()
                detect = try expectName("a system to recognise (\(FileDetection.systems.joined(separator: ", ")))")
            }
            var format: Located<String>? = nil
            if atKeyword("as") {
                advance()
                format = try expectName("a format (yaml, json, toml, ini or redis)")
            }
            kind = .files(patterns: patterns, except: excluded, detect: detect, format: format)
        case "ignore":
            kind = .ignore(patterns: try stringList("a path glob in double quotes"))
        case "rto":
            let seconds = try expectDuration("a duration after `rto`, like 60s")
            var patterns: [Located<String>] = []
            if atKeyword("for") {
                advance()
                patterns = try stringList("a path glob in double quotes")
            }
            kind = .recoveryObjective(seconds: seconds, patterns: patterns)
        case "group":
            let name = try expectName("the group's name")
            if atKeyword("from") {
                advance()
                kind = .group(name: name, members: .file(try expectString("the path of a file of identities")))
            } else {
                guard current.kind == .assign else {
                    throw unexpected("`=` and a list of identities, or `from \"FILE\"`")
                }
                advance()
                guard current.kind == .leftBracket else { throw unexpected("`[` to start the list of identities") }
                advance()
                var members: [Located<String>] = []
                while current.kind != .rightBracket {
                    members.append(try expectString("an identity in double quotes"))
                    if current.kind == .comma {
                        advance()
                    } else if current.kind != .rightBracket {
                        throw unexpected("`,` or `]`")
                    }
                }
                advance()
                kind = .group(name: name, members: .list(members))
            }
        case "secret":
            kind = .secret(patterns: try stringList("a key-path pattern in double quotes"))
        case "watch":
            let patterns = try stringList("a key-path pattern in double quotes")
            try expectKeyword("weight", context: "and a number after the watched patterns")
            let weight = try expectInteger("a weight", allowSign: true)
            var tags: [Located<String>] = []
            while atKeyword("tag") {
                advance()
                tags.append(try expectName("a tag name"))
                while current.kind == .comma {
                    advance()
                    tags.append(try expectName("a tag name"))
                }
            }
            kind = .watch(patterns: patterns, weight: weight, tags: tags)
        case "risk":
            let points = try expectInteger("points, like +30 or -25", allowSign: true)
            let reason = try expectString("the reason in double quotes")
            try expectKeyword("when", context: "and a condition")
            kind = .risk(points: points, reason: reason, condition: try parseExpression())
        case "deny", "warn":
            let name = try expectString("the rule's name in double quotes")
            try expectKeyword("when", context: "and a condition")
            let condition = try parseExpression()
            kind = keyword == "deny" ? .deny(name: name, condition: condition) : .warn(name: name, condition: condition)
        case "require":
            let name = try expectString("the requirement's name in double quotes")
            var condition: PolicyExpression? = nil
            if atKeyword("when") {
                advance()
                condition = try parseExpression()
            }
            guard current.kind == .leftBrace else { throw unexpected("`{` to start the requirement block") }
            advance()
            var requirements: [Requirement] = []
            while current.kind != .rightBrace {
                guard current.kind != .endOfFile else { throw unexpected("`}` to close the block") }
                requirements.append(try parseRequirement())
            }
            advance()
            kind = .require(
                name: name, condition: condition, requirements: requirements, override: try parseOverride())
        case "freeze":
            let name = try expectString("the freeze's name in double quotes")
            try expectKeyword("from", context: "and the freeze's start")
            let from = try expectTimestamp("the start, like 2026-11-26T00:00Z")
            try expectKeyword("to", context: "and the freeze's end")
            let to = try expectTimestamp("the end, like 2026-12-01T00:00Z")
            kind = .freeze(name: name, from: from, to: to, override: try parseOverride())
        case "trust" where atKeyword("unauthenticated"):
            advance()
            try expectKeyword("pushes", context: "after `trust unauthenticated`")
            kind = .trustUnauthenticatedPushes
        case "trust":
            try expectKeyword("trailers", context: "after `trust` (`trust trailers` or `trust unauthenticated pushes`)")
            var names: [Located<String>] = []
            if case .string = current.kind { names = try stringList("a trailer name in double quotes") }
            var committer: Located<String>? = nil
            if atKeyword("committed") {
                advance()
                try expectKeyword("by", context: "after `committed`")
                committer = try expectName("the group whose commits' trailers count")
            }
            var signers: Located<String>? = nil
            if atKeyword("signed") {
                advance()
                try expectKeyword("with", context: "after `signed` (`signed with \"FILE\"`)")
                signers = try expectString("the path of an SSH allowed-signers file")
            }
            kind = .trustTrailers(names: names, committer: committer, signers: signers)
        case "identity":
            let login = try expectString("the login in double quotes")
            guard current.kind == .assign else { throw unexpected("`=` and a list of e-mail addresses") }
            advance()
            guard current.kind == .leftBracket else { throw unexpected("`[` to start the list of e-mail addresses") }
            advance()
            var emails: [Located<String>] = []
            while current.kind != .rightBracket {
                emails.append(try expectString("an e-mail address in double quotes"))
                if current.kind == .comma {
                    advance()
                } else if current.kind != .rightBracket {
                    throw unexpected("`,` or `]`")
                }
            }
            advance()
            kind = .identity(login: login, emails: emails)
        case "identities":
            try expectKeyword("from", context: "after `identities` (`identities from \"FILE\"`)")
            kind = .identities(file: try expectString("the path of a file of identities"))
        case "owners":
            var groups = [try expectName("the group that owns the policy")]
            while current.kind == .comma {
                advance()
                groups.append(try expectName("the group that owns the policy"))
            }
            kind = .owners(groups: groups)
        case "reverts":
            var within: Located<Int>? = nil
            var stable: Located<Int>? = nil
            var commits: Located<Int>? = nil
            while true {
                if within == nil, atKeyword("within") {
                    advance()
                    within = try expectDuration("a duration after `within`, like 90d")
                } else if stable == nil, atKeyword("stable") {
                    advance()
                    stable = try expectDuration("a duration after `stable`, like 24h")
                } else if commits == nil, atKeyword("over") {
                    advance()
                    commits = try expectInteger("a number of commits after `over`, like 500")
                    try expectKeyword("commits", context: "after the number (`over 500 commits`)")
                } else {
                    break
                }
            }
            guard within != nil || stable != nil || commits != nil else {
                throw unexpected(
                    "`within`, `stable` or `over` after `reverts`",
                    notes: ["write it like `reverts within 90d stable 24h over 500 commits` (each part optional)"])
            }
            kind = .revertWindow(within: within, stable: stable, commits: commits)
        default:
            throw failure("unknown declaration `\(keyword)`")
        }
        return Declaration(kind: kind, range: range(from: start), endOffset: previousEnd)
    }

    private mutating func parseOverride() throws(Failure) -> Located<String>? {
        guard atKeyword("override") else { return nil }
        advance()
        try expectKeyword("by", context: "after `override`")
        return try expectName("the group that may override")
    }

    private static let requirementWords = ["reviewers", "tests", "changed", "risk"]

    private mutating func parseRequirement() throws(Failure) -> Requirement {
        let start = current
        guard let word = current.identifier, Self.requirementWords.contains(word) else {
            var notes = [
                "a block holds `reviewers >= N [from GROUP]`, `tests \"PATTERN\" passed`, `changed \"GLOB\"` or `risk < N`"
            ]
            if let word = current.identifier {
                notes = Suggestion.didYouMean(word, in: Self.requirementWords) + notes
            }
            throw unexpected("a requirement", notes: notes)
        }
        advance()
        let kind: Requirement.Kind
        switch word {
        case "reviewers":
            let comparison: Requirement.Comparison
            switch current.kind {
            case .greaterEqual: comparison = .atLeast
            case .greater: comparison = .moreThan
            case .equal: comparison = .exactly
            default: throw unexpected("`>=`, `>` or `==` after `reviewers`")
            }
            advance()
            let count = try expectInteger("the number of reviewers")
            var group: Located<String>? = nil
            if atKeyword("from") {
                advance()
                group = try expectName("a group name")
            }
            kind = .reviewers(comparison: comparison, count: count, group: group)
        case "tests":
            let patterns = try stringList("a test name pattern in double quotes")
            try expectKeyword("passed", context: "after the test patterns")
            kind = .tests(patterns: patterns)
        case "changed":
            kind = .changed(patterns: try stringList("a path glob in double quotes"))
        default:
            let comparison: Requirement.Comparison
            switch current.kind {
            case .less: comparison = .lessThan
            case .lessEqual: comparison = .atMost
            default: throw unexpected("`<` or `<=` after `risk` in a requirement")
            }
            advance()
            kind = .risk(comparison: comparison, limit: try expectInteger("a risk limit"))
        }
        return Requirement(kind: kind, range: range(from: start), endOffset: previousEnd)
    }

    // MARK: - Expressions

    private mutating func parseExpression(minimumPrecedence: Int = 1) throws(Failure) -> PolicyExpression {
        depth += 1
        defer { depth -= 1 }
        guard depth < Self.maxDepth else { throw failure("expression nested too deeply") }
        let start = current
        var left = try parsePrefix()
        var folds = 0
        while let (op, width) = binaryOperator(), op.precedence >= minimumPrecedence {
            let operatorToken = current
            // Each operator folded in deepens the tree: bound it like nesting, or a long chain
            // (a generated allow-list) would exhaust the stack of the checker and the evaluator.
            folds += 1
            guard depth + folds < Self.maxDepth else {
                throw failure(
                    "expression too long: more than \(Self.maxDepth) operators",
                    notes: ["for many alternatives, write `x in [\"a\", \"b\", …]`"])
            }
            for _ in 0..<width { advance() }
            // Comparisons do not chain: `a < b < c` is an error, not `(a < b) < c`.
            let right = try parseExpression(minimumPrecedence: op.precedence + 1)
            if op.isComparison, let (next, _) = binaryOperator(), next.isComparison {
                throw failure(
                    "comparisons cannot be chained; join them with `and`", at: current,
                    notes: ["after `\(operatorToken.text)` on line \(operatorToken.range.start.line)"])
            }
            left = PolicyExpression(.binary(op, left, right), range: range(from: start))
            try checkHeight(left)
        }
        try checkHeight(left)
        return left
    }

    private func checkHeight(_ expression: PolicyExpression) throws(Failure) {
        guard expression.height > Self.maxHeight else { return }
        throw failure(
            "expression nested too deeply",
            notes: [
                "its tree is more than \(Self.maxHeight) levels deep (parentheses, `not`, lists and chains of operators inside one another)"
            ])
    }

    /// The binary operator at the current token, and how many tokens spell it (`not in` is two).
    private func binaryOperator() -> (PolicyExpression.BinaryOperator, Int)? {
        switch current.kind {
        case .equal: return (.equal, 1)
        case .notEqual: return (.notEqual, 1)
        case .less: return (.less, 1)
        case .lessEqual: return (.lessEqual, 1)
        case .greater: return (.greater, 1)
        case .greaterEqual: return (.greaterEqual, 1)
        case .plus: return (.add, 1)
        case .minus: return (.subtract, 1)
        case .star: return (.multiply, 1)
        case .slash: return (.divide, 1)
        case .identifier(let word):
            switch word {
            case "or": return (.or, 1)
            case "and": return (.and, 1)
            case "in": return (.in, 1)
            case "matches": return (.matches, 1)
            case "has": return (.has, 1)
            case "not" where peek().isIdentifier("in"): return (.notIn, 2)
            default: return nil
            }
        default: return nil
        }
    }

    private mutating func parsePrefix() throws(Failure) -> PolicyExpression {
        let start = current
        if atKeyword("not") {
            advance()
            // `not` binds looser than comparisons: `not a == b` is `not (a == b)`.
            let operand = try parseExpression(minimumPrecedence: 3)
            return PolicyExpression(.unary(.not, operand), range: range(from: start))
        }
        if current.kind == .minus {
            advance()
            let operand = try parseExpression(minimumPrecedence: 7)
            return PolicyExpression(.unary(.negate, operand), range: range(from: start))
        }
        return try parsePrimary()
    }

    private static let reservedInExpressions: Set<String> = ["and", "or", "not", "in", "matches", "has", "when"]

    private mutating func parsePrimary() throws(Failure) -> PolicyExpression {
        let start = current
        if atDeclarationStart(current) {
            throw failure(
                "expected a value or a field, found the next declaration",
                notes: ["a line that starts with `\(current.text)` begins a new declaration; indent it to continue"])
        }
        switch current.kind {
        case .integer(let value):
            advance()
            return PolicyExpression(.integer(value), range: start.range, text: start.text)
        case .float(let value):
            advance()
            return PolicyExpression(.float(value), range: start.range, text: start.text)
        case .string(let value):
            advance()
            return PolicyExpression(.string(value), range: start.range, text: start.text)
        case .duration(let value):
            advance()
            return PolicyExpression(.duration(value), range: start.range, text: start.text)
        case .timestamp(let value):
            advance()
            return PolicyExpression(.timestamp(value), range: start.range, text: start.text)
        case .leftParen:
            advance()
            let inner = try parseExpression()
            guard current.kind == .rightParen else { throw unexpected("`)`") }
            advance()
            return PolicyExpression(inner.kind, range: range(from: start), text: inner.text)
        case .leftBracket:
            advance()
            var items: [PolicyExpression] = []
            while current.kind != .rightBracket {
                items.append(try parseExpression())
                if current.kind == .comma {
                    advance()
                } else if current.kind != .rightBracket {
                    throw unexpected("`,` or `]` in the list")
                }
            }
            advance()
            return PolicyExpression(.list(items), range: range(from: start))
        case .identifier(let word):
            switch word {
            case "true", "false":
                advance()
                return PolicyExpression(.bool(word == "true"), range: start.range, text: word)
            case "null":
                advance()
                return PolicyExpression(.null, range: start.range, text: word)
            case _
            where ["any", "all", "count"].contains(word)
                && (peek().isIdentifier("change") || peek().isIdentifier("file")):
                advance()
                let domain = PolicyExpression.Domain(rawValue: advance().identifier!)!
                guard current.kind == .leftParen else {
                    throw unexpected("`(` and a condition after `\(word) \(domain.rawValue)`")
                }
                advance()
                let body = try parseExpression()
                guard current.kind == .rightParen else { throw unexpected("`)`") }
                advance()
                return PolicyExpression(
                    .quantifier(PolicyExpression.Quantifier(rawValue: word)!, domain, body), range: range(from: start))
            case _
            where ["any", "all", "count"].contains(word) && peek().identifier != nil && peek(2).kind == .leftParen:
                throw failure(
                    "expected `change` or `file` after `\(word)`", at: peek(),
                    notes: Suggestion.didYouMean(peek().text, in: ["change", "file"]))
            case _ where Self.reservedInExpressions.contains(word):
                throw unexpected("a value or a field")
            default:
                advance()
                if current.kind == .leftParen {
                    advance()
                    var arguments: [PolicyExpression] = []
                    while current.kind != .rightParen {
                        arguments.append(try parseExpression())
                        if current.kind == .comma {
                            advance()
                        } else if current.kind != .rightParen {
                            throw unexpected("`,` or `)` in the call of `\(word)`")
                        }
                    }
                    advance()
                    return PolicyExpression(.call(name: word, arguments: arguments), range: range(from: start))
                }
                return PolicyExpression(.name(word), range: start.range, text: word)
            }
        default:
            throw unexpected("a value or a field")
        }
    }
}
