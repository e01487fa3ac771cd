/// The bounds a policy must stay within. A policy is read by the git hook on every push, so
/// hostile or broken input must end in a positioned diagnostic, within bounded time and stack,
/// never a crash (docs/policy-language.md, "Limits").
public enum PolicyLimits {
    /// Bytes of a string literal, after escapes.
    public static let maxStringBytes = 4_096
    /// Characters of an identifier (a group, a tag, a field).
    public static let maxIdentifierLength = 128
    /// Nesting of parentheses, `not`, `-`, lists, calls and quantifiers in one expression.
    public static let maxNesting = Parser.maxDepth
    /// Binary operators chained at one level (`a or b or …`).
    public static let maxChainedOperators = Parser.maxDepth
    /// Levels of an expression's tree, nesting and chains together.
    public static let maxExpressionHeight = Parser.maxHeight
    /// Segments of a path glob (between `/`) or of a key-path pattern (between `.`).
    public static let maxPatternSegments = 64
    /// Characters of one segment of a path glob or a key-path pattern (a file name has at most 255
    /// bytes on common file systems).
    public static let maxPatternSegmentLength = 255
}
