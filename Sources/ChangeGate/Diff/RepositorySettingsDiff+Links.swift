/// Symbolic links: followed to the file they lead to in the same commit (`diff`, `history`, and a
/// `detect` selector, which looks at content), or refused by the gate.
extension RepositorySettingsDiff {
    static let symlinkMode: UInt32 = 0o120000

    enum LinkTarget {
        case success(Side)
        case failure(FileProblem)
    }
    /// Links followed in a row before giving up (the kernel's own limit is 40; config repositories
    /// have one or two).
    static let maxLinksFollowed = 8

    /// The regular file a symbolic link leads to in `commit`, as this side (its path stays the
    /// link's, its format the link's name's, else the target's); why not, when it leads outside the
    /// repository, to nothing, or through more than ``maxLinksFollowed`` links.
    mutating func followLinks(from side: Side, in commit: ObjectID) throws(GitError) -> LinkTarget {
        var current = side
        var location = side.path
        for _ in 0..<Self.maxLinksFollowed {
            guard case .text(let bytes) = try repository.blob(current.blob, maxSize: 4_096) else {
                return .failure(FileProblem(file: side.path, message: "a symbolic link whose target cannot be read"))
            }
            let target = String(decoding: bytes, as: UTF8.self)
            guard let resolved = Self.resolve(target, from: location) else {
                return .failure(
                    FileProblem(
                        file: side.path,
                        message: "a symbolic link to `\(target)`, outside the repository: the settings it leads to "
                            + "cannot be judged; commit the file itself"))
            }
            guard let entry = try repository.entry(at: resolved, in: commit) else {
                return .failure(
                    FileProblem(
                        file: side.path,
                        message:
                            "a symbolic link to `\(resolved)`, which commit \(commit.short) does not have as a file"))
            }
            location = resolved
            current.blob = entry.blob
            current.mode = entry.mode
            guard entry.mode == Self.symlinkMode else {
                if current.format == nil { current.format = ConfigFormat(path: resolved) }
                return .success(current)
            }
        }
        return .failure(
            FileProblem(file: side.path, message: "more than \(Self.maxLinksFollowed) symbolic links in a row"))
    }

    /// `target` read from a link at `path`, as a repository path; nil when it leaves the repository.
    static func resolve(_ target: String, from path: String) -> String? {
        guard !target.hasPrefix("/") else { return nil }
        var parts = path.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// The system a `detect` side's content is, and the format that shows it; nil when it is none
    /// of its candidates' (a file that cannot be read is none: only the other side can select it).
    mutating func detected(_ side: Side) throws(GitError) -> CompiledFileSelectors.Candidate? {
        var content = side
        if side.mode == Self.symlinkMode, let commit = side.commit {
            // A link is what it points to: one to a Patroni file is a Patroni file (which the
            // gate then refuses as a link), whatever its own name.
            guard case .success(let target) = try followLinks(from: side, in: commit) else { return nil }
            content.blob = target.blob
            content.mode = target.mode
        }
        guard FileDelta.isRegularFile(mode: content.mode) else { return nil }
        for candidate in side.candidates {
            guard let format = candidate.format else { continue }
            switch try reading(content.blob, path: side.path, format: format) {
            case .settings(_, _, let systems) where systems.contains(candidate.system): return candidate
            // Unreadable but looking like the system's: selected, so that its error fails the check.
            case .failed(_, let suspected) where suspected.contains(candidate.system): return candidate
            default: continue
            }
        }
        return nil
    }
}
