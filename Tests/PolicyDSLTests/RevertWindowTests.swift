import PolicyDSL
import Testing

/// `reverts within … stable … over … commits`: the policy sets how far back `reverts` looks and how
/// long a value must have stood to count as known good (issue 14, attack 1).
@Suite("reverts look-back declaration")
struct RevertWindowTests {
    private func compile(_ text: String) -> PolicyCompiler.Result {
        PolicyCompiler.compile([SourceFile(path: "p.policy", text: "policy \"p\"\n" + text)])
    }

    @Test("each part is optional and read in seconds; the formatter writes them back as written")
    func parts() throws {
        let full = try #require(compile("reverts within 30d stable 12h over 200 commits\n").program)
        #expect(full.revertWindow == RevertWindow(within: 30 * 86_400, stable: 12 * 3_600, commits: 200))
        let stableOnly = try #require(compile("reverts stable 2d\n").program)
        #expect(stableOnly.revertWindow == RevertWindow(within: nil, stable: 2 * 86_400, commits: nil))
        #expect(try #require(compile("").program).revertWindow == RevertWindow())
        let source = SourceFile(path: "p.policy", text: "policy \"p\"\n\nreverts   stable 1h30m  within 7d\n")
        #expect(PolicyFormatter.format(source).text?.contains("reverts within 7d stable 1h30m\n") == true)
    }

    @Test("mistakes are errors at their place: no part, a second declaration, an empty window, zero commits")
    func errors() {
        let cases: [(String, Int, Int, String)] = [
            ("reverts\n", 2, 8, "expected `within`, `stable` or `over` after `reverts`"),
            ("reverts within 24\n", 2, 16, "expected a duration after `within`, like 90d"),
            ("reverts over 5\n", 2, 15, "expected `commits` after the number (`over 500 commits`)"),
            ("reverts within 0s\n", 2, 16, "the look-back must be longer than 0s"),
            ("reverts over 0 commits\n", 2, 14, "the look-back must be 1 to 100000 commits"),
            ("reverts within 400d\n", 2, 16, "the look-back can be at most 365d"),
            ("reverts within 9d\nreverts stable 1h\n", 3, 1, "a second `reverts` declaration"),
        ]
        for (text, line, column, message) in cases {
            let result = compile(text)
            let first = result.diagnostics.first { $0.severity == .error }
            #expect(first?.message.hasPrefix(message) == true, "\(text): \(result.rendered)")
            #expect(
                first?.range.start.line == line && first?.range.start.column == column,
                "\(text): \(first?.range.start.line ?? 0):\(first?.range.start.column ?? 0) \(result.rendered)")
        }
    }

    @Test("a stable time as long as the window is a warning: `reverts` could never be true")
    func stableLongerThanWindow() {
        let result = compile("reverts within 1d stable 2d\n")
        #expect(result.program != nil)
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("no value can stay 2d") })
    }

    @Test("`reverts` in a condition is still the field: a risk line ending in it, and `reverts` on a later line")
    func fieldStillReads() throws {
        let program = try #require(
            compile("risk -25 \"revert\" when reverts\nreverts stable 1h\nwarn \"w\" when any change (reverts)\n")
                .program)
        #expect(program.riskLines.count == 1)
        #expect(program.rules.count == 1)
        #expect(program.revertWindow.stable == 3_600)
        // The gate reads the trail's accepted tips only for a policy that asks.
        #expect(program.readsReverts)
        #expect(try #require(compile("reverts stable 1h\nwarn \"w\" when risk > 5\n").program).readsReverts == false)
    }
}
