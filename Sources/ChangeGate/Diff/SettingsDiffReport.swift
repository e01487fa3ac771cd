/// A problem with one file that kept its settings from being compared.
public struct FileProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    /// A problem.
    ///
    /// - Parameters:
    ///   - file: The file.
    ///   - line: The line, when at one place.
    ///   - column: The column.
    ///   - message: Why the file could not be compared.
    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): error: \(message)"
    }
}

/// The settings changed between two commits, and every file that could not be compared.
public struct SettingsDiffReport: Sendable, Hashable {
    /// The commit compared from (the merge base with ``fromMergeBase``).
    public var base: ObjectID?
    public var head: ObjectID?
    /// How the base revision asked for relates to the head, when a command asked
    /// (``RepositorySettingsDiff/diff(revisions:_:fromMergeBase:)``).
    public var ancestry: Ancestry?
    /// True when the changes were taken from the merge base (`git diff BASE...HEAD`), not from the
    /// base's own tree.
    public var fromMergeBase = false
    /// The changed files within the selection, as git sees them (renames included).
    public var files: [FileDelta]
    /// Every path the change touched, in the selection or not (both sides of a rename), sorted:
    /// what a policy's `changed "GLOB"` reads.
    public var touchedPaths: [String] = []
    /// Paths where the head has a gitlink (a submodule entry) the change added or repointed.
    public var gitlinks: [String] = []
    /// Files whose both sides hold one document (or none): a policy matches their keys with or
    /// without the `[doc=Kind/name]` prefix (PolicyDSL's `ChangeInput.keyWithinDocument`).
    public var singleDocumentFiles: Set<String> = []
    public var changes: [SettingChange]
    /// Files that failed to parse, were binary or too large: never silently skipped.
    public var errors: [FileProblem]
    /// Non-fatal findings, such as duplicate keys.
    public var warnings: [ConfigDiagnostic]
    /// Selected files whose bytes changed while none of their settings did (comments, spacing,
    /// quoting): said, so that no change to a gated file is silent.
    public var formattingOnly: [String] = []

    public var hasErrors: Bool { !errors.isEmpty }

    /// Every warning about the files, as reports list them: the readers' findings, then the
    /// formatting-only changes.
    public var fileWarnings: [FileWarning] {
        warnings.map { FileWarning($0) }
            + formattingOnly.map { file in
                FileWarning(
                    file: file, kind: FileWarning.formattingOnly,
                    message: "formatting-only change: the file's bytes changed but none of its settings did")
            }
    }
}

/// A warning about one file: a reader's finding (with where) or a formatting-only change.
public struct FileWarning: Sendable, Hashable, CustomStringConvertible {
    public static let formattingOnly = "formatting-only"

    public var file: String
    public var line: Int?
    public var column: Int?
    /// `formatting-only`, `duplicate-key` or `other`.
    public var kind: String
    public var message: String

    /// A warning.
    ///
    /// - Parameters:
    ///   - file: The file.
    ///   - line: The line, when at one place.
    ///   - column: The column.
    ///   - kind: `formatting-only`, `duplicate-key` or `other`.
    ///   - message: What to say.
    public init(file: String, line: Int? = nil, column: Int? = nil, kind: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.kind = kind
        self.message = message
    }

    init(_ diagnostic: ConfigDiagnostic) {
        self.init(
            file: diagnostic.path, line: diagnostic.position.line, column: diagnostic.position.column,
            kind: diagnostic.kind.rawValue, message: diagnostic.message)
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): warning: \(message)"
    }
}
