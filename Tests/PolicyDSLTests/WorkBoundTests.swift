import Testing

@testable import PolicyDSL

/// Matching and overlap checks do bounded work whatever the patterns: counted in steps, not timed.
@Suite("Work bounds")
struct WorkBoundTests {
    @Test("a 75,000-character comparison stops at the budget and answers \"may overlap\"")
    func overlapBudget() {
        let long = String(repeating: "a", count: 75_000)
        var budget = 1_000_000
        #expect(Glob(long).overlaps(Glob(long + "b"), budget: &budget) == nil)
        #expect(budget < 0)
    }

    @Test("`*a*a*a…` against a long text takes at most pattern × text steps, never exponential")
    func wildcardWork() {
        for stars in [8, 32, 128] {
            let pattern = String(repeating: "*a", count: stars) + "*b"
            let text = String(repeating: "a", count: 4_000)
            let glob = Glob(pattern, separator: "\u{0}")
            let (matched, steps) = glob.matchSteps(text)
            #expect(!matched)
            // One step per (pattern position, text position) pair at most, plus the final scan.
            let tokens = 2 * stars + 2
            #expect(steps <= (tokens + 1) * (text.count + 1), "\(stars) stars: \(steps) steps")
        }
        // The same with `**` over segments, each an `a*` pattern of its own.
        let segments = Glob(String(repeating: "**/a*/", count: 64) + "b")
        let path = String(repeating: "a/", count: 2_000) + "c"
        let (matched, steps) = segments.matchSteps(path)
        #expect(!matched)
        #expect(steps <= (2 * 64 + 2) * 2_002 * 4, "\(steps) steps")
    }

    @Test("overlap checks cost at most |a| × |b| cells, and the checker shares one budget")
    func overlapWork() {
        // Both leave much reachable, and they cannot overlap: one ends in `a`, the other in `b`.
        let a = Glob(String(repeating: "*a", count: 200))
        let b = Glob(String(repeating: "*b", count: 200))
        var budget = Int.max
        #expect(a.overlaps(b, budget: &budget) == false)
        #expect(Int.max - budget <= (400 + 1) * (400 + 1) + 2, "\(Int.max - budget) cells")
        // Many long `file matches` against many long `files` globs: the warnings stop, the policy compiles.
        let glob = "\"db/" + String(repeating: "*x", count: 120) + "/" + String(repeating: "?y", count: 120) + "\""
        var text = "policy \"p\"\n"
        for _ in 0..<10 { text += "files \(glob)\n" }
        let other = String(glob.map { $0 == "y" ? "z" : $0 })
        for i in 0..<10 { text += "risk +1 \"r\(i)\" when file matches \(other)\n" }
        // Each pair costs about 240² cells: 100 pairs spend the policy's budget before the end.
        let result = PolicyCompiler.compile([SourceFile(path: "p.policy", text: text)])
        #expect(result.errors.isEmpty)
        #expect(result.program != nil)
        let warned = result.warnings.filter { $0.message.contains("matches none of the files") }.count
        #expect(warned > 0 && warned < 10, "\(warned) warnings")
    }
}
