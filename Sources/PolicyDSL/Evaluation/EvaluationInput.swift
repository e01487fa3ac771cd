/// One changed setting, as the gate hands it to the policy.
public struct ChangeInput: Sendable, Hashable {
    public var file: String
    /// The file's path on the base side when it was renamed.
    public var previousFile: String?
    public var key: String
    /// "added", "removed", "modified" or "renamed" (the setting moved unchanged with its file).
    public var kind: String
    public var old: PolicyValue
    public var new: PolicyValue
    /// True when the new value restores a value the branch held as known good.
    public var reverts: Bool
    /// The key without its `[doc=Kind/name]` prefix, when the file holds that one document only: a
    /// watch, `key matches` and `key ==` match it too, so that `kind` and `metadata.name` written
    /// into a Patroni file do not take its settings out of the policy's reach.
    public var keyWithinDocument: String?

    /// A changed setting.
    ///
    /// - Parameters:
    ///   - file: The file's path on the head side.
    ///   - previousFile: Its path on the base side when it was renamed.
    ///   - key: The setting's key path.
    ///   - kind: "added", "removed", "modified" or "renamed".
    ///   - old: The value before; ``PolicyValue/null`` when added.
    ///   - new: The value after; ``PolicyValue/null`` when removed.
    ///   - reverts: Whether the new value restores a known-good one.
    ///   - keyWithinDocument: The key without its `[doc=Kind/name]` prefix, for a file of one
    ///     document.
    public init(
        file: String, previousFile: String? = nil, key: String, kind: String, old: PolicyValue, new: PolicyValue,
        reverts: Bool = false, keyWithinDocument: String? = nil
    ) {
        self.keyWithinDocument = keyWithinDocument
        self.file = file
        self.previousFile = previousFile
        self.key = key
        self.kind = kind
        self.old = old
        self.new = new
        self.reverts = reverts
    }
}

/// A changed file's settings on both sides, for `head("KEY")` and `base("KEY")`.
public struct FileInput: Sendable, Hashable {
    public var path: String
    /// The path on the base side when the file was renamed.
    public var previousPath: String?
    public var head: [String: PolicyValue]
    public var base: [String: PolicyValue]
    /// What the failover model concludes after the change (`failover_possible`, …); nil when no
    /// model reads the file.
    public var headFailover: FailoverFacts?
    /// The same before the change (`base_failover_possible`, …).
    public var baseFailover: FailoverFacts?

    /// A changed file's settings.
    ///
    /// - Parameters:
    ///   - path: The file's path on the head side.
    ///   - previousPath: Its path on the base side when it was renamed.
    ///   - head: The settings `head("KEY")` reads, by key path.
    ///   - base: The settings `base("KEY")` reads.
    ///   - headFailover: The failover model's conclusions after the change.
    ///   - baseFailover: The same before it.
    public init(
        path: String, previousPath: String? = nil, head: [String: PolicyValue], base: [String: PolicyValue],
        headFailover: FailoverFacts? = nil, baseFailover: FailoverFacts? = nil
    ) {
        self.path = path
        self.previousPath = previousPath
        self.head = head
        self.base = base
        self.headFailover = headFailover
        self.baseFailover = baseFailover
    }
}

/// A failover model's conclusions about one side of a file, as the policy reads them. The gate
/// computes them (ChangeGate's `FailoverModel`); the language knows only the values.
public struct FailoverFacts: Sendable, Hashable {
    /// "patroni", "cnpg", "orchestrator", "sentinel" or "generic".
    public var system: String
    public var possible: Bool
    /// Seconds to a writable new primary when the primary's node is lost; nil when it never happens.
    public var nodeLost: Int?
    /// Seconds when the database crashes under a live agent; nil when it never happens.
    public var databaseCrashed: Int?
    /// The rules the system documents that the configuration breaks (`failover_violations`).
    public var violations: [String]

    /// A failover model's conclusions.
    ///
    /// - Parameters:
    ///   - system: The system the model is of.
    ///   - possible: Whether automatic failover is possible.
    ///   - nodeLost: Seconds to a new primary when the primary's node is lost.
    ///   - databaseCrashed: Seconds when the database crashes under a live agent.
    ///   - violations: The documented rules the configuration breaks.
    public init(
        system: String, possible: Bool, nodeLost: Int? = nil, databaseCrashed: Int? = nil, violations: [String] = []
    ) {
        self.system = system
        self.possible = possible
        self.nodeLost = nodeLost
        self.databaseCrashed = databaseCrashed
        self.violations = violations
    }

    /// The longest bound; nil when failover is impossible or nothing is bounded.
    public var worstCase: Int? {
        guard possible else { return nil }
        return [nodeLost, databaseCrashed].compactMap { $0 }.max()
    }
}

/// A reviewer's approval and whether it counts.
public struct ReviewerEvidence: Sendable, Hashable {
    public var identity: String
    /// Where the approval came from ("evidence file", "server approval", "Reviewed-by trailer").
    public var source: String
    /// False for an approval that does not count; `reason` says why (the author, an untrusted trailer).
    public var counts: Bool
    public var reason: String?

    /// An approval.
    ///
    /// - Parameters:
    ///   - identity: The reviewer's e-mail address.
    ///   - source: Where the approval came from.
    ///   - counts: Whether it counts.
    ///   - reason: Why not, when it does not.
    public init(identity: String, source: String, counts: Bool = true, reason: String? = nil) {
        self.identity = identity
        self.source = source
        self.counts = counts
        self.reason = reason
    }
}

/// A test's result.
public struct TestEvidence: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case passed, failed, error, skipped
    }

    public var name: String
    public var status: Status
    public var source: String

    /// A test result.
    ///
    /// - Parameters:
    ///   - name: The test's name, as `tests "GLOB"` matches it.
    ///   - status: Its result.
    ///   - source: Where it came from (a JUnit report, the evidence file, a trailer).
    public init(name: String, status: Status, source: String) {
        self.name = name
        self.status = status
        self.source = source
    }
}

/// An emergency override: who asks and why.
public struct OverrideRequest: Sendable, Hashable {
    public var actor: String
    public var reason: String

    /// An override.
    ///
    /// - Parameters:
    ///   - actor: Who asks; counts only when a member of the rule's `override by` group.
    ///   - reason: Why.
    public init(actor: String, reason: String) {
        self.actor = actor
        self.reason = reason
    }
}

/// Everything a policy is evaluated against: plain values, the clock included, so that evaluation
/// is pure and deterministic.
public struct EvaluationInput: Sendable, Hashable {
    public var changes: [ChangeInput]
    public var files: [FileInput]
    public var ref: String
    public var authors: [String]
    public var committers: [String]
    public var actor: String?
    /// Seconds since the Unix epoch; `weekday` and `hour` are read from it in UTC.
    public var now: Int
    public var reviewers: [ReviewerEvidence]
    public var tests: [TestEvidence]
    /// Every path the change set touches (config or not), for `changed "GLOB"`.
    public var changedPaths: [String]
    public var override: OverrideRequest?
    /// True for a push that rewrites history (not a fast-forward): the `forced` field.
    public var forced: Bool = false
    /// Contributions the gate adds itself (a force push), counted with the policy's own.
    public var extraRisk: [RiskItem] = []
    /// True when the change set edits the policy's own files: a built-in requirement, which no
    /// policy can switch off, then asks for a reviewer from ``Program/policyOwners``.
    public var policyChange = false
    /// Set when the target branch's own policy does not compile and the program is the last one
    /// that did: only an override (``Program/overriders``) lands a change, the fix included. The
    /// text says what is broken.
    public var brokenPolicy: String? = nil

    /// An input; ``forced``, ``extraRisk``, ``policyChange`` and ``brokenPolicy`` are set after.
    ///
    /// - Parameters:
    ///   - changes: The changed settings.
    ///   - files: The changed files' settings on both sides.
    ///   - ref: The ref being updated.
    ///   - authors: The authors' e-mail addresses.
    ///   - committers: The committers' e-mail addresses.
    ///   - actor: Who asks for the change to go through.
    ///   - now: The time, in seconds since the Unix epoch.
    ///   - reviewers: The approvals.
    ///   - tests: The test results.
    ///   - changedPaths: Every path the change set touches.
    ///   - override: An override asked for.
    public init(
        changes: [ChangeInput], files: [FileInput] = [], ref: String = "", authors: [String] = [],
        committers: [String] = [], actor: String? = nil, now: Int, reviewers: [ReviewerEvidence] = [],
        tests: [TestEvidence] = [], changedPaths: [String] = [], override: OverrideRequest? = nil
    ) {
        self.changes = changes
        self.files = files
        self.ref = ref
        self.authors = authors
        self.committers = committers
        self.actor = actor
        self.now = now
        self.reviewers = reviewers
        self.tests = tests
        self.changedPaths = changedPaths
        self.override = override
    }
}
