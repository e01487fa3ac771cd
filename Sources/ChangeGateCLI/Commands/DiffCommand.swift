import ArgumentParser
import ChangeGate
import Foundation

/// `changegate diff BASE HEAD`: the settings (not lines) changed between two commits.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show the settings changed between two commits.",
        discussion: """
            Compares the configuration files of two commits key by key. Exit 0 on success, 2 on an unknown \
            revision, a path that is not a repository, --merge-base of revisions that share no history, or \
            a file that cannot be parsed.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(name: .long, help: "The repository (default: the one containing the working directory).")
    var repo: String?

    // One glob per --files (repeatable): a list option would swallow BASE and HEAD after it.
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A path glob of the files to compare (`**` any depth, `*` within a folder); repeat for more. Default: "
                + "every YAML, JSON, TOML and INI file.", valueName: "glob"))
    var files: [String] = []

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(
        help: ArgumentHelp(
            "Compare HEAD with where it forked from BASE, their merge base (as `git diff BASE...HEAD`); default: "
                + "the two trees (as `git diff BASE HEAD`)."))
    var mergeBase = false

    @Argument(help: "The base revision (any form git accepts: main, HEAD~2, a tag, an id).")
    var base: String

    @Argument(help: "The head revision.")
    var head: String

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let report: SettingsDiffReport
        do {
            let repository = try Repository.open(path: repo, environment: environment)
            let baseID = try repository.resolveCommit(base)
            let headID = try repository.resolveCommit(head)
            var differ = RepositorySettingsDiff(
                repository: repository,
                selectors: files.isEmpty ? FileSelector.knownConfigFiles : files.map { FileSelector($0) })
            // The base's policy, when it has one that compiles, names more secret settings to redact.
            differ.secretPatterns =
                (try? PolicyLoader.load(in: repository, at: baseID))?.result.program?.secretPatterns ?? []
            report = try differ.diff(revisions: baseID, headID, fromMergeBase: mergeBase)
        } catch {
            Standard.error("changegate: error: \(error)")
            throw ExitCode(2)
        }
        switch format {
        case .json:
            print(SettingsDiffRenderer.json(report).pretty())
        case .text:
            print(
                SettingsDiffRenderer.text(report, color: Standard.colorWanted(environment: environment)), terminator: ""
            )
            for error in report.errors where !Standard.outputIsTerminal {
                Standard.error(error.description)
            }
        }
        if report.hasErrors { throw ExitCode(2) }
    }
}
