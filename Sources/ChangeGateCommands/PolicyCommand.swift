import ArgumentParser
import ChangeGate
import Foundation
import PolicyDSL

/// `changegate policy lint|fmt|explain|test`: tools for policy authors.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check, format, explain and test policies.",
        subcommands: [Lint.self, Format.self, Explain.self, PolicyTestCommand.self]
    )

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Report errors and warnings in policies.",
            discussion: "Exit 0 when clean (warnings allowed), 1 when --strict and there are warnings, 2 on errors."
        )

        @Flag(help: "Fail (exit 1) on warnings too.")
        var strict = false

        @Argument(help: "Policy files or directories (a directory's .policy files are one policy).")
        var paths: [String]

        func run() throws {
            var errors = 0
            var warnings = 0
            for path in paths {
                do {
                    let result = try PolicyLoader.compile(at: path)
                    errors += result.errors.count
                    warnings += result.warnings.count
                    if !result.diagnostics.isEmpty { Standard.error(result.rendered) }
                    let status =
                        result.diagnostics.isEmpty
                        ? "ok" : "\(result.errors.count) error(s), \(result.warnings.count) warning(s)"
                    print("\(path): \(status)")
                } catch {
                    Standard.error("\(error)")
                    errors += 1
                }
            }
            if errors > 0 { throw ExitCode.error }
            if strict, warnings > 0 { throw ExitCode.refused }
        }
    }

    struct Format: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fmt",
            abstract: "Rewrite policy files in the canonical layout.",
            discussion: "With --check, change nothing and exit 1 if a file would change. Exit 2 on syntax errors."
        )

        @Flag(help: "Only check; exit 1 when a file is not formatted.")
        var check = false

        @Argument(help: "Policy files or directories.")
        var paths: [String]

        func run() throws {
            var unformatted = 0
            var failed = false
            for path in paths {
                let sources: [SourceFile]
                do {
                    sources = try PolicyLoader.sources(at: path)
                } catch {
                    Standard.error("\(error)")
                    failed = true
                    continue
                }
                for source in sources {
                    let (text, diagnostics) = PolicyFormatter.format(source)
                    guard let text else {
                        Standard.error(DiagnosticRenderer.render(diagnostics, sources: [source]))
                        failed = true
                        continue
                    }
                    if text == source.text { continue }
                    unformatted += 1
                    if check {
                        print("\(source.path): not formatted")
                    } else {
                        do {
                            try text.write(toFile: source.path, atomically: true, encoding: .utf8)
                            print("\(source.path): formatted")
                        } catch {
                            Standard.error("\(source.path): error: cannot write: \(error)")
                            failed = true
                        }
                    }
                }
            }
            if failed { throw ExitCode.error }
            if check, unformatted > 0 { throw ExitCode.refused }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "explain",
            abstract: "Describe a policy in plain words: files, watched settings, risk, rules."
        )

        @Argument(help: "A policy file or directory.")
        var path: String

        func run() throws {
            do {
                let result = try PolicyLoader.compile(at: path)
                guard let program = result.program else {
                    Standard.error(result.rendered)
                    throw ExitCode.error
                }
                if !result.warnings.isEmpty { Standard.error(result.rendered) }
                print(PolicyExplainer.explain(program), terminator: "")
            } catch let error as PolicyLoader.LoadError {
                Standard.error("\(error)")
                throw ExitCode.error
            }
        }
    }
}
