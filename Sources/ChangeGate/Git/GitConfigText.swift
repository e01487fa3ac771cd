internal import CGit2
import Foundation

/// One variable of a git-config text, as libgit2's parser reads it: `name` is
/// `section.subsection.key` with the section and key lowercased (the subsection as written), `value`
/// with quotes, escapes and continuation lines resolved; nil for a bare `key` with no `=`.
public struct GitConfigEntry: Sendable, Hashable {
    public var name: String
    public var value: String?
}

/// Why a git-config text could not be read: libgit2's message, its position in the text, or an
/// include that git would not follow.
public struct GitConfigTextError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}

/// git-config text that is not a config of this repository (a committed `.gitmodules`), read with
/// libgit2's config parser so that ChangeGate reads the names and values git reads.
public enum GitConfigText {
    /// Every variable of `bytes`, in file order (repeated variables each time). `label` names the
    /// text in errors (`.gitmodules at abc1234`).
    ///
    /// libgit2 1.5 parses only files, so the bytes go to a file in a private folder (mode 0700) that
    /// is removed before this returns. An `[include]` or `[includeIf …]` section is refused: git
    /// ignores them in `.gitmodules`, while libgit2 would read the file they name on this machine.
    ///
    /// - Parameters:
    ///   - bytes: Text in git's config format (a `.gitmodules` blob).
    ///   - label: What errors call the text.
    /// - Returns: Every variable, in file order.
    /// - Throws: ``GitConfigTextError`` for an include section, a temporary copy that cannot be
    ///   written, or text libgit2 cannot parse.
    public static func entries(_ bytes: [UInt8], label: String) throws(GitConfigTextError) -> [GitConfigEntry] {
        if let line = includeLine(bytes) {
            throw GitConfigTextError(
                description: "\(label) has an include section (line \(line)), which git does not follow in this "
                    + "file and ChangeGate does not read: remove it")
        }
        Libgit2Runtime.ensureInitialized()
        let folder: URL
        do {
            folder = try privateFolder()
        } catch {
            throw GitConfigTextError(description: "\(label) could not be read: no private temporary folder (\(error))")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("config")
        guard
            FileManager.default.createFile(
                atPath: file.path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
        else {
            throw GitConfigTextError(description: "\(label) could not be read: writing its temporary copy failed")
        }
        var pointer: OpaquePointer?
        let code = git_config_open_ondisk(&pointer, file.path)
        if code < 0 {
            // libgit2 says "… (in <file>:<line>, column <n>)": name the text instead of the copy.
            let message = GitError.lastMessage().replacingOccurrences(of: file.path, with: label)
            throw GitConfigTextError(
                description: "\(label) is not a config file git and ChangeGate read alike: \(message); fix its syntax")
        }
        let config = ConfigHandle(pointer!)
        var iterator: OpaquePointer?
        guard git_config_iterator_new(&iterator, config.pointer) >= 0, let iterator else {
            throw GitConfigTextError(description: "\(label) could not be read: \(GitError.lastMessage())")
        }
        defer { git_config_iterator_free(iterator) }
        var entries: [GitConfigEntry] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while true {
            let next = git_config_next(&entry, iterator)
            if next == GIT_ITEROVER.rawValue { break }
            guard next >= 0, let entry, let name = entry.pointee.name else {
                throw GitConfigTextError(description: "\(label) could not be read: \(GitError.lastMessage())")
            }
            entries.append(
                GitConfigEntry(name: String(cString: name), value: entry.pointee.value.map { String(cString: $0) }))
        }
        withExtendedLifetime(config) {}
        return entries
    }

    /// The line (from 1) of the first `[` followed, after blanks, by `include` in any case: the
    /// section headers `[include]` and `[includeIf "…"]`, and anything resembling them (in a value
    /// or a comment too, which is refused with them: the cost of not needing a second parser).
    static func includeLine(_ bytes: [UInt8]) -> Int? {
        let word = Array("include".utf8)
        var line = 1
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") { line += 1 }
            if bytes[i] == UInt8(ascii: "[") {
                var j = i + 1
                while j < bytes.count, bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") { j += 1 }
                if j + word.count <= bytes.count,
                    zip(bytes[j..<j + word.count], word).allSatisfy({ $0 | 0x20 == $1 })
                {
                    return line
                }
            }
            i += 1
        }
        return nil
    }

    private static func privateFolder() throws -> URL {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("changegate-config-XXXXXX")
        var template = Array(base.path.utf8CString)
        guard let made = mkdtemp(&template) else {
            throw GitConfigTextError(description: String(cString: strerror(errno)))
        }
        return URL(fileURLWithPath: String(cString: made), isDirectory: true)
    }
}
