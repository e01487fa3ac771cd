/// How one file changed between two trees.
public struct FileDelta: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case added, deleted, modified, renamed, copied, typeChanged

        /// The letter `git diff --name-status` prints.
        public var letter: Character {
            switch self {
            case .added: "A"
            case .deleted: "D"
            case .modified: "M"
            case .renamed: "R"
            case .copied: "C"
            case .typeChanged: "T"
            }
        }
    }

    public var status: Status
    /// Path on the base side; `nil` for an added file.
    public var oldPath: String?
    /// Path on the head side; `nil` for a deleted file.
    public var newPath: String?
    public var oldBlob: ObjectID?
    public var newBlob: ObjectID?
    public var oldMode: UInt32
    public var newMode: UInt32
    /// Rename similarity, 0–100 (100 for an unchanged file that moved).
    public var similarity: Int

    /// The path the file has now (or had, if deleted).
    public var path: String { newPath ?? oldPath ?? "" }

    /// True when the side is a regular file (not a symlink or submodule), whose content can be parsed.
    ///
    /// - Parameter mode: A git file mode.
    /// - Returns: Whether it is 0o100644 or 0o100755.
    public static func isRegularFile(mode: UInt32) -> Bool {
        mode == 0o100644 || mode == 0o100755
    }
}

/// A blob's content as the config readers receive it.
public enum BlobContent: Sendable, Hashable {
    case text([UInt8])
    /// NUL bytes in the first 8,000 bytes, as git judges binary files.
    case binary(size: Int)
    /// Larger than the limit given; not read.
    case tooLarge(size: Int)
}
