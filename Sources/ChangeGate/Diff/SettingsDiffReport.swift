/// A problem with one file that kept its settings from being compared.
public struct FileProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

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
    public var base: ObjectID?
    public var head: ObjectID?
    /// The changed files within the selection, as git sees them (renames included).
    public var files: [FileDelta]
    /// Every path the change touched, in the selection or not (both sides of a rename), sorted:
    /// what a policy's `changed "GLOB"` reads.
    public var touchedPaths: [String] = []
    public var changes: [SettingChange]
    /// Files that failed to parse, were binary or too large: never silently skipped.
    public var errors: [FileProblem]
    /// Non-fatal findings, such as duplicate keys.
    public var warnings: [ConfigDiagnostic]

    public var hasErrors: Bool { !errors.isEmpty }
}
