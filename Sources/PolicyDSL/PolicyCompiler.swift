/// Compiles policy sources — one file, or every file of a policy directory — into a ``Program``.
///
/// ```swift
/// let result = PolicyCompiler.compile([SourceFile(path: "failover.policy", text: text)])
/// if let program = result.program { … } else { print(result.rendered) }
/// ```
public enum PolicyCompiler {
    /// The version of the language this module implements.
    public static let languageVersion = 1

    /// What compiling gave: the program when nothing was wrong, and every diagnostic either way.
    public struct Result: Sendable {
        /// The checked program; nil when any error was found.
        public var program: Program?
        /// The parsed declarations, even when checking failed (for `fmt`).
        public var syntax: PolicySyntax
        /// Errors and warnings, in source order.
        public var diagnostics: [Diagnostic]

        /// The errors among ``diagnostics``.
        public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
        /// The warnings among ``diagnostics``.
        public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }

        /// Every diagnostic rendered with its source line and caret.
        public var rendered: String { DiagnosticRenderer.render(diagnostics, sources: syntax.files) }
    }

    /// Parses `sources` (files of one policy, in the order given) without checking them.
    ///
    /// - Parameter sources: The policy's files.
    /// - Returns: The declarations and comments of all of them, and the syntax errors.
    public static func parse(_ sources: [SourceFile]) -> (syntax: PolicySyntax, diagnostics: [Diagnostic]) {
        var declarations: [Declaration] = []
        var comments: [Comment] = []
        var diagnostics: [Diagnostic] = []
        for source in sources {
            let parsed = Parser.parse(source)
            declarations += parsed.declarations
            comments += parsed.comments
            diagnostics += parsed.diagnostics
        }
        return (PolicySyntax(files: sources, declarations: declarations, comments: comments), diagnostics)
    }

    /// Parses and checks. `readFile` supplies group files (`group NAME from "FILE"`), given a path
    /// relative to the directory of the file that names it.
    ///
    /// - Parameters:
    ///   - sources: The policy's files, in the order given (a directory's sorted by name).
    ///   - readFile: Returns a group file's text, or nil when it cannot be read (an error of the
    ///     policy's); by default every group file is missing.
    /// - Returns: The program (nil when any error was found), the syntax and the diagnostics.
    public static func compile(_ sources: [SourceFile], readFile: @escaping (String) -> String? = { _ in nil })
        -> Result
    {
        let (syntax, parseDiagnostics) = parse(sources)
        var checker = Checker(syntax: syntax, readFile: readFile)
        let program = checker.check()
        // Warnings about code that did not parse are noise: keep only the checker's errors then.
        let parseFailed = parseDiagnostics.contains { $0.severity == .error }
        let checked = parseFailed ? checker.diagnostics.filter { $0.severity == .error } : checker.diagnostics
        let diagnostics = (parseDiagnostics + checked).sorted { $0.location < $1.location }
        let failed = diagnostics.contains { $0.severity == .error }
        return Result(program: failed ? nil : program, syntax: syntax, diagnostics: diagnostics)
    }
}
