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

    public init(_ pattern: String, separator: Character = "/") {
        self.pattern = pattern
        self.separator = separator
        self.segments = Self.split(pattern, separator).map { text in
            text == "**" ? .anyDepth : .pattern(Self.tokens(text))
        }
    }

    public var description: String { pattern }

    /// True when the glob matches all of `text`.
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

        public init(_ text: String, separator: Character = "/") {
            segments = text.split(separator: separator, omittingEmptySubsequences: false).map { Array($0) }
        }
    }

    /// True when the glob matches all of the text `parts` was split from (at the same separator).
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
                if let (token, next) = characterClass(chars, from: i) {
                    tokens.append(token)
                    i = next
                    continue
                }
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

    /// Segment-level matching; `**` may absorb any number of segments. Failed (pattern, text)
    /// positions are remembered, so several `**` cost O(segments²) rather than exponential time.
    private static func match(_ pattern: ArraySlice<Segment>, _ parts: ArraySlice<[Character]>) -> Bool {
        // Without `**`, segments pair up one to one: no search needed.
        if !pattern.contains(.anyDepth) {
            guard pattern.count == parts.count else { return false }
            return zip(pattern, parts).allSatisfy { segment, part in
                if case .pattern(let tokens) = segment { return matchSegment(tokens, part) }
                return false
            }
        }
        // With one or two `**` a plain search is at most quadratic and allocates nothing; more
        // `**`s could make it exponential, so those remember what failed.
        if pattern.count(where: { $0 == .anyDepth }) <= 2 {
            func search(_ p: Int, _ t: Int) -> Bool {
                if p == pattern.endIndex { return t == parts.endIndex }
                switch pattern[p] {
                case .anyDepth:
                    return (t...parts.endIndex).contains { search(p + 1, $0) }
                case .pattern(let tokens):
                    return t < parts.endIndex && matchSegment(tokens, parts[t]) && search(p + 1, t + 1)
                }
            }
            return search(pattern.startIndex, parts.startIndex)
        }
        var failed = Set<Int>()
        let width = parts.count + 1
        func go(_ p: Int, _ t: Int) -> Bool {
            if failed.contains(p * width + t) { return false }
            let result: Bool
            if p == pattern.endIndex {
                result = t == parts.endIndex
            } else {
                switch pattern[p] {
                case .anyDepth:
                    result = (t...parts.endIndex).contains { go(p + 1, $0) }
                case .pattern(let tokens):
                    result = t < parts.endIndex && matchSegment(tokens, parts[t]) && go(p + 1, t + 1)
                }
            }
            if !result { failed.insert(p * width + t) }
            return result
        }
        return go(pattern.startIndex, parts.startIndex)
    }

    /// Wildcard matching within one segment with the two-pointer method: on a mismatch, retry from
    /// the last `*` one character further. O(pattern × text) at worst, never exponential.
    private static func matchSegment(_ tokens: [Token], _ text: [Character]) -> Bool {
        var p = 0
        var t = 0
        var star: Int? = nil
        var starText = 0
        while t < text.count {
            if p < tokens.count, matchesOne(tokens[p], text[t]) {
                p += 1
                t += 1
            } else if p < tokens.count, tokens[p] == .anyRun {
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
        while p < tokens.count, tokens[p] == .anyRun { p += 1 }
        return p == tokens.count
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
    /// of characters.
    public func overlaps(_ other: Glob) -> Bool {
        let a = segments
        let b = other.segments
        var memo: [Int: Bool] = [:]
        func go(_ i: Int, _ j: Int) -> Bool {
            let key = i * (b.count + 1) + j
            if let known = memo[key] { return known }
            let result: Bool
            switch (i < a.count ? a[i] : nil, j < b.count ? b[j] : nil) {
            case (nil, nil): result = true
            case (.anyDepth?, _): result = go(i + 1, j) || (j < b.count && go(i, j + 1))
            case (_, .anyDepth?): result = go(i, j + 1) || (i < a.count && go(i + 1, j))
            case (.pattern(let x)?, .pattern(let y)?): result = Self.segmentsOverlap(x, y) && go(i + 1, j + 1)
            default: result = false
            }
            memo[key] = result
            return result
        }
        return go(0, 0)
    }

    private static func segmentsOverlap(_ a: [Token], _ b: [Token]) -> Bool {
        var memo: [Int: Bool] = [:]
        func go(_ i: Int, _ j: Int) -> Bool {
            let key = i * (b.count + 1) + j
            if let known = memo[key] { return known }
            let result: Bool
            if i == a.count && j == b.count {
                result = true
            } else if i < a.count, a[i] == .anyRun {
                result = go(i + 1, j) || (j < b.count && go(i, j + 1))
            } else if j < b.count, b[j] == .anyRun {
                result = go(i, j + 1) || (i < a.count && go(i + 1, j))
            } else if i < a.count, j < b.count {
                result = charactersOverlap(a[i], b[j]) && go(i + 1, j + 1)
            } else {
                result = false
            }
            memo[key] = result
            return result
        }
        return go(0, 0)
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
