import Foundation
import PolicyDSL

/// What git does to a selected file's bytes on their way out of the repository, which the gate
/// would not see: `export-subst` expands `$Format:…$` in every `git archive` (a YAML comment becomes
/// a setting), `filter`, `ident`, `working-tree-encoding`, `text` and `eol` rewrite checkouts, and
/// `export-ignore` drops the file from archives. And submodules: ChangeGate reads no file inside
/// one. The gate judges the committed bytes, so a change that gives a selected file such an
/// attribute, or puts a submodule where selected files are, is refused rather than judged.
enum CheckoutAttributes {
    /// The attributes refused on selected files, set or with a value (`-text`, unset, is fine).
    static let refused = ["export-subst", "export-ignore", "filter", "ident", "working-tree-encoding", "text", "eol"]

    /// Why the change cannot be judged, or nil. The attributes of the selected files the change
    /// touches (of every selected file at `head` when a `.gitattributes` changed); where
    /// `.gitmodules` puts submodules, when it changed; and every gitlink the change adds or
    /// repoints, whether or not `.gitmodules` changed.
    static func problems(
        repository: Repository, differ: inout RepositorySettingsDiff, report: SettingsDiffReport, head: ObjectID,
        selectors: [FileSelector]
    ) throws(GitError) -> [GateProblem] {
        let touched = report.touchedPaths
        let attributesChanged = touched.contains { $0 == ".gitattributes" || $0.hasSuffix("/.gitattributes") }
        var paths = Set(report.files.compactMap(\.newPath))
        if attributesChanged {
            paths.formUnion(try differ.plan(from: nil, to: head).files.compactMap(\.newPath))
        }
        var problems: [String] = []
        for path in paths.sorted() {
            let values = try repository.attributes(refused, of: path, at: head)
            let found = refused.compactMap { name -> String? in
                switch values[name] {
                case .set?: name
                case .value(let value)?: "\(name)=\(value)"
                default: nil
                }
            }
            guard !found.isEmpty else { continue }
            problems.append(
                "\(path) has the git attribute\(found.count == 1 ? "" : "s") \(found.joined(separator: ", ")) "
                    + "(from a .gitattributes at \(head.short), or the server's info/attributes): git would hand "
                    + "out other bytes than the ones the gate judged (in checkouts, or in `git archive`). Unset "
                    + "\(found.count == 1 ? "it" : "them") for the policy's files, e.g. `\(path) "
                    + found.map { "-" + ($0.split(separator: "=").first.map(String.init) ?? $0) }.joined(separator: " ")
                    + "` in the root .gitattributes, or drop the line that sets \(found.count == 1 ? "it" : "them").")
        }
        if touched.contains(".gitmodules") {
            problems += try submodules(repository: repository, head: head, selectors: selectors)
        }
        problems += gitlinks(report.gitlinks, head: head, selectors: selectors)
        return problems.map { GateProblem(.rewrittenBytes, $0) }
    }

    /// The glob a selector matching `path`, or a file under it, has; nil when none could.
    private static func selecting(_ path: String, _ globs: [Glob]) -> Glob? {
        let escaped = String(path.flatMap { "*?[]\\".contains($0) ? ["\\", $0] : [$0] })
        let folder = Glob(escaped + "/**")
        return globs.first { $0.matches(path) || $0.overlaps(folder) }
    }

    /// The submodules of `head`'s `.gitmodules` whose folder is, or could hold, a selected file,
    /// read as git reads the file (git-config syntax: quotes, escapes, continuation lines, comments,
    /// any case of `path`) by libgit2's config parser. A file it cannot parse is refused.
    private static func submodules(repository: Repository, head: ObjectID, selectors: [FileSelector])
        throws(GitError) -> [String]
    {
        guard let blob = try repository.file(at: ".gitmodules", in: head) else { return [] }
        guard case .text(let bytes) = try repository.blob(blob, maxSize: 1 << 20) else {
            return [".gitmodules at \(head.short) is too large or not text to check where it puts submodules"]
        }
        let entries: [GitConfigEntry]
        do {
            entries = try GitConfigText.entries(bytes, label: ".gitmodules at \(head.short)")
        } catch {
            return [error.description + " (ChangeGate checks where it puts submodules)"]
        }
        let globs = selectors.map { Glob($0.glob) }
        var problems: [String] = []
        for entry in entries {
            // `submodule.<name>.path`, the name possibly holding dots; git reads no other.
            guard entry.name.hasPrefix("submodule."), entry.name.hasSuffix(".path"),
                entry.name.count > "submodule..path".count, var path = entry.value, !path.isEmpty
            else { continue }
            if path.hasSuffix("/") { path.removeLast() }
            guard let glob = selecting(path, globs) else { continue }
            problems.append(
                ".gitmodules at \(head.short) puts a submodule at \(path), where the policy reads files "
                    + "(\"\(glob.pattern)\"): ChangeGate reads no file inside a submodule, so its config would change "
                    + "unjudged. Keep submodules out of the policy's `files`.")
        }
        return problems
    }

    /// The gitlinks (submodule entries) the change adds or points elsewhere (`paths`, from the
    /// settings diff's own tree diff) at a path that is, or could hold, a selected file: with or
    /// without a `.gitmodules` entry, as the tree has them.
    private static func gitlinks(_ paths: [String], head: ObjectID, selectors: [FileSelector]) -> [String] {
        guard !paths.isEmpty else { return [] }
        let globs = selectors.map { Glob($0.glob) }
        return paths.compactMap { path in
            selecting(path, globs).map { glob in
                "\(path) at \(head.short) is a submodule (a gitlink, mode 160000), where the policy reads files "
                    + "(\"\(glob.pattern)\"): ChangeGate reads no file inside a submodule, so its config would "
                    + "change unjudged. Keep submodules out of the policy's `files` (`git rm --cached \(path)`)."
            }
        }
    }
}
