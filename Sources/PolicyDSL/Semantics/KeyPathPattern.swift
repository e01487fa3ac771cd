/// Key paths (`members[name=db-2].priority`, `labels."app.kubernetes.io/name"`) split into
/// segments, and patterns over them: `*` is one segment (a key or a list item), `**` any number,
/// `[*]` any list item, and `*` inside a key (`fail*`) a run of characters.
public struct KeyPathPattern: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let segments: [Segment]

    enum Segment: Hashable {
        case anyDepth
        case anyOne
        case key(Glob)
        case item(Glob)
    }

    /// Parses `pattern`; returns nil with a reason when it is malformed.
    public static func parse(_ pattern: String) -> Result<KeyPathPattern, PatternError> {
        switch KeyPathSyntax.split(pattern) {
        case .failure(let error): return .failure(error)
        case .success(let parts):
            let segments = parts.map { part -> Segment in
                switch part {
                case .key("**", quoted: false): .anyDepth
                case .key("*", quoted: false): .anyOne
                case .key(let text, let quoted): .key(quoted ? Glob(escaping: text) : Glob(text, separator: "\u{0}"))
                case .item(let text): .item(Glob(text, separator: "\u{0}"))
                }
            }
            return .success(KeyPathPattern(pattern: pattern, segments: segments))
        }
    }

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
    public func matches(_ keyPath: String) -> Bool {
        guard case .success(let parts) = KeyPathSyntax.split(keyPath) else { return false }
        var failed = Set<Int>()
        let width = parts.count + 1
        func go(_ p: Int, _ t: Int) -> Bool {
            if failed.contains(p * width + t) { return false }
            let result: Bool
            if p == segments.count {
                result = t == parts.count
            } else {
                switch segments[p] {
                case .anyDepth:
                    result = (t...parts.count).contains { go(p + 1, $0) }
                case .anyOne:
                    result = t < parts.count && go(p + 1, t + 1)
                case .key(let glob):
                    if t < parts.count, case .key(let text, _) = parts[t] {
                        result = glob.matches(text) && go(p + 1, t + 1)
                    } else {
                        result = false
                    }
                case .item(let glob):
                    if t < parts.count, case .item(let text) = parts[t] {
                        result = glob.matches(text) && go(p + 1, t + 1)
                    } else {
                        result = false
                    }
                }
            }
            if !result { failed.insert(p * width + t) }
            return result
        }
        return go(0, 0)
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
            case .key(let glob), .item(let glob):
                if glob.isLiteral { literal += 1 }
                characters += glob.pattern.count
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
