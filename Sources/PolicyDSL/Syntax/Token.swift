/// A lexical token of the policy language.
public struct Token: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case identifier(String)
        case string(String)
        case integer(Int)
        case float(Double)
        /// A duration in seconds (`30s`, `15m`, `6h`, `2d`, `1w`, `1h30m`).
        case duration(Int)
        /// An ISO 8601 date or date-time, as seconds since the Unix epoch (UTC).
        case timestamp(Int)
        case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
        case comma, assign
        case equal, notEqual, less, lessEqual, greater, greaterEqual
        case plus, minus, star, slash
        /// Something the lexer could not read; a diagnostic says why.
        case invalid
        case endOfFile
    }

    public var kind: Kind
    public var range: SourceRange
    /// The source text of the token, kept so that `fmt` writes numbers and times as written.
    public var text: String
    /// True for the first token on its line: declarations start there, which is where error
    /// recovery resumes.
    public var startsLine: Bool

    public var identifier: String? {
        if case .identifier(let name) = kind { return name }
        return nil
    }

    func isIdentifier(_ name: String) -> Bool { identifier == name }
}

/// A `# comment`, kept for `fmt`.
public struct Comment: Sendable, Hashable {
    public var text: String
    public var range: SourceRange
    /// True when nothing but whitespace precedes it on its line.
    public var ownLine: Bool
}

extension Token.Kind {
    /// How diagnostics name a token kind.
    var spelling: String {
        switch self {
        case .identifier(let name): "`\(name)`"
        case .string: "a string"
        case .integer, .float: "a number"
        case .duration: "a duration"
        case .timestamp: "a timestamp"
        case .leftParen: "`(`"
        case .rightParen: "`)`"
        case .leftBracket: "`[`"
        case .rightBracket: "`]`"
        case .leftBrace: "`{`"
        case .rightBrace: "`}`"
        case .comma: "`,`"
        case .assign: "`=`"
        case .equal: "`==`"
        case .notEqual: "`!=`"
        case .less: "`<`"
        case .lessEqual: "`<=`"
        case .greater: "`>`"
        case .greaterEqual: "`>=`"
        case .plus: "`+`"
        case .minus: "`-`"
        case .star: "`*`"
        case .slash: "`/`"
        case .invalid: "an invalid token"
        case .endOfFile: "the end of the file"
        }
    }
}
