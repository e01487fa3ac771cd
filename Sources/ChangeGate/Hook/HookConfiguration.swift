import Foundation
import PolicyDSL

/// How the hook judges pushes: which refs are protected, where the policy comes from, the time
/// budget and where server-side evidence lives.
public struct HookConfiguration: Sendable {
    /// The refs the gate judges; every other ref passes untouched. `**` because release and
    /// production branches nest (`release/2024/06`, `prod/eu`): one level deep left those unjudged.
    public static let defaultProtectedPatterns = [
        "refs/heads/main", "refs/heads/master", "refs/heads/release/**", "refs/heads/prod*/**",
    ]

    /// Where approvals are pushed: `git push origin HEAD:refs/changegate/approvals/NAME`.
    public static let approvalsNamespace = "refs/changegate/approvals/"

    /// The ref an approval is for, from its name: `approvals/NAME` approves for the default
    /// branch, `approvals/heads/BRANCH/NAME` for `refs/heads/BRANCH` (`tags/TAG/NAME` likewise).
    /// Nil when the name says neither. An approval counts only for that ref, so that one given
    /// for a sandbox branch does not let the change onto production.
    ///
    /// - Parameters:
    ///   - ref: The approval's ref (`refs/changegate/approvals/…`).
    ///   - defaultBranch: The repository's default branch, for `approvals/NAME`.
    /// - Returns: The full ref the approval is for, or nil.
    public static func approvalTarget(of ref: String, defaultBranch: String?) -> String? {
        guard ref.hasPrefix(approvalsNamespace) else { return nil }
        let rest = ref.dropFirst(approvalsNamespace.count)
        guard let slash = rest.lastIndex(of: "/") else { return defaultBranch }
        let target = rest[..<slash]
        let name = rest[rest.index(after: slash)...]
        guard !name.isEmpty, target.hasPrefix("heads/") || target.hasPrefix("tags/"),
            !target.split(separator: "/", omittingEmptySubsequences: false).contains(where: \.isEmpty)
        else { return nil }
        return "refs/" + target
    }

    /// The ref to push an approval for `target` to, given the default branch.
    ///
    /// - Parameters:
    ///   - target: The full ref the approval is for.
    ///   - name: The approval's own name (`COMMIT-REVIEWER`).
    ///   - defaultBranch: The repository's default branch.
    /// - Returns: The approval's full ref.
    public static func approvalRef(for target: String, name: String, defaultBranch: String?) -> String {
        target == defaultBranch || !target.hasPrefix("refs/")
            ? approvalsNamespace + name : approvalsNamespace + target.dropFirst("refs/".count) + "/" + name
    }

    public var protectedPatterns: [String]
    /// A policy file or directory on the server; nil: `policies/` at the protected ref's tip.
    public var policyPath: String?
    /// Seconds; past it the push is rejected with a clear message rather than killed.
    public var deadline: Double
    /// The risk a push that rewrites history (not a fast-forward) adds of its own.
    public var forcePushRisk: Int
    public var revertLookBack: RevertLookBack
    /// Lets pushes create or move `refs/replace/*`. Off by default: git on the server (`git show`,
    /// `git archive`, mirrors) would serve the replacement while the gate judged the original.
    public var allowReplaceRefs: Bool
    /// Lets pushes create or move `refs/namespaces/*`, which a hosting serving namespaces shows as
    /// another repository's `refs/heads/…`, out of reach of the protected patterns.
    public var allowNamespaceRefs: Bool
    /// The most bytes of config files one ref's decision reads (``ReadBudget``); the deadline bounds
    /// the push as a whole.
    public var maxBytesRead: Int = ReadBudget.defaultMaxBytes

    /// A configuration.
    ///
    /// - Parameters:
    ///   - protectedPatterns: The refs the hook judges.
    ///   - policyPath: A policy on the server; nil for `policies/` at the protected ref's tip.
    ///   - deadline: Seconds before the push is refused for time.
    ///   - forcePushRisk: The risk a history rewrite adds.
    ///   - revertLookBack: How far back `reverts` looks.
    ///   - allowReplaceRefs: Whether pushes may create or move `refs/replace/*`.
    ///   - allowNamespaceRefs: Whether pushes may create or move `refs/namespaces/*`.
    public init(
        protectedPatterns: [String] = HookConfiguration.defaultProtectedPatterns, policyPath: String? = nil,
        deadline: Double = 4, forcePushRisk: Int = 50, revertLookBack: RevertLookBack = RevertLookBack(),
        allowReplaceRefs: Bool = false, allowNamespaceRefs: Bool = false
    ) {
        self.protectedPatterns = protectedPatterns
        self.policyPath = policyPath
        self.deadline = deadline
        self.forcePushRisk = forcePushRisk
        self.revertLookBack = revertLookBack
        self.allowReplaceRefs = allowReplaceRefs
        self.allowNamespaceRefs = allowNamespaceRefs
    }

    /// Why a push may not create or move `ref`, when it is a replace or namespace ref not allowed.
    ///
    /// - Parameter ref: A ref the push updates.
    /// - Returns: The refusal; nil when the ref is allowed.
    public func refusalOfSpecialRef(_ ref: String) -> String? {
        if ref.hasPrefix("refs/replace/"), !allowReplaceRefs {
            return "a replace ref makes git serve other objects than the ones ChangeGate judges, so the hook "
                + "refuses refs/replace/*; an admin who needs them installs with --allow-replace-refs"
        }
        if ref.hasPrefix("refs/namespaces/"), !allowNamespaceRefs {
            return "a namespaced ref is another repository's branch out of reach of the protected patterns, so "
                + "the hook refuses refs/namespaces/*; an admin who needs them installs with --allow-namespace-refs"
        }
        return nil
    }

    /// True when `ref` matches a protected pattern (`*` within a path segment, `**` across them).
    ///
    /// - Parameter ref: A full ref name.
    /// - Returns: Whether the hook judges updates of it.
    public func isProtected(_ ref: String) -> Bool {
        protectedPatterns.contains { Glob($0).matches(ref) }
    }
}

/// Who pushes, as the git hosting authenticated them.
public enum HookActor {
    /// The variables hostings set for hooks, in the order they are trusted.
    public static let variables = ["CHANGEGATE_USER", "GL_USERNAME", "GL_USER", "GITHUB_USER_LOGIN", "REMOTE_USER"]

    /// The first non-empty variable of ``variables``, with the variable's name.
    ///
    /// - Parameter environment: The hook's environment.
    /// - Returns: The pusher's identity and the variable it came from; nil when none is set.
    public static func from(_ environment: [String: String]) -> (identity: String, variable: String)? {
        for name in variables {
            if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                return (value, name)
            }
        }
        return nil
    }
}

/// Push options (`git push -o KEY=VALUE`), as git hands them to hooks.
public enum PushOptions {
    /// `GIT_PUSH_OPTION_0` … `GIT_PUSH_OPTION_{COUNT-1}`.
    ///
    /// - Parameter environment: The hook's environment.
    /// - Returns: The options, in order (at most 1,000).
    public static func from(_ environment: [String: String]) -> [String] {
        guard let count = environment["GIT_PUSH_OPTION_COUNT"].flatMap(Int.init), count > 0 else { return [] }
        return (0..<min(count, 1000)).compactMap { environment["GIT_PUSH_OPTION_\($0)"] }
    }

    /// The reason given with `-o changegate.override=REASON`, if any.
    ///
    /// - Parameter options: The push options.
    /// - Returns: The reason, trimmed; nil when none is given.
    public static func overrideReason(_ options: [String]) -> String? {
        for option in options where option.hasPrefix("changegate.override=") {
            let reason = option.dropFirst("changegate.override=".count).trimmingCharacters(in: .whitespaces)
            if !reason.isEmpty { return reason }
        }
        return nil
    }
}
