import PolicyDSL
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

    @Test("10,000 mutated policies compile or give diagnostics, never crash or hang")
    func mutations() {
        var seeds = Corpus.shippedPolicies + [Corpus.everyConstruct]
        if let design = Corpus.designExample { seeds.append(design) }
        var rng = SplitMix(seed: 42)
        let extras = [
            "(", ")", "[", "]", "{", "}", ",", "\"", "==", "-", "when", "and", "not", "any", "change", "#", "\n", "1e",
            "2026-", "\\",
        ]
        var compiled = 0
        var diagnosed = 0
        for iteration in 0..<10_000 {
            let seed = seeds[iteration % seeds.count]
            var tokens = Self.pieces(seed.text)
            let edits = Int.random(in: 1...4, using: &rng)
            for _ in 0..<edits where !tokens.isEmpty {
                let i = Int.random(in: 0..<tokens.count, using: &rng)
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
}

struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
