/// A checked policy, ready to evaluate: everything resolved, nothing left to fail at run time.
public struct Program: Sendable {
    /// The policy's name (`policy "…"`).
    public var name: String
    public var syntax: PolicySyntax
    /// The `files` lines, each with the policy's `ignore` globs among its exclusions.
    public var fileSelectors: [FileSelectorRule]
    /// `ignore "GLOB", …`: paths no `files` line reads.
    public var ignoredPaths: [String] = []
    public var groups: [Group]
    public var watches: [Watch]
    public var riskLines: [RiskLine]
    /// `deny`, `warn`, `require` and `freeze` rules, in source order.
    public var rules: [Rule]
    /// Which commit-message trailers count as evidence; nil when the policy trusts none (the default:
    /// a trailer is a claim anyone can type).
    public var trustedTrailers: TrailerTrust? = nil
    /// True when the policy says `trust unauthenticated pushes`; by default the hook refuses a push
    /// to a protected ref when it cannot tell who pushes.
    public var trustsUnauthenticatedPushes = false
    /// `owners GROUP, …`: the groups whose members approve a change to the policy files. Empty: every
    /// group the policy names (``policyOwners``).
    public var owners: [String] = []
    /// True when a condition reads `reverts`: only then does the gate read the branch's history and
    /// its accepted tips.
    public var readsReverts = false
    /// `reverts within … stable … over … commits`: nil parts keep the gate's defaults.
    public var revertWindow = RevertWindow()
    /// `identity` and `identities from` lines: which logins and e-mails are one person.
    public var identities = IdentityMap()
    /// The file settings `head(…)` and `base(…)` can read: a gate need hand the evaluator no others.
    public var settingsRead = SettingsRead.keys([])
    /// `secret` patterns: settings whose values reports, annotations and the audit trail redact
    /// (besides the secret-looking names redacted by default).
    public var secretPatterns: [KeyPathPattern] = []
    /// `rto` lines: the recovery time objectives the `rto` field reads.
    public var recoveryObjectives: [RecoveryObjective] = []

    /// The group the policy declares under `name`.
    ///
    /// - Parameter name: The group's name.
    /// - Returns: The group; nil when the policy declares none of that name.
    public func group(named name: String) -> Group? { groups.first { $0.name == name } }

    /// Who may approve a change to the policy itself: the members of the `owners` groups, or, when
    /// the policy names none, of every group it names (a safe default: someone the policy trusts,
    /// never no one by omission).
    public var policyOwners: Group {
        let names = owners.isEmpty ? groups.map(\.name) : owners
        var seen = Set<String>()
        let members = names.compactMap { group(named: $0) }.flatMap(\.members).filter {
            seen.insert($0.lowercased()).inserted
        }
        let range =
            groups.first?.range
            ?? SourceRange(start: SourceLocation(path: "", line: 1, column: 1, offset: 0), length: 1)
        return Group(name: Program.policyOwnersGroup, members: members, range: range)
    }

    /// The name of ``policyOwners`` in verdicts; no policy's group can be called this (a space).
    public static let policyOwnersGroup = "policy owners"

    /// Who may override the built-in requirements (a policy change, a broken policy): the members of
    /// every `override by` group.
    public var overriders: Group {
        var seen = Set<String>()
        let names = rules.compactMap(\.overrideGroup).filter { seen.insert($0).inserted }
        let members = names.compactMap { group(named: $0) }.flatMap(\.members)
        return Group(name: names.joined(separator: " or "), members: members, range: policyOwners.range)
    }

    /// The watch whose pattern matches `keyPath` most specifically, if any.
    ///
    /// - Parameter keyPath: A setting's key path.
    /// - Returns: The watch; nil when none matches or the key path does not parse.
    public func watch(for keyPath: String) -> Watch? {
        guard case .success(let parts) = KeyPathSyntax.split(keyPath) else { return nil }
        return watch(forParts: parts)
    }

    func watch(forParts parts: [KeyPathSyntax.Part]) -> Watch? {
        watchIndex(forParts: parts).map { watches[$0] }
    }

    /// The index in `watches` of the most specific match.
    func watchIndex(forParts parts: [KeyPathSyntax.Part]) -> Int? {
        var candidates = watchIndex.open
        if case .key(let last, _)? = parts.last, let indexed = watchIndex.byLastKey[last] {
            candidates = (candidates + indexed).sorted { $0.order < $1.order }
        }
        var best: (Int, [Int])? = nil
        for candidate in candidates
        where candidate.required.allSatisfy({ required in
            parts.contains { if case .key(let text, _) = $0 { text == required } else { false } }
        }) && candidate.pattern.matches(parts: parts) {
            // Strictly more specific replaces; on a tie the earlier declaration stays.
            let specificity = candidate.pattern.specificity
            if best == nil || best!.1.lexicographicallyPrecedes(specificity) {
                best = (candidate.watch, specificity)
            }
        }
        return best?.0
    }

    /// Watch patterns by their last literal key, so that a key is tried only against patterns that
    /// can match it (and those ending in a wildcard).
    struct WatchIndex: Sendable {
        struct Entry: Sendable {
            var pattern: KeyPathPattern
            var watch: Int
            var order: Int
            /// The pattern's literal keys, checked before the full match.
            var required: [String]
        }

        var byLastKey: [String: [Entry]] = [:]
        var open: [Entry] = []

        init(_ watches: [Watch]) {
            var order = 0
            for (index, watch) in watches.enumerated() {
                for pattern in watch.patterns {
                    let entry = Entry(pattern: pattern, watch: index, order: order, required: pattern.requiredKeys)
                    order += 1
                    if let last = pattern.lastLiteralKey {
                        byLastKey[last, default: []].append(entry)
                    } else {
                        open.append(entry)
                    }
                }
            }
        }
    }

    var watchIndex = WatchIndex([])
}

/// The settings of a file a policy reads with `head(…)` and `base(…)`.
public enum SettingsRead: Sendable, Hashable {
    /// Only these keys (every key path the policy writes is a literal; none when it reads none).
    case keys(Set<String>)
    /// Any: a key is computed (`head(key)`), known only at evaluation.
    case all

    mutating func insert(_ key: String) {
        if case .keys(var keys) = self {
            keys.insert(key)
            self = .keys(keys)
        }
    }

    /// The keys, or nil for all.
    public var keys: Set<String>? {
        if case .keys(let keys) = self { return keys }
        return nil
    }
}

/// `files "GLOB", … [except "GLOB", …] [detect SYSTEM] [as FORMAT]`
public struct FileSelectorRule: Sendable, Hashable {
    /// The globs of the paths to read (for `detect` without globs, the system's usual files).
    public var patterns: [String]
    /// The format named with `as`, normalized (`yml` → `yaml`); nil to follow the extension.
    public var format: String?
    public var range: SourceRange
    /// Globs of paths this line leaves out (`except`), and the policy's `ignore` globs.
    public var excluded: [String] = []
    /// With `detect SYSTEM`: a path is read only when one side's content is that system's
    /// configuration (``FileDetection/systems``).
    public var detect: String? = nil

    /// A `files` line.
    ///
    /// - Parameters:
    ///   - patterns: The globs of the paths to read.
    ///   - format: The normalized format named with `as`; nil to follow the extension.
    ///   - range: Where the line is.
    ///   - excluded: Globs of paths left out.
    ///   - detect: The system a file's content must be.
    public init(
        patterns: [String], format: String?, range: SourceRange, excluded: [String] = [], detect: String? = nil
    ) {
        self.patterns = patterns
        self.format = format
        self.range = range
        self.excluded = excluded
        self.detect = detect
    }
}

/// `trust trailers ["NAME", …] [committed by GROUP] [signed with "FILE"]`.
public struct TrailerTrust: Sendable, Hashable {
    /// The trailers a policy can trust, in their canonical spelling.
    public static let known = ["Reviewed-by", "Approved-by", "Tested"]

    /// Canonical names of the trusted trailers (all of ``known`` when the declaration names none).
    public var names: [String]
    /// When set, only trailers in commits signed by a member of this group count (a merge bot); a
    /// committer e-mail is the pusher's claim, so without ``allowedSigners`` no trailer counts.
    public var committerGroup: String?
    /// `signed with "FILE"` as written.
    public var signersFile: String?
    /// The allowed-signers file's text (SSH keys and their principals, from the policy's side):
    /// when set, only trailers in commits whose signature verifies against it count.
    public var allowedSigners: String?
    public var range: SourceRange

    /// True when `trailer` (any letter case) is trusted.
    ///
    /// - Parameter trailer: A trailer's name as written.
    /// - Returns: Whether it is among the trusted names.
    public func trusts(_ trailer: String) -> Bool {
        names.contains { $0.lowercased() == trailer.lowercased() }
    }
}

/// `group NAME = [...]` or `group NAME from "FILE"`.
public struct Group: Sendable, Hashable {
    public var name: String
    public var members: [String]
    public var range: SourceRange

    /// Identities compare case-insensitively (e-mail addresses do).
    ///
    /// - Parameter identity: An e-mail address.
    /// - Returns: Whether it is a member.
    public func contains(_ identity: String) -> Bool {
        let wanted = identity.lowercased()
        return members.contains { $0.lowercased() == wanted }
    }
}

/// `watch "PATTERN", … weight N tag T …`
public struct Watch: Sendable, Hashable {
    public var patterns: [KeyPathPattern]
    public var weight: Int
    public var tags: [String]
    public var range: SourceRange
}

/// Whether a risk line counts once per matching change or once per change set.
public enum RiskScope: String, Sendable, Hashable {
    case perChange = "per change"
    case perChangeSet = "per change set"
}

/// `risk ±N "reason" when EXPR`
public struct RiskLine: Sendable, Hashable {
    public var points: Int
    public var reason: String
    public var condition: PolicyExpression
    /// Decided by the checker: per change when the condition reads a field of a change.
    public var scope: RiskScope
    public var range: SourceRange
}

/// A `deny`, `warn`, `require` or `freeze` rule.
public struct Rule: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case deny, warn, require, freeze
    }

    public var kind: Kind
    public var name: String
    /// When the rule applies; nil for a `require` without `when` (always) and for `freeze`.
    public var condition: PolicyExpression?
    public var requirements: [Requirement]
    /// The group whose member may override with a reason (`override by GROUP`).
    public var overrideGroup: String?
    /// For `freeze`: the window, in seconds since the epoch, `from` inclusive, `to` exclusive.
    public var window: ClosedRange<Int>?
    public var range: SourceRange
}

/// What the policy says of `reverts`: how far back the gate looks on the target branch, and how
/// long a value must have stayed at the branch's accepted tips to count as known good. A nil part
/// keeps the gate's default (90 days, 24 hours, 500 commits).
public struct RevertWindow: Sendable, Hashable {
    /// Seconds.
    public var within: Int?
    /// Seconds.
    public var stable: Int?
    public var commits: Int?

    /// A `reverts` line's bounds, each nil where the line leaves the default.
    ///
    /// - Parameters:
    ///   - within: The look-back, in seconds.
    ///   - stable: Seconds a value must have stood.
    ///   - commits: The most first-parent commits looked at.
    public init(within: Int? = nil, stable: Int? = nil, commits: Int? = nil) {
        self.within = within
        self.stable = stable
        self.commits = commits
    }
}

/// `rto DURATION [for "GLOB", …]`: how long a cluster may be without a writable primary. The `rto`
/// field of a file is the shortest objective whose globs match its path (or its path before a
/// rename), else the one without `for`, else null: order does not matter, and a file cannot loosen
/// its objective by moving.
public struct RecoveryObjective: Sendable, Hashable {
    public var seconds: Int
    /// Empty: every file.
    public var patterns: [String]
    public var range: SourceRange

    /// An `rto` line.
    ///
    /// - Parameters:
    ///   - seconds: The objective, in seconds.
    ///   - patterns: The globs of the files it covers; empty for every file.
    ///   - range: Where the line is.
    public init(seconds: Int, patterns: [String], range: SourceRange) {
        self.seconds = seconds
        self.patterns = patterns
        self.range = range
    }
}
