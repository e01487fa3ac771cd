import Foundation
import PolicyDSL
import Testing

@Suite("Policy compiler, formatter and explainer")
struct PolicyToolsTests {
    @Test(
        "the DESIGN.md example lints clean", .enabled(if: Corpus.designExample != nil, "../shared/DESIGN.md is absent"))
    func designExample() throws {
        let source = try #require(Corpus.designExample)
        let result = PolicyCompiler.compile([source])
        #expect(result.diagnostics.isEmpty, "\(result.rendered)")
        let program = try #require(result.program)
        #expect(program.name == "database-failover")
        #expect(program.watches.count == 4)
        #expect(program.rules.map(\.kind) == [.deny, .deny, .require, .require, .freeze, .warn])
        // The checker decides the scope of each risk line: only the weekend line is per change set.
        #expect(
            program.riskLines.map(\.scope) == [
                .perChange, .perChange, .perChange, .perChange, .perChange, .perChangeSet,
            ])
    }

    @Test("every shipped and documented policy lints clean")
    func shippedAndDocumented() {
        let all = Corpus.shippedPolicies + Corpus.documentedPolicies + [Corpus.everyConstruct]
        for source in all {
            let result = PolicyCompiler.compile([source])
            #expect(result.diagnostics.isEmpty, "\(source.path)\n\(result.rendered)")
        }
    }

    @Test("fmt is idempotent over every policy in the repository and the docs, and keeps every comment")
    func formatIdempotent() throws {
        var all = Corpus.shippedPolicies + Corpus.documentedPolicies + [Corpus.everyConstruct]
        if let design = Corpus.designExample { all.append(design) }
        for source in all {
            let once = try #require(PolicyFormatter.format(source).text, "\(source.path) does not parse")
            let twice = try #require(PolicyFormatter.format(SourceFile(path: source.path, text: once)).text)
            #expect(once == twice, "\(source.path): fmt of fmt differs")
            // Formatting changes layout only: the same declarations, the same comments.
            let before = PolicyCompiler.parse([source]).syntax
            let after = PolicyCompiler.parse([SourceFile(path: source.path, text: once)]).syntax
            #expect(before.declarations.map(\.keyword) == after.declarations.map(\.keyword))
            #expect(before.comments.map(\.text).sorted() == after.comments.map(\.text).sorted(), "\(source.path)")
            #expect(
                PolicyCompiler.compile([SourceFile(path: source.path, text: once)]).diagnostics.count
                    == PolicyCompiler.compile([source]).diagnostics.count)
        }
    }

    @Test("fmt writes the canonical layout")
    func canonicalLayout() throws {
        let messy = SourceFile(
            path: "m.policy",
            text: """
                policy   "m"
                # the DBAs
                group dba    = ["a@example.com","b@example.com"]


                watch "**.ttl"   weight 5   tag failover
                risk 10 "r" when (kind == "added") and ((weekday in ["Sat"]))   # trailing
                require "x" when risk >= 1 {
                  # first
                  reviewers >= 1 from dba
                }  override by dba
                """)
        let formatted = try #require(PolicyFormatter.format(messy).text)
        #expect(
            formatted == """
                policy "m"
                # the DBAs
                group dba = ["a@example.com", "b@example.com"]

                watch "**.ttl" weight 5 tag failover
                risk +10 "r" when kind == "added" and weekday in ["Sat"]  # trailing
                require "x" when risk >= 1 {
                  # first
                  reviewers >= 1 from dba
                } override by dba

                """)
    }

    @Test("explain says which risk lines count per change and which per change set")
    func explain() throws {
        let program = try #require(PolicyCompiler.compile([Corpus.everyConstruct]).program)
        let text = PolicyExplainer.explain(program)
        #expect(text.contains("+30   per change      \"production file\""))
        #expect(text.contains("+10   per change set  \"weekend push\""))
        #expect(text.contains("at least 1 reviewer from group dba, none of them an author or committer"))
        #expect(text.contains("a member of group oncall may override it"))
        #expect(text.contains("weight 40   **.failover.enabled  tags: failover"))
        #expect(text.contains("no change from 2026-11-26T00:00:00Z until 2026-12-01T00:00:00Z"))
    }

    @Test("several errors are reported in one run, each declaration recovered")
    func recovery() {
        let source = SourceFile(
            path: "r.policy",
            text: """
                policy "r"
                deny "a" when risk >
                deny "b" when reviewer > 1
                warn "c" when && true
                risk +5 "ok" when true
                """)
        let result = PolicyCompiler.compile([source])
        #expect(result.errors.map(\.location.line) == [3, 3, 4])
        #expect(
            result.rendered.contains("r.policy:3:1: error: expected a value or a field, found the next declaration"))
        #expect(result.rendered.contains("r.policy:3:15: error: unknown field or group `reviewer`"))
        #expect(result.rendered.contains("r.policy:4:15: error: unexpected `&&`; write `and`"))
    }

    @Test("diagnostics render with the source line, a caret and notes")
    func rendering() {
        let source = SourceFile(path: "p.policy", text: "policy \"p\"\ndeny \"d\" when weekdya == \"Sat\"\n")
        let result = PolicyCompiler.compile([source])
        #expect(
            result.rendered == """
                p.policy:2:15: error: unknown field or group `weekdya`
                 2 | deny "d" when weekdya == "Sat"
                   |               ^~~~~~~
                note: did you mean `weekday`?

                """)
    }

    @Test("warnings: rules that can never fire and patterns that can never match")
    func warnings() {
        let source = SourceFile(
            path: "w.policy",
            text: """
                policy "w"
                files "db/**/*.yaml"
                deny "a" when false
                deny "b" when any change (kind == "moved")
                deny "c" when any change (new == null)
                deny "d" when any change (file matches "**/*.txt")
                warn "e" when weekday in ["Saturday"]
                warn "f" when any change (tags has "failvoer")
                warn "g" when any file (head("bootstrap.dcs.ttl") < 10s)
                """)
        let messages = PolicyCompiler.compile([source]).warnings.map(\.message)
        #expect(messages.contains("this condition is always false: the rule can never fire"))
        #expect(messages.contains("`kind` is never \"moved\": this is always false"))
        #expect(messages.contains("a comparison with null is always false (a missing value is null)"))
        #expect(messages.contains("pattern \"**/*.txt\" matches none of the files this policy reads"))
        #expect(messages.contains("`weekday` is never \"Saturday\""))
        #expect(messages.contains("no `watch` declares tag \"failvoer\": this is never true"))
        #expect(
            messages.contains(
                "values read from configuration files are numbers or strings, never a durations: this is never true"))
    }

    @Test("`secret` lines name key-path patterns whose values are redacted; a bad pattern is an error")
    func secretLines() throws {
        let source = SourceFile(
            path: "s.policy", text: "policy \"s\"\nsecret \"**.conn_string\", \"db.dsn\"\nsecret  \"**.pin\"\n")
        let result = PolicyCompiler.compile([source])
        let program = try #require(result.program, "\(result.errors)")
        #expect(program.secretPatterns.count == 3)
        #expect(program.secretPatterns[0].matches("a.b.conn_string"))
        #expect(!program.secretPatterns[1].matches("db.dsn2"))
        #expect(PolicyFormatter.format(source).text?.contains("secret \"**.pin\"\n") == true)
        let bad = PolicyCompiler.compile([SourceFile(path: "b.policy", text: "policy \"b\"\nsecret \"a..b\"\n")])
        #expect(bad.program == nil)
        #expect(bad.errors.first?.range.start.line == 2)
    }

    @Test("a policy split over several files is one policy; groups may come from a file")
    func multipleFiles() throws {
        let groups = SourceFile(path: "dir/groups.policy", text: "group dba from \"dba.txt\"\n")
        let rules = SourceFile(
            path: "dir/rules.policy",
            text: "policy \"split\"\nrequire \"r\" {\n  reviewers >= 2 from dba\n}\n")
        let result = PolicyCompiler.compile([groups, rules]) { path in
            path == "dir/dba.txt" ? "# DBAs\nalice@example.com\nbob@example.com  # on leave in May\n\n" : nil
        }
        #expect(result.diagnostics.isEmpty, "\(result.rendered)")
        #expect(result.program?.group(named: "dba")?.members == ["alice@example.com", "bob@example.com"])
    }
}
