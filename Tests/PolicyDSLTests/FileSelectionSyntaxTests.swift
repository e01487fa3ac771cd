import PolicyDSL
import Testing

/// `files … except … detect … as …` and `ignore`: parsed, checked with positions, formatted back.
@Suite("files: except, detect and ignore")
struct FileSelectionSyntaxTests {
    private func compile(_ text: String) -> PolicyCompiler.Result {
        PolicyCompiler.compile([SourceFile(path: "p.policy", text: text)])
    }

    @Test("except and ignore become each line's exclusions; detect without globs takes the system's files")
    func selectors() throws {
        let result = compile(
            """
            policy "p"
            files "k8s/**/*.yaml" except "**/templates/**", "k8s/vendor/**"
            files detect patroni
            files "conf/*.conf" detect sentinel
            ignore "**/node_modules/**"
            """)
        #expect(result.diagnostics.isEmpty, "\(result.rendered)")
        let program = try #require(result.program)
        #expect(program.fileSelectors.count == 3)
        #expect(program.fileSelectors[0].patterns == ["k8s/**/*.yaml"])
        #expect(program.fileSelectors[0].excluded == ["**/templates/**", "k8s/vendor/**", "**/node_modules/**"])
        #expect(program.fileSelectors[0].detect == nil)
        #expect(program.fileSelectors[1].patterns == ["**/*.yaml", "**/*.yml"])
        #expect(program.fileSelectors[1].detect == "patroni")
        #expect(program.fileSelectors[1].excluded == ["**/node_modules/**"])
        // Sentinel's syntax is not INI: a detect line reads it as Redis's own.
        #expect(program.fileSelectors[2].format == "redis")
        #expect(program.fileSelectors[2].patterns == ["conf/*.conf"])
    }

    @Test("fmt writes the clauses back in order and keeps them")
    func formats() throws {
        let text = """
            policy "p"
            files   "a/*.yaml"  except "a/t/**"   detect cnpg as yaml
            files detect orchestrator
            ignore "x/**",   "y/**"
            """
        let formatted = try #require(PolicyFormatter.format(SourceFile(path: "p.policy", text: text)).text)
        #expect(
            formatted == """
                policy "p"
                files "a/*.yaml" except "a/t/**" detect cnpg as yaml
                files detect orchestrator
                ignore "x/**", "y/**"

                """)
    }

    @Test(
        "mistakes are errors at their place, with what to write",
        arguments: [
            ("files detect patrony", 1, 14, "`detect` does not know `patrony`", "did you mean `patroni`?"),
            ("files except \"x/**\"", 1, 7, "expected a path glob in double quotes, or `detect SYSTEM`", nil),
            ("files \"a\" except", 1, 17, "expected a path glob to leave out", nil),
            ("files \"a\" except \"\"", 1, 18, "an empty path glob matches no file", nil),
            ("ignore", 1, 7, "expected a path glob in double quotes", nil),
            ("files \"a/*.conf\" as redix", 1, 21, "unknown format `redix`", "did you mean `redis`?"),
        ] as [(String, Int, Int, String, String?)])
    func mistakes(text: String, line: Int, column: Int, message: String, note: String?) throws {
        let result = compile("policy \"p\"\n" + text + "\n")
        let error = try #require(result.errors.first, "\(text): no error")
        #expect(error.range.start.line == line + 1, "\(text): \(result.rendered)")
        #expect(error.range.start.column == column, "\(text): \(result.rendered)")
        #expect(error.message.contains(message), "\(text): \(result.rendered)")
        if let note { #expect(error.notes.contains { $0.contains(note) }, "\(text): \(result.rendered)") }
    }

    @Test("a rule's file pattern is checked against detect's own globs")
    func patternWarnings() {
        let result = compile(
            """
            policy "p"
            files detect orchestrator
            deny "x" when any change (file matches "db/*.yaml" and new == 1)
            """)
        #expect(result.diagnostics.contains { $0.message.contains("matches none of the files this policy reads") })
    }
}

/// A declaration cut short at the end of its line is reported there, not at the next line's keyword.
@Suite("Policy lint: a name missing at the end of a line")
struct MissingNameTests {
    @Test("`watch … tag` followed by a new declaration: the tag is missing on line 2, not line 3")
    func tagAtEndOfLine() throws {
        let text = "policy \"p\"\nwatch \"a\" weight 1 tag\nwatch \"b\" weight 2 tag failover\n"
        let result = PolicyCompiler.compile([SourceFile(path: "p.policy", text: text)])
        let error = try #require(result.errors.first, "\(result.rendered)")
        #expect(error.range.start.line == 2, "\(result.rendered)")
        #expect(error.range.start.column == 23, "\(result.rendered)")
        #expect(error.message.contains("expected a tag name, found the end of the line"), "\(result.rendered)")
        #expect(error.message.contains("`watch` declaration"))
    }
}
