/// A glob over separated names: `**` is any number of whole segments (zero included), `*` any run
/// of characters within a segment, `?` one character, `[a-z]` / `[!x]` a class, `\` escapes.
///
/// Used for file paths (`db/**/*.yaml`, separator `/`) and by the policy language's `matches`.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    public let separator: Character
    private let segments: [Segment]

    private enum Segment: Hashable {
        case anyDepth
        case pattern([Token])
    }

    private enum Token: Hashable {
        case literal(Character)
        case anyRun
        case anyOne
        case characterClass(negated: Bool, ranges: [ClosedRange<Character>])
    }

    /// A glob.
    ///
    /// - Parameters:
    ///   - pattern: `**` any number of segments, `*` within one, `?`, `[…]`.
    ///   - separator: The segment separator: `/` for paths.
    public init(_ pattern: String, separator: Character = "/") {
        self.pattern = pattern
        self.separator = separator
        self.segments = Self.split(pattern, separator).map { text in
            text == "**" ? .anyDepth : .pattern(Self.tokens(text))
        }
    }

    public var description: String { pattern }

    /// True when the glob matches all of `text`.
    ///
    /// - Parameter text: The text.
    /// - Returns: Whether the glob matches all of it.
    public func matches(_ text: String) -> Bool {
        Self.match(segments[...], split(text)[...])
    }

    /// `text` split at the separator into character arrays, to match many globs against once.
    func split(_ text: String) -> [[Character]] {
        text.split(separator: separator, omittingEmptySubsequences: false).map { Array($0) }
    }

    /// Text split once at a separator, to be tried against many globs of that separator.
    public struct Parts: Sendable {
        fileprivate let segments: [[Character]]

        /// Text split at `separator`.
        ///
        /// - Parameters:
        ///   - text: The text.
        ///   - separator: The globs' separator.
        public init(_ text: String, separator: Character = "/") {
            segments = text.split(separator: separator, omittingEmptySubsequences: false).map { Array($0) }
        }
    }

    /// True when the glob matches all of the text `parts` was split from (at the same separator).
    ///
    /// - Parameter parts: The split text.
    /// - Returns: Whether the glob matches all of it.
    public func matches(_ parts: Parts) -> Bool {
        Self.match(segments[...], parts.segments[...])
    }

    /// Matches text already split with ``split(_:)``.
    func matches(parts: [[Character]]) -> Bool {
        Self.match(segments[...], parts[...])
    }

    /// Matches `text` as a single segment (for globs built with a separator that never occurs),
    /// without splitting it.
    func matchesSegment(_ text: String) -> Bool {
        guard segments.count == 1, case .pattern(let tokens) = segments[0] else { return matches(text) }
        return Self.matchSegment(tokens, Array(text))
    }

    /// True when the pattern has no wildcard at all.
    public var isLiteral: Bool {
        segments.allSatisfy {
            if case .pattern(let tokens) = $0 {
                return tokens.allSatisfy { if case .literal = $0 { true } else { false } }
            }
            return false
        }
    }

    /// The leading segments free of wildcards, excluding the last one, joined by the separator:
    /// `db/prod` for `db/prod/*.yaml`, `""` for `*.yaml`.
    public var literalDirectoryPrefix: String? {
        var literal: [String] = []
        for segment in segments.dropLast() {
            guard case .pattern(let tokens) = segment else { break }
            var text = ""
            for token in tokens {
                guard case .literal(let c) = token else { return literal.joined(separator: String(separator)) }
                text.append(c)
            }
            literal.append(text)
        }
        return literal.joined(separator: String(separator))
    }

    /// The length in characters of each segment of `pattern` (escapes included), for the
    /// policy checker's limits.
    static func segmentLengths(_ pattern: String, separator: Character = "/") -> [Int] {
        split(pattern, separator).map(\.count)
    }

    private static func split(_ pattern: String, _ separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for c in pattern {
            if escaped {
                current.append("\\")
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == separator {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if escaped { current.append("\\") }
        parts.append(current)
        return parts
    }

    private static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text)
        var i = 0
        // Once a `[` finds no `]`, no later one can: they are literals, without scanning again
        // (which would be quadratic in a run of `[`).
        var classesClose = true
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                i += 1
                tokens.append(.literal(i < chars.count ? chars[i] : "\\"))
            case "*":
                if tokens.last != .anyRun { tokens.append(.anyRun) }
            case "?":
                tokens.append(.anyOne)
            case "[":
                if classesClose, let (token, next) = characterClass(chars, from: i) {
                    tokens.append(token)
                    i = next
                    continue
                }
                classesClose = false
                tokens.append(.literal("["))
            default:
                tokens.append(.literal(c))
            }
            i += 1
        }
        return tokens
    }

    private static func characterClass(_ chars: [Character], from start: Int) -> (Token, Int)? {
        var i = start + 1
        var negated = false
        if i < chars.count, chars[i] == "!" || chars[i] == "^" {
            negated = true
            i += 1
        }
        var ranges: [ClosedRange<Character>] = []
        var first = true
        while i < chars.count, chars[i] != "]" || first {
            first = false
            let low = chars[i]
            if i + 2 < chars.count, chars[i + 1] == "-", chars[i + 2] != "]", low <= chars[i + 2] {
                ranges.append(low...chars[i + 2])
                i += 3
            } else {
                ranges.append(low...low)
                i += 1
            }
        }
        guard i < chars.count else { return nil }
        return (.characterClass(negated: negated, ranges: ranges), i + 1)
    }

    /// Segment-level matching: `**` is to segments what `*` is to characters, so the same
    /// iterative two-pointer walk applies (no recursion, O(pattern × text) segment tests).
    private static func match(_ pattern: ArraySlice<Segment>, _ parts: ArraySlice<[Character]>) -> Bool {
        var steps = 0
        return match(pattern, parts, steps: &steps)
    }

    /// ``match(_:_:)`` counting its steps (segment and character tests), so that tests can bound
    /// the work.
    private static func match(_ pattern: ArraySlice<Segment>, _ parts: ArraySlice<[Character]>, steps: inout Int)
        -> Bool
    {
        // Without `**`, segments pair up one to one: no search needed.
        if !pattern.contains(.anyDepth) {
            guard pattern.count == parts.count else { return false }
            return zip(pattern, parts).allSatisfy { segment, part in
                if case .pattern(let tokens) = segment { return matchSegment(tokens, part, steps: &steps) }
                return false
            }
        }
        let p0 = pattern.startIndex
        let t0 = parts.startIndex
        var inner = 0
        let matched = Wildcard.match(
            patternCount: pattern.count, textCount: parts.count, steps: &steps,
            isStar: { pattern[p0 + $0] == .anyDepth },
            matchesOne: { p, t in
                if case .pattern(let tokens) = pattern[p0 + p] {
                    return matchSegment(tokens, parts[t0 + t], steps: &inner)
                }
                return false
            })
        steps += inner
        return matched
    }

    /// The steps ``matches(_:)`` takes on `text`, and its answer (for tests that bound the work).
    func matchSteps(_ text: String) -> (matches: Bool, steps: Int) {
        var steps = 0
        let matched = Self.match(segments[...], split(text)[...], steps: &steps)
        return (matched, steps)
    }

    /// Wildcard matching within one segment. O(pattern × text) at worst, never exponential.
    private static func matchSegment(_ tokens: [Token], _ text: [Character]) -> Bool {
        var steps = 0
        return matchSegment(tokens, text, steps: &steps)
    }

    /// ``matchSegment(_:_:)`` counting its steps, so that tests can bound the work.
    private static func matchSegment(_ tokens: [Token], _ text: [Character], steps: inout Int) -> Bool {
        Wildcard.match(
            patternCount: tokens.count, textCount: text.count, steps: &steps,
            isStar: { tokens[$0] == .anyRun },
            matchesOne: { matchesOne(tokens[$0], text[$1]) })
    }

    private static func matchesOne(_ token: Token, _ c: Character) -> Bool {
        switch token {
        case .anyRun: false
        case .anyOne: true
        case .literal(let l): l == c
        case .characterClass(let negated, let ranges): ranges.contains { $0.contains(c) } != negated
        }
    }

    /// True when some text matches both globs (same separator). Exact for these glob shapes: a
    /// dynamic program over both patterns at once, with `**` absorbing whole segments and `*` runs
    /// of characters. The work is bounded: past ``defaultOverlapBudget`` cells it answers true
    /// ("may overlap"), the safe side for a caller that only warns when nothing overlaps.
    ///
    /// - Parameter other: Another glob.
    /// - Returns: Whether some text matches both (true when the budget runs out).
    public func overlaps(_ other: Glob) -> Bool {
        var budget = Self.defaultOverlapBudget
        return overlaps(other, budget: &budget) ?? true
    }

    /// Dynamic-program cells one ``overlaps(_:)`` may visit (and all of a policy's warnings
    /// together): 2²², thousands of times what usual patterns need, and a few hundred
    /// milliseconds at most.
    public static let defaultOverlapBudget = 1 << 22

    /// ``overlaps(_:)`` drawing on a shared `budget` of cells; nil once it is spent.
    ///
    /// - Parameters:
    ///   - other: Another glob.
    ///   - budget: Cells left; decreased by the work done.
    /// - Returns: Whether some text matches both; nil when the budget ran out.
    public func overlaps(_ other: Glob, budget: inout Int) -> Bool? {
        let a = segments
        let b = other.segments
        // Cell (i, j): some text matches both `a[..<i]` and `b[..<j]` with their ends aligned.
        // Every move increases i or j, so one row at a time, left to right, sees every cell after
        // the cells that reach it.
        var row = [Bool](repeating: false, count: b.count + 1)
        row[0] = true
        for i in 0...a.count {
            // A row costs its width whether or not its cells are reachable.
            budget -= b.count + 1
            if budget < 0 { return nil }
            var next = [Bool](repeating: false, count: b.count + 1)
            for j in 0...b.count where row[j] {
                switch (i < a.count ? a[i] : nil, j < b.count ? b[j] : nil) {
                case (nil, nil):
                    return true
                case (.anyDepth?, _):
                    next[j] = true
                    if j < b.count { row[j + 1] = true }
                case (_, .anyDepth?):
                    row[j + 1] = true
                    if i < a.count { next[j] = true }
                case (.pattern(let x)?, .pattern(let y)?):
                    guard let overlap = Self.segmentsOverlap(x, y, budget: &budget) else { return nil }
                    if overlap { next[j + 1] = true }
                default:
                    break
                }
            }
            // Nothing reachable in the next row: nothing further is.
            guard next.contains(true) else { return false }
            row = next
        }
        return false
    }

    /// Whether some segment matches both token lists: the same row-by-row dynamic program, with
    /// `*` in the place of `**`. O(|a| × |b|) cells, two rows of memory.
    private static func segmentsOverlap(_ a: [Token], _ b: [Token], budget: inout Int) -> Bool? {
        var row = [Bool](repeating: false, count: b.count + 1)
        row[0] = true
        for i in 0...a.count {
            budget -= b.count + 1
            if budget < 0 { return nil }
            var next = [Bool](repeating: false, count: b.count + 1)
            for j in 0...b.count where row[j] {
                let x = i < a.count ? a[i] : nil
                let y = j < b.count ? b[j] : nil
                if x == nil, y == nil { return true }
                if x == .anyRun {
                    next[j] = true
                    if y != nil { row[j + 1] = true }
                } else if y == .anyRun {
                    row[j + 1] = true
                    if x != nil { next[j] = true }
                } else if let x, let y, charactersOverlap(x, y) {
                    next[j + 1] = true
                }
            }
            guard next.contains(true) else { return false }
            row = next
        }
        return false
    }

    private static func charactersOverlap(_ x: Token, _ y: Token) -> Bool {
        switch (x, y) {
        case (.literal(let c), .literal(let d)): return c == d
        case (.literal(let c), _): return matchesOne(y, c)
        case (_, .literal(let d)): return matchesOne(x, d)
        case (.characterClass(false, let r1), .characterClass(false, let r2)):
            return r1.contains { one in r2.contains { one.overlaps($0) } }
        default: return true
        }
    }
}

/// Wildcard matching by the two-pointer method, for characters within a segment (`*`) and for
/// segments (`**`) alike: every other pattern element matches exactly one text element, so on a
/// mismatch it is enough to retry from the last star one element further. Iterative, and at most
/// O(pattern × text) element tests, whatever the input.
enum Wildcard {
    @inline(__always)
    static func match(
        patternCount: Int, textCount: Int, steps: inout Int, isStar: (Int) -> Bool, matchesOne: (Int, Int) -> Bool
    ) -> Bool {
        var p = 0
        var t = 0
        var star: Int? = nil
        var starText = 0
        while t < textCount {
            steps += 1
            if p < patternCount, !isStar(p), matchesOne(p, t) {
                p += 1
                t += 1
            } else if p < patternCount, isStar(p) {
                star = p
                starText = t
                p += 1
            } else if let s = star {
                p = s + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < patternCount, isStar(p) { p += 1 }
        return p == patternCount
    }
}
