/// The ChangeGate policy language: source text → tokens → AST → checked program → evaluation.
///
/// It knows nothing of git or files. The language itself arrives with the policy-language issue;
/// this namespace exists so that the package's shape is final from the start.
public enum PolicyDSL {
    /// The version of the language this module implements.
    public static let languageVersion = 0
}
