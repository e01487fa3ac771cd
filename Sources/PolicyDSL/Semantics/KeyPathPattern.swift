/// Key paths (`members[name=db-2].priority`, `labels."app.kubernetes.io/name"`) split into
/// segments, and patterns over them: `*` is one segment (a key or a list item), `**` any number,
/// `[*]` any list item, and `*` inside a key (`fail*`) a run of characters.
public struct KeyPathPattern: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let segments: [Segment]

    enum Segment: Hashable {
        case anyDepth
        case anyOne
        case key(SegmentMatcher)
        case item(SegmentMatcher)
    }

    /// One segment's test: a plain comparison when the segment has no wildcard (the usual case).
    enum SegmentMatcher: Hashable {
        case literal(String)
        case glob(Glob)

        init(_ glob: Glob, literal: String?) {
            self = literal.map { .literal($0) } ?? .glob(glob)
        }

        func matches(_ text: String) -> Bool {
            switch self {
            case .literal(let literal): literal == text
            case .glob(let glob): glob.matchesSegment(text)
            }
        }

        var pattern: String {
            switch self {
            case .literal(let literal): literal
            case .glob(let glob): glob.pattern
            }
        }

        var isLiteral: Bool {
            if case .literal = self { return true }
            return false
        }
    }

    /// Parses `pattern`; returns nil with a reason when it is malformed.
    ///
    /// - Parameter pattern: A key pattern as a `watch` writes it.
    /// - Returns: The pattern, or why it is malformed.
    public static func parse(_ pattern: String) -> Result<KeyPathPattern, PatternError> {
        switch KeyPathSyntax.split(pattern) {
        case .failure(let error): return .failure(error)
        case .success(let parts):
            let segments = parts.map { part -> Segment in
                switch part {
                case .key("**", quoted: false): .anyDepth
                case .key("*", quoted: false): .anyOne
                case .key(let text, let quoted):
                    .key(quoted ? .literal(text) : SegmentMatcher.wildcard(text))
                case .item(let text): .item(SegmentMatcher.wildcard(text))
                }
            }
            return .success(KeyPathPattern(pattern: pattern, segments: segments))
        }
    }

    /// Parses `pattern`.
    ///
    /// - Parameter pattern: A key pattern; nil when it is malformed.
    public init?(_ pattern: String) {
        guard case .success(let parsed) = Self.parse(pattern) else { return nil }
        self = parsed
    }

    private init(pattern: String, segments: [Segment]) {
        self.pattern = pattern
        self.segments = segments
    }

    public var description: String { pattern }

    /// True when the pattern matches the whole key path.
    ///
    /// - Parameter keyPath: A setting's key path.
    /// - Returns: Whether the pattern matches all of it.
    public func matches(_ keyPath: String) -> Bool {
        guard case .success(let parts) = KeyPathSyntax.split(keyPath) else { return false }
        return matches(parts: parts)
    }

    /// Matches a key path already split (split it once, test many patterns).
    func matches(parts: [KeyPathSyntax.Part]) -> Bool {
        // Most patterns end in a literal key (`**.failover.enabled`): compare that first.
        if case .key(.literal(let last))? = segments.last {
            guard case .key(let text, _)? = parts.last, text == last else { return false }
        }
        // Without `**`, segments pair up one to one: no search needed.
        if !segments.contains(.anyDepth) {
            guard segments.count == parts.count else { return false }
            for (segment, part) in zip(segments, parts) {
                switch (segment, part) {
                case (.anyOne, _): continue
                case (.key(let matcher), .key(let text, _)), (.item(let matcher), .item(let text)):
                    if !matcher.matches(text) { return false }
                default: return false
                }
            }
            return true
        }
        // `**` is a star over segments and every other segment matches exactly one part: the
        // iterative two-pointer walk of ``Wildcard`` decides it in O(segments × parts) tests.
        var steps = 0
        return Wildcard.match(
            patternCount: segments.count, textCount: parts.count, steps: &steps,
            isStar: { segments[$0] == .anyDepth },
            matchesOne: { p, t in
                switch (segments[p], parts[t]) {
                case (.anyOne, _): true
                case (.key(let matcher), .key(let text, _)), (.item(let matcher), .item(let text)):
                    matcher.matches(text)
                default: false
                }
            })
    }

    /// The literal keys the pattern names: a key path lacking any of them cannot match.
    var requiredKeys: [String] {
        segments.compactMap { if case .key(.literal(let key)) = $0 { key } else { nil } }
    }

    /// The last segment when it is a literal key: patterns can be indexed by it.
    var lastLiteralKey: String? {
        if case .key(.literal(let last))? = segments.last { return last }
        return nil
    }

    /// How specific the pattern is, to pick the most specific of several that match: more literal
    /// segments first, then fewer `**`, then more literal characters.
    public var specificity: [Int] {
        var literal = 0
        var deep = 0
        var characters = 0
        for segment in segments {
            switch segment {
            case .anyDepth: deep += 1
            case .anyOne: break
            case .key(let matcher), .item(let matcher):
                if matcher.isLiteral { literal += 1 }
                characters += matcher.pattern.count
            }
        }
        return [literal, -deep, characters]
    }
}

/// Why a pattern could not be read.
public struct PatternError: Error, Sendable, Hashable {
    public var message: String
}

/// The lexical structure of key paths, shared by paths and patterns.
enum KeyPathSyntax {
    enum Part: Hashable {
        case key(String, quoted: Bool)
        /// The text inside `[…]`: `name=db-2`, `0`, `*`.
        case item(String)
    }

    static func split(_ text: String) -> Result<[Part], PatternError> {
        // Fast path: no quotes or brackets, just dot-separated keys (most key paths).
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") }
        ) {
            let pieces = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            if !text.isEmpty, pieces.contains(where: { $0.isEmpty }) {
                return .failure(
                    PatternError(
                        message: text.hasSuffix(".") ? "the pattern ends with `.`" : "empty segment between dots"))
            }
            return .success(text.isEmpty ? [] : pieces.map { .key(String(decoding: $0, as: UTF8.self), quoted: false) })
        }
        var parts: [Part] = []
        let chars = Array(text)
        var i = 0
        var expectSegment = true
        while i < chars.count {
            let c = chars[i]
            if c == "[" {
                var j = i + 1
                var content = ""
                var inQuotes = false
                while j < chars.count, inQuotes || chars[j] != "]" {
                    if chars[j] == "\"" {
                        inQuotes.toggle()
                    } else if chars[j] == "\\", inQuotes, j + 1 < chars.count {
                        j += 1
                        content.append(chars[j])
                    } else {
                        content.append(chars[j])
                    }
                    j += 1
                }
                guard j < chars.count else { return .failure(PatternError(message: "`[` without a closing `]`")) }
                parts.append(.item(content))
                i = j + 1
                expectSegment = false
                continue
            }
            if c == "." {
                guard !expectSegment || parts.isEmpty == false else {
                    return .failure(PatternError(message: "empty segment before `.`"))
                }
                if expectSegment { return .failure(PatternError(message: "empty segment between dots")) }
                expectSegment = true
                i += 1
                continue
            }
            if c == "\"" {
                var j = i + 1
                var content = ""
                while j < chars.count, chars[j] != "\"" {
                    if chars[j] == "\\", j + 1 < chars.count {
                        j += 1
                        switch chars[j] {
                        case "n": content.append("\n")
                        case "t": content.append("\t")
                        case "r": content.append("\r")
                        default: content.append(chars[j])
                        }
                    } else {
                        content.append(chars[j])
                    }
                    j += 1
                }
                guard j < chars.count else { return .failure(PatternError(message: "unterminated quoted segment")) }
                parts.append(.key(content, quoted: true))
                i = j + 1
                expectSegment = false
                continue
            }
            if c == "]" { return .failure(PatternError(message: "`]` without an opening `[`")) }
            var j = i
            var content = ""
            while j < chars.count, chars[j] != ".", chars[j] != "[", chars[j] != "]", chars[j] != "\"" {
                content.append(chars[j])
                j += 1
            }
            parts.append(.key(content, quoted: false))
            i = j
            expectSegment = false
        }
        if expectSegment, !parts.isEmpty { return .failure(PatternError(message: "the pattern ends with `.`")) }
        return .success(parts)
    }
}

extension KeyPathPattern.SegmentMatcher {
    /// A segment pattern that may hold `*`, `?` or a class; literal when it holds none.
    static func wildcard(_ text: String) -> Self {
        let glob = Glob(text, separator: "\u{0}")
        return glob.isLiteral && !text.contains("\\") ? .literal(text) : .glob(glob)
    }
}

extension Glob {
    /// A glob matching exactly `text` (its wildcard characters escaped).
    init(escaping text: String) {
        var escaped = ""
        for c in text {
            if "*?[\\".contains(c) { escaped.append("\\") }
            escaped.append(c)
        }
        self.init(escaped, separator: "\u{0}")
    }
}
