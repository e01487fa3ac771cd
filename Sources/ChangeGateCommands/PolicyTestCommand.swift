import ArgumentParser
import ChangeGate
import Foundation
import PolicyDSL

/// `changegate policy test DIR`: runs the `*.test.yaml` cases under DIR against the policy in DIR.
struct PolicyTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run a policy's test cases (*.test.yaml files) and show what differs.",
        discussion: """
            The policy is the .policy files in DIR (or --policy); the cases are every *.test.yaml or \
            *.test.yml file under DIR. The format is in docs/policy-language.md. Exit 0 when every case \
            passes, 1 when one fails (or, with --strict, when a rule or risk line is never exercised), \
            2 when the policy or a test file is broken.
            """
    )

    @Argument(help: "The policy directory holding the test files.")
    var directory: String

    @Option(help: ArgumentHelp("The policy file or directory to test (default: DIR).", valueName: "path"))
    var policy: String?

    @Flag(help: "Fail when a rule never applies or a risk line never scores in any case.")
    var strict = false

    @Flag(name: .shortAndLong, help: "List passing cases too.")
    var verbose = false

    func run() throws {
        let loaded: LoadedPolicy
        do {
            loaded = try PolicyLoader.load(at: policy ?? directory)
        } catch {
            Standard.error("\(error)")
            throw ExitCode.error
        }
        guard let program = loaded.result.program else {
            Standard.error(loaded.result.rendered)
            throw ExitCode.error
        }
        let files = Self.testFiles(under: directory)
        guard !files.isEmpty else {
            Standard.error("changegate: error: no *.test.yaml file under \(directory)")
            throw ExitCode.error
        }
        let runner = PolicyTestRunner(program: program)
        var results: [PolicyTestRunner.Result] = []
        var broken = 0
        var legendShown = false
        for file in files {
            let cases: [PolicyTestCase]
            do {
                cases = try PolicyTestFile.read(path: file)
            } catch {
                Standard.error("\(error)")
                broken += 1
                continue
            }
            print(file)
            for testCase in cases {
                let result = runner.run(testCase)
                results.append(result)
                if result.passed {
                    if verbose { print("  PASS  \(testCase.name)") }
                } else {
                    if !legendShown {
                        print("  (in each difference: - expected, + what the policy decided)")
                        legendShown = true
                    }
                    print("  FAIL  \(testCase.name)  (\(testCase.location))")
                    for difference in result.differences {
                        print(
                            difference.split(separator: "\n", omittingEmptySubsequences: false).map { "        " + $0 }
                                .joined(separator: "\n"))
                    }
                }
            }
        }
        let failed = results.filter { !$0.passed }.count
        print(
            "\n\(results.count - failed) passed, \(failed) failed"
                + (broken > 0 ? ", \(broken) test file(s) broken" : ""))
        let coverage = runner.coverage(of: results)
        if coverage.isComplete {
            print("Coverage: every rule applied and every risk line scored in at least one case.")
        } else {
            for name in coverage.rulesNeverApplied { print("Not covered: rule \"\(name)\" never applies") }
            for reason in coverage.riskLinesNeverScored { print("Not covered: risk line \"\(reason)\" never scores") }
        }
        if broken > 0 { throw ExitCode.error }
        if failed > 0 || (strict && !coverage.isComplete) { throw ExitCode.refused }
    }

    /// Every `*.test.yaml` / `*.test.yml` under `directory`, sorted.
    static func testFiles(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".test.yaml") || relative.hasSuffix(".test.yml") {
                files.append((directory as NSString).appendingPathComponent(relative))
            }
        }
        return files.sorted()
    }
}
