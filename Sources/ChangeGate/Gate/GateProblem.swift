import PolicyDSL

/// Why a change could not be judged: what kind of trouble, where, and the sentence that says how to
/// act on it.
///
/// A terminal prints ``message``; the hook, a web page or an HTTP status read ``kind`` and
/// ``Kind/responsibility`` instead of parsing the sentence. Messages that the gate words itself are
/// built by the factories below; an error of a lower layer keeps its own description.
public struct GateProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A revision that does not resolve to a commit, or an annotated tag of something else.
        case unknownRevision = "unknown-revision"
        /// The base and the head share no history, so there is no fork point to judge from.
        case unrelatedHistories = "unrelated-histories"
        /// The policy cannot be read or does not compile, or there is none to judge by.
        case policyError = "policy-error"
        /// The change would leave the repository's policy broken or gone.
        case policyLeftBroken = "policy-left-broken"
        /// A changed file is not valid in its format (YAML, JSON, TOML, …).
        case unparsableFile = "unparsable-file"
        /// Reading the change would pass the bytes a decision may read.
        case readBudget = "read-budget"
        /// git would hand out other bytes than the committed ones (attributes, submodules, gitlinks).
        case rewrittenBytes = "rewritten-bytes"
        /// An evidence file or test report cannot be read.
        case evidence = "evidence"
        /// The caller's own input is wrong (a time that does not parse, a path inside the work tree).
        case invalidRequest = "invalid-request"
        /// The hook refuses the ref itself (a special ref, a deletion it protects, no pusher).
        case refusedRef = "refused-ref"
        /// The audit trail could not be read where the decision needs it.
        case auditRead = "audit-read"
        /// The decision could not be recorded, so it is no decision.
        case auditWrite = "audit-write"
        /// The repository could not be read (a missing object, an I/O error).
        case repository = "repository"

        /// Who has to act: the pusher, the caller, whoever keeps the policy, or whoever runs the
        /// service. An HTTP layer maps these to 422, 400, 409 and 503.
        public enum Responsibility: String, Sendable, Hashable {
            case change, request, policy, service
        }

        public var responsibility: Responsibility {
            switch self {
            case .unparsableFile, .readBudget, .rewrittenBytes, .policyLeftBroken, .unrelatedHistories: .change
            case .unknownRevision, .evidence, .invalidRequest, .refusedRef: .request
            case .policyError: .policy
            case .auditRead, .auditWrite, .repository: .service
            }
        }
    }

    public var kind: Kind
    /// The sentence a report prints, with file:line where there is one.
    public var message: String
    /// The file the problem is in, when it is about one (a changed file, a policy file).
    public var file: String?
    public var line: Int?

    /// A problem.
    ///
    /// - Parameters:
    ///   - kind: What kind of trouble.
    ///   - message: The sentence a report prints.
    ///   - file: The file it is about, if any.
    ///   - line: The line in that file, if known.
    public init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { message }

    // MARK: - Factories

    /// A changed file that could not be compared.
    ///
    /// - Parameter problem: The file's problem, with its line.
    /// - Returns: An ``Kind/unparsableFile`` problem pointing at it.
    public static func file(_ problem: FileProblem) -> GateProblem {
        GateProblem(.unparsableFile, problem.description, file: problem.file, line: problem.line)
    }

    /// A policy diagnostic, pointing at its file and line.
    ///
    /// - Parameter diagnostic: The compiler's error.
    /// - Returns: A ``Kind/policyError`` problem.
    public static func policy(_ diagnostic: Diagnostic) -> GateProblem {
        GateProblem(
            .policyError, diagnostic.description, file: diagnostic.location.path, line: diagnostic.location.line)
    }

    /// A policy that cannot be read.
    ///
    /// - Parameter error: Why it cannot be read.
    /// - Returns: A ``Kind/policyError`` problem.
    public static func policy(_ error: PolicyLoader.LoadError) -> GateProblem {
        GateProblem(.policyError, error.description, file: error.path, line: error.location?.line)
    }

    /// An evidence file or test report that cannot be read.
    ///
    /// - Parameter error: The file's problem, with its line.
    /// - Returns: An ``Kind/evidence`` problem.
    public static func evidence(_ error: EvidenceError) -> GateProblem {
        GateProblem(.evidence, error.description, file: error.path, line: error.line)
    }

    /// A git failure, kind chosen from the error: a revision that does not resolve is the caller's.
    ///
    /// - Parameter error: The git layer's error.
    /// - Returns: The problem, its kind chosen from the error.
    public static func git(_ error: GitError) -> GateProblem {
        switch error {
        case .unknownRevision, .ambiguousRevision, .notACommit, .invalidRange:
            GateProblem(.unknownRevision, error.description)
        case .noMergeBase:
            GateProblem(.unrelatedHistories, error.description)
        case .notARepository, .libgit2, .fetchFailed:
            GateProblem(.repository, error.description)
        }
    }

    /// Any error below the gate, typed where its type says what it is. (The audit trail comes after
    /// the gate in the flow: the workflows that read or write it say so with ``Kind/auditRead`` and
    /// ``auditWrite(_:recovery:)``.)
    ///
    /// - Parameter error: An error of a lower layer.
    /// - Returns: The problem, its kind chosen from the error's type.
    public static func from(_ error: any Error) -> GateProblem {
        switch error {
        case let git as GitError: .git(git)
        case let budget as ReadBudgetExceeded: GateProblem(.readBudget, budget.description)
        case let policy as PolicyLoader.LoadError: .policy(policy)
        case let evidence as EvidenceError: .evidence(evidence)
        default: GateProblem(.repository, "\(error)")
        }
    }

    /// A decision the trail refused: it does not stand.
    ///
    /// - Parameters:
    ///   - error: Why the append failed.
    ///   - recovery: What the caller can do instead (`use --no-audit for a dry run`).
    /// - Returns: An ``Kind/auditWrite`` problem.
    public static func auditWrite(_ error: any Error, recovery: String) -> GateProblem {
        GateProblem(.auditWrite, "cannot record the decision in the audit trail: \(error) (\(recovery))")
    }
}
