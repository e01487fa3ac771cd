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
        let parts = text.split(separator: separator, omittingEmptySubsequences: false).map { Array($0) }
        return Self.match(segments[...], parts[...])
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

    private static func match(_ pattern: ArraySlice<Segment>, _ parts: ArraySlice<[Character]>) -> Bool {
        guard let first = pattern.first else { return parts.isEmpty }
        switch first {
        case .anyDepth:
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            var remaining = parts
            while true {
                if match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        case .pattern(let tokens):
            guard let part = parts.first, matchSegment(tokens[...], part[...]) else { return false }
            return match(pattern.dropFirst(), parts.dropFirst())
        }
    }

    private static func matchSegment(_ tokens: ArraySlice<Token>, _ text: ArraySlice<Character>) -> Bool {
        guard let token = tokens.first else { return text.isEmpty }
        switch token {
        case .anyRun:
            let rest = tokens.dropFirst()
            if rest.isEmpty { return true }
            var remaining = text
            while true {
                if matchSegment(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        case .anyOne:
            return !text.isEmpty && matchSegment(tokens.dropFirst(), text.dropFirst())
        case .literal(let c):
            return text.first == c && matchSegment(tokens.dropFirst(), text.dropFirst())
        case .characterClass(let negated, let ranges):
            guard let c = text.first else { return false }
            let inClass = ranges.contains { $0.contains(c) }
            return inClass != negated && matchSegment(tokens.dropFirst(), text.dropFirst())
        }
    }
}
