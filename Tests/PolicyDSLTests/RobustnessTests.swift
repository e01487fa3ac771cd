import PolicyDSL
import TestSupport
import Testing

/// Mutated policies must never crash or hang the lexer, parser, checker or formatter: each one
/// either compiles or gives diagnostics.
@Suite("Robustness")
struct RobustnessTests {
    /// Rough tokens of a policy: words, numbers, strings, comments, punctuation, whitespace.
    static func pieces(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var inString = false
        for c in text {
            if inString {
                current.append(c)
                if c == "\"" {
                    out.append(current)
                    current = ""
                    inString = false
                }
                continue
            }
            if c == "\"" {
                if !current.isEmpty { out.append(current) }
                current = "\""
                inString = true
            } else if c.isLetter || c.isNumber || c == "_" || c == "." || c == ":" {
                current.append(c)
            } else {
                if !current.isEmpty { out.append(current) }
                current = ""
                out.append(String(c))
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// A string token with a 75,000-character run spliced into it: a glob segment, a key-path
    /// segment or a name far beyond every limit, made of letters or of wildcards.
    static func lengthened(_ token: String, using rng: inout SeededGenerator) -> String {
        let runs = ["a", "*", "*a", "?", "[", "**/", "a.", "\\"]
        let run = String(repeating: runs.randomElement(using: &rng)!, count: 75_000 / 2)
        guard token.count >= 2 else { return "\"" + run + "\"" }
        let inner = token.dropFirst().dropLast()
        let cut = inner.index(inner.startIndex, offsetBy: Int.random(in: 0...inner.count, using: &rng))
        return "\"" + inner[..<cut] + run + inner[cut...] + "\""
    }

    /// Nesting of every construct that recurses, past the parser's limits (but not by so much
    /// that 10,000 mutants get slow: `deepNesting` tries 100,000 levels).
    static func deep(using rng: inout SeededGenerator) -> String {
        let openers = ["(", "not ", "[", "- ", "head(", "any change (", "count file (", "(true or "]
        let opener = openers.randomElement(using: &rng)!
        return String(repeating: opener, count: Int.random(in: 150...600, using: &rng))
    }

    @Test("10,000 mutated policies compile or give diagnostics, never crash or hang")
    func mutations() {
        var seeds = Corpus.shippedPolicies + [Corpus.everyConstruct]
        if let design = Corpus.designExample { seeds.append(design) }
        var rng = SeededGenerator(seed: 42)
        let extras = [
            "(", ")", "[", "]", "{", "}", ",", "\"", "==", "-", "when", "and", "not", "any", "change", "#", "\n", "1e",
            "2026-", "\\",
        ]
        var compiled = 0
        var diagnosed = 0
        var longTokens = 0
        var deepNests = 0
        for iteration in 0..<10_000 {
            let seed = seeds[iteration % seeds.count]
            var tokens = Self.pieces(seed.text)
            let edits = Int.random(in: 1...4, using: &rng)
            for _ in 0..<edits where !tokens.isEmpty {
                let i = Int.random(in: 0..<tokens.count, using: &rng)
                // A few edits are hostile in size: a huge token (1 in 100) or deep nesting (2 in
                // 100), rare enough that the suite stays fast; the seed makes them the same each run.
                switch Int.random(in: 0..<100, using: &rng) {
                case 0:
                    let strings = tokens.indices.filter { tokens[$0].hasPrefix("\"") }
                    let j = strings.randomElement(using: &rng) ?? i
                    tokens[j] = Self.lengthened(tokens[j], using: &rng)
                    longTokens += 1
                    continue
                case 1, 2:
                    tokens.insert(Self.deep(using: &rng), at: i)
                    deepNests += 1
                    continue
                default: break
                }
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: tokens.remove(at: i)
                case 1: tokens.insert(tokens.randomElement(using: &rng)!, at: i)
                case 2: tokens.insert(extras.randomElement(using: &rng)!, at: i)
                case 3:
                    let j = Int.random(in: 0..<tokens.count, using: &rng)
                    tokens.swapAt(i, j)
                default: tokens.removeSubrange(i...)
                }
            }
            let source = SourceFile(path: "mutant-\(iteration).policy", text: tokens.joined())
            let result = PolicyCompiler.compile([source])
            if result.program != nil {
                compiled += 1
                _ = PolicyFormatter.format(source)
            } else {
                #expect(!result.errors.isEmpty, "refused without an error: \(source.text)")
                for error in result.errors {
                    #expect(error.location.line >= 1 && error.location.column >= 1)
                }
                _ = result.rendered
                diagnosed += 1
            }
        }
        #expect(compiled + diagnosed == 10_000)
        #expect(diagnosed > 5_000, "the mutations should mostly break the policies")
        #expect(longTokens > 150 && deepNests > 300, "\(longTokens) long tokens, \(deepNests) deep nestings")
    }

    @Test("deeply nested input is an error, not a stack overflow")
    func deepNesting() {
        let deep = "policy \"d\"\ndeny \"x\" when " + String(repeating: "(", count: 100_000) + "true"
        let result = PolicyCompiler.compile([SourceFile(path: "deep.policy", text: deep)])
        #expect(result.errors.first?.message == "expression nested too deeply")
        let chain =
            "policy \"d\"\ndeny \"x\" when " + (0..<5_000).map { "actor == \"a\($0)@x\"" }.joined(separator: " or ")
        let long = PolicyCompiler.compile([SourceFile(path: "long.policy", text: chain)])
        #expect(long.errors.first?.message == "expression too long: more than 200 operators")
        _ = PolicyFormatter.format(SourceFile(path: "long.policy", text: chain))
        let negations = "policy \"d\"\ndeny \"x\" when " + String(repeating: "not ", count: 100_000) + "true"
        #expect(!PolicyCompiler.compile([SourceFile(path: "deep.policy", text: negations)]).errors.isEmpty)
    }

    /// Every construct the parser recurses through, nested far past the limit: each is a
    /// positioned error (the parser's one recursive entry, `parseExpression`, counts the depth;
    /// `deepNesting` tries 100,000 levels).
    @Test(
        "every recursive construct nested 5,000 deep is an error at file:line:column",
        arguments: [
            ("(", "expression nested too deeply"), ("not ", "expression nested too deeply"),
            ("- ", "expression nested too deeply"), ("[", "expression nested too deeply"),
            ("head(", "expression nested too deeply"), ("any change (", "expression nested too deeply"),
            ("all file (", "expression nested too deeply"), ("count change (", "expression nested too deeply"),
            ("(true and ", "expression nested too deeply"),
            // Each `in` is an operator of the level it is on as well.
            ("x in [", "expression too long: more than 200 operators"),
        ])
    func deepNestingOfEach(opener: String, message: String) {
        let text = "policy \"d\"\ndeny \"x\" when " + String(repeating: opener, count: 5_000) + "true"
        let result = PolicyCompiler.compile([SourceFile(path: "deep.policy", text: text)])
        #expect(result.program == nil)
        let first = result.errors.first
        #expect(first?.message == message, "\(opener): \(first?.description ?? "no error")")
        #expect(first?.location.path == "deep.policy" && first?.location.line == 2)
        _ = result.rendered
        _ = PolicyFormatter.format(SourceFile(path: "deep.policy", text: text))
    }
}
