import PolicyDSL
import Testing

/// Fail closed, within bounds: input the policy author controls (and a pusher, once the policy is
/// pushed) ends in a positioned diagnostic, in bounded time and stack, never a crash.
@Suite("Limits")
struct LimitsTests {
    private func compile(_ text: String) -> PolicyCompiler.Result {
        PolicyCompiler.compile([SourceFile(path: "p.policy", text: text)])
    }

    private static let long = String(repeating: "a", count: 75_000)

    @Test("a 75,000-character glob segment in `file matches` is an error at its position, not a crash")
    func longGlobSegment() {
        let text = "policy \"p\"\nfiles \"db/**/*.yaml\"\nrisk +1 \"r\" when file matches \"db/\(Self.long)*\"\n"
        let result = compile(text)
        #expect(result.program == nil)
        #expect(
            result.errors.map(\.description) == ["p.policy:3:31: error: string too long: 75004 bytes, at most 4096"])
    }

    @Test("glob and key-path patterns within a string's limit are still bounded per segment and in segments")
    func patternSegments() {
        let segment = String(repeating: "b", count: 300)
        let glob = compile("policy \"p\"\nfiles \"db/\(segment).yaml\"\n")
        #expect(
            glob.errors.map(\.description) == [
                "p.policy:2:7: error: path glob has a segment of 305 characters, at most 255"
            ])
        let deep = Array(repeating: "x", count: 65).joined(separator: "/")
        let matches = compile("policy \"p\"\nfiles \"**\"\ndeny \"d\" when any change (file matches \"\(deep)\")\n")
        #expect(
            matches.errors.map(\.description) == ["p.policy:3:40: error: path glob too long: 65 segments, at most 64"])
        let keys = Array(repeating: "k", count: 65).joined(separator: ".")
        let watch = compile("policy \"p\"\nwatch \"\(keys)\" weight 1\n")
        #expect(
            watch.errors.map(\.description) == [
                "p.policy:2:7: error: key-path pattern too long: 65 segments, at most 64"
            ])
        let key = compile("policy \"p\"\nrisk +1 \"r\" when key matches \"**.\(segment)\"\n")
        #expect(
            key.errors.map(\.description) == [
                "p.policy:2:30: error: key-path pattern has a segment of 300 characters, at most 255"
            ])
        // At the limits, a policy compiles.
        let fits = Array(repeating: String(repeating: "c", count: 60), count: 64).joined(separator: "/")
        #expect(compile("policy \"p\"\nfiles \"\(fits)\"\n").errors.isEmpty)
    }

    @Test("identifiers and string literals have a length limit with file:line:column")
    func tokenLengths() {
        let identifier = compile("policy \"p\"\ngroup \(String(repeating: "g", count: 129)) = [\"a@x\"]\n")
        #expect(
            identifier.errors.first?.description
                == "p.policy:2:7: error: identifier too long: 129 characters, at most 128")
        let string = compile("policy \"\(String(repeating: "s", count: 4_097))\"\n")
        #expect(string.errors.first?.description == "p.policy:1:8: error: string too long: 4097 bytes, at most 4096")
        #expect(compile("policy \"\(String(repeating: "s", count: 4_096))\"\n").errors.isEmpty)
    }

    @Test("Glob: 75,000-character segments and 40,000 segments match and compare without recursion")
    func globOnLongInput() {
        let long = Glob(Self.long)
        #expect(long.matches(Self.long))
        #expect(!long.matches(Self.long + "b"))
        // Comparing two such patterns would take 75,000² cells: past the budget it answers "may overlap".
        #expect(long.overlaps(Glob(Self.long + "b")))
        let starry = Glob(String(repeating: "*a", count: 500) + "*")
        #expect(starry.overlaps(Glob(String(repeating: "a", count: 500))))
        #expect(!starry.overlaps(Glob(String(repeating: "a", count: 499))))
        let deepPath = String(repeating: "d/", count: 40_000) + "x.yaml"
        #expect(Glob(String(repeating: "d/", count: 40_000) + "**").matches(deepPath))
        #expect(Glob("**/" + String(repeating: "d/", count: 40_000) + "*.yaml").matches(deepPath))
        #expect(!Glob("**/" + String(repeating: "d/", count: 501) + "*.yaml").matches(String(deepPath.suffix(1_006))))
        let deepGlob = Glob(String(repeating: "*/**/", count: 20_000) + "x.yaml")
        #expect(deepGlob.overlaps(Glob("**/x.yaml")))
        #expect(
            !Glob(String(repeating: "d/", count: 40_000) + "x").overlaps(
                Glob(String(repeating: "e/", count: 40_000) + "x")))
        // A run of `[` that never closes is literal text, found in linear time.
        let brackets = String(repeating: "[", count: 75_000)
        #expect(Glob(brackets).matches(brackets))
    }

    @Test("KeyPathPattern: 40,000 segments around `**` match without recursion")
    func keyPathOnLongInput() throws {
        let path = Array(repeating: "k", count: 40_000).joined(separator: ".")
        let pattern = try #require(KeyPathPattern("**." + path))
        #expect(pattern.matches(path))
        #expect(!pattern.matches(path + ".x"))
        let many = try #require(KeyPathPattern(Array(repeating: "**.k", count: 20_000).joined(separator: ".")))
        #expect(many.matches(path))
        #expect(!many.matches(Array(repeating: "k", count: 19_999).joined(separator: ".")))
    }

    @Test("nested parentheses holding operator chains are bounded as a tree, not only level by level")
    func expressionHeight() {
        // 20 levels, each a chain of 100 `or`: every level is within its own limits, the tree is not.
        var condition = "true"
        for _ in 0..<20 {
            condition = "(" + condition + String(repeating: " or false", count: 100) + ")"
        }
        let result = compile("policy \"p\"\ndeny \"d\" when \(condition)\n")
        #expect(result.errors.first?.message == "expression nested too deeply")
        #expect(result.errors.first?.location.line == 2)
        // An ordinary long condition is fine.
        let fine = compile("policy \"p\"\ndeny \"d\" when ((true or false) and (false or (true and not false)))\n")
        #expect(fine.errors.isEmpty)
    }

    @Test("an expression just within the tree limit compiles, formats, explains and evaluates off the main thread")
    func expressionAtTheLimit() throws {
        // 3 levels of 84 `or`: 253 levels deep (the limit is 256), each pass recursing as deep.
        var condition = "key == \"a\""
        for _ in 0..<3 {
            condition = "(" + condition + String(repeating: " or key == \"b\"", count: 84) + ")"
        }
        let source = SourceFile(path: "p.policy", text: "policy \"p\"\ndeny \"d\" when any change \(condition)\n")
        let result = PolicyCompiler.compile([source])
        let program = try #require(result.program, "\(result.rendered)")
        guard case .deny(_, let parsed)? = result.syntax.declarations.last?.kind else {
            Issue.record("no deny")
            return
        }
        #expect((250...256).contains(parsed.height), "\(parsed.height) levels")
        #expect(PolicyFormatter.format(source).text != nil)
        #expect(!PolicyExplainer.explain(program).isEmpty)
        let input = EvaluationInput(
            changes: [ChangeInput(file: "a.yaml", key: "a", kind: "modified", old: .integer(1), new: .integer(2))],
            now: 0)
        #expect(Evaluator.evaluate(program, input).verdicts.first?.applies == true)
    }

    @Test("control characters in strings, comments and between tokens are errors with file:line:column")
    func controlCharacters() {
        let nul = compile("policy \"p\"\ndeny \"a\u{0}b\" when false\n")
        #expect(nul.errors.map(\.description) == ["p.policy:2:8: error: control character U+0000 in a string"])
        let comment = compile("policy \"p\" # x\u{1B}[2Jy\n")
        #expect(comment.errors.map(\.description) == ["p.policy:1:15: error: control character U+001B in a comment"])
        let between = compile("policy \"p\"\n\u{7F}\n")
        #expect(between.errors.first?.description == "p.policy:2:1: error: unexpected control character U+007F")
        let c1 = compile("policy \"é\u{85}\"\n")
        #expect(c1.errors.map(\.description) == ["p.policy:1:10: error: control character U+0085 in a string"])
        let carriageReturn = compile("policy \"p\r\"\n")
        #expect(
            carriageReturn.errors.map(\.description) == ["p.policy:1:10: error: control character U+000D in a string"])
        // Tabs, line feeds and CRLF line ends are fine.
        #expect(compile("policy\t\"p\"\r\n# comment\r\ndeny \"a\tb\" when false\r\n").errors.isEmpty)
    }
}
