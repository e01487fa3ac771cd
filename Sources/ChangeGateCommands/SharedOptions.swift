import ArgumentParser
import ChangeGate

/// `--color` / `--no-color` for the commands that print text reports.
struct ColorOption: ParsableArguments {
    @Flag(
        inversion: .prefixedNo,
        help: "Colour the text report (default: only on a terminal, and not when NO_COLOR is set or TERM=dumb).")
    var color: Bool? = nil

    func wanted(environment: [String: String]) -> Bool {
        color ?? Standard.colorWanted(environment: environment)
    }
}

/// Shell completions for what ChangeGate's options take: revisions from the repository, files.
enum Completions {
    /// Branches, tags and remote branches of the repository in the working directory.
    static let revisions = CompletionKind.shellCommand(
        "git for-each-ref --format='%(refname:short)' refs/heads refs/tags refs/remotes 2>/dev/null")
    static let policy = CompletionKind.file(extensions: ["policy"])
}
