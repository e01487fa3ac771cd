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

    @Option(
        name: .long,
        help: ArgumentHelp("The repository (default: the one containing the working directory).", valueName: "path"),
        completion: .directory)
    var repo: String?

    // One glob per --files (repeatable): a list option would swallow BASE and HEAD after it.
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A path glob of the files to compare (`**` any depth, `*` within a folder); repeat for more. Default: "
                + "every YAML, JSON, TOML and INI file that is likely configuration (not Helm templates, tox.ini, "
                + "setup.cfg, haproxy or nginx files, node_modules/, vendor/, package.json, .github/).",
            valueName: "glob"))
    var files: [String] = []

    @Option(
        help: ArgumentHelp(
            "A path glob of files not to compare, even where --files takes them (repeatable; git's `:!GLOB`).",
            valueName: "glob"))
    var exclude: [String] = []

    @Option(name: .long, help: ArgumentHelp("Output format: text or json.", valueName: "format"))
    var format: OutputFormat = .text

    @OptionGroup var colorOption: ColorOption

    @Flag(
        help: ArgumentHelp(
            "Compare HEAD with where it forked from BASE, their merge base (as `git diff BASE...HEAD`); default: "
                + "the two trees (as `git diff BASE HEAD`)."))
    var mergeBase = false

    @Argument(
        help: "The base revision (any form git accepts: main, HEAD~2, a tag, an id).", completion: Completions.revisions
    )
    var base: String

    @Argument(help: "The head revision.", completion: Completions.revisions)
    var head: String

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let report: SettingsDiffReport
        do {
            let repository = try Repository.open(path: repo, environment: environment)
            let baseID = try repository.resolveCommit(base)
            let headID = try repository.resolveCommit(head)
            let selected = files.isEmpty ? FileSelector.likelyConfigFiles : files.map { FileSelector($0) }
            var differ = RepositorySettingsDiff(
                repository: repository, selectors: FileSelector.excluding(exclude, from: selected))
            differ.followsSymbolicLinks = true
            // The base's policy, when it has one that compiles, names more secret settings to redact.
            differ.secretPatterns =
                (try? PolicyLoader.load(in: repository, at: baseID))?.result.program?.secretPatterns ?? []
            report = try differ.diff(revisions: baseID, headID, fromMergeBase: mergeBase)
        } catch {
            Standard.error("changegate: error: \(error)")
            throw ExitCode.error
        }
        switch format {
        case .json:
            print(SettingsDiffRenderer.json(report).pretty())
        case .text:
            print(
                SettingsDiffRenderer.text(report, color: colorOption.wanted(environment: environment)), terminator: ""
            )
            // Each error once: in the report; stderr names the files, for a log that keeps only it.
            if !report.errors.isEmpty, !Standard.outputIsTerminal {
                let files = Array(Set(report.errors.map(\.file))).sorted()
                Standard.error(
                    "changegate: \(files.count) file\(files.count == 1 ? "" : "s") could not be compared: "
                        + files.joined(separator: ", "))
            }
        }
        if report.hasErrors { throw ExitCode.error }
    }
}
