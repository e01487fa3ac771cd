/// One decision (or approval) as the audit trail keeps it: everything needed to explain it later
/// without the repository at hand.
///
/// Records are values; the store gives each its sequence number and chains it to the one before
/// (see ``AuditEntry``).
public struct AuditRecord: Sendable, Hashable, Codable {
    public enum Source: String, Sendable, Hashable, Codable, CaseIterable {
        /// `push`: the hook's note of who first pushed a commit (`head`) to the server (`actor`).
        case hook, ci, service, approval, push
    }

    /// The `decision` of a `push` record that says a ref landed on a commit (post-receive).
    public static let landedDecision = "landed"

    /// Assigned by the store when the record is appended: 1, 2, 3, … without gaps.
    public var sequence: Int = 0
    /// When the record was written, by the recording machine's clock: seconds since the Unix epoch.
    /// Never a time the caller chose (`check --now`), so that a record cannot be backdated out of
    /// `audit log --since`.
    public var time: Int
    /// The time the decision was evaluated as of (freezes, hours, `weekday`) when it differs from
    /// `time`: `check --now`. Absent from records written before it existed (their bodies stay
    /// byte-identical, so their hashes still verify) and when it equals `time`.
    public var evaluatedAt: Int?
    public var source: Source
    /// Where the repository is (a path, or the hosting's name for it).
    public var repository: String
    public var ref: String?
    public var base: String?
    public var head: String?
    /// The merge base of `base` and `head` the changes were compared from, when `base` (the base
    /// asked for) is not an ancestor of `head` (`check`); absent when it is, and from records
    /// written before it existed.
    public var mergeBase: String?
    /// Who asked: the authenticated pusher, CI's actor, the approver.
    public var actor: String?
    public var commits: [Commit] = []
    public var changes: [Change] = []
    public var risk: Int = 0
    public var riskItems: [RiskLine] = []
    /// `allow`, `warn`, `deny`, `error`; `approved` for an approval.
    public var decision: String
    /// Whether the deciding step let the change through: for CI, its exit code was 0; for the hook,
    /// it accepted the whole push (a refusal of one ref refuses an allowed ref too). A hook writes
    /// this before git moves the ref, so it is the hook's verdict, not a claim that the ref moved
    /// (``awaitsLanding``).
    public var accepted: Bool
    /// True on a hook decision that let its ref through: a later hook, a lost ref lock or a kill
    /// can still refuse the push, so the ref moved only if a `landed` record (post-receive) follows
    /// (``AuditStore/landings(of:)``). Absent from records written before it existed and from others.
    public var awaitsLanding: Bool?
    public var rules: [Rule] = []
    public var evidence: [Evidence] = []
    public var override: Override?
    /// True when an override lifted a rule.
    public var overridden: Bool = false
    public var policy: Policy?
    /// Why the change could not be judged.
    public var problems: [String] = []
    /// The ChangeGate version that decided.
    public var version: String
    /// What was cut to keep the record within ``maxBodyBytes``; absent when nothing was (and from
    /// records written before it existed, whose bodies stay byte-identical).
    public var truncation: Truncation?

    /// A record with its commits, changes, rules and evidence still empty (a decision's record is
    /// made by ``init(_:time:evaluatedAt:source:repository:ref:actor:accepted:)``).
    ///
    /// - Parameters:
    ///   - time: When it is recorded, in seconds since the Unix epoch.
    ///   - source: Who records it.
    ///   - repository: The repository, as records name it.
    ///   - ref: The ref updated.
    ///   - base: The base commit's full hex id.
    ///   - head: The head commit's full hex id.
    ///   - actor: Who asked.
    ///   - decision: allow, warn, deny, error, or a record's own (approved, landed).
    ///   - accepted: Whether the change went through.
    ///   - version: The ChangeGate version that decided.
    public init(
        time: Int, source: Source, repository: String, ref: String? = nil, base: String? = nil, head: String? = nil,
        actor: String? = nil, decision: String, accepted: Bool, version: String = ChangeGateVersion.current
    ) {
        self.time = time
        self.source = source
        self.repository = repository
        self.ref = ref
        self.base = base
        self.head = head
        self.actor = actor
        self.decision = decision
        self.accepted = accepted
        self.version = version
    }

    public struct Commit: Sendable, Hashable, Codable {
        public var id: String
        public var author: String
        public var committer: String
        public var time: Int
        public var subject: String

        /// A commit of the change.
        ///
        /// - Parameters:
        ///   - id: Its full hex id.
        ///   - author: Its author's email.
        ///   - committer: Its committer's email.
        ///   - time: Its committer time, in seconds since the Unix epoch.
        ///   - subject: Its subject line.
        public init(id: String, author: String, committer: String, time: Int, subject: String) {
            self.id = id
            self.author = author
            self.committer = committer
            self.time = time
            self.subject = subject
        }
    }

    public struct Change: Sendable, Hashable, Codable {
        public var file: String
        public var key: String
        public var kind: String
        /// The values as the report prints them (JSON text), nil where absent.
        public var old: String?
        public var new: String?
        public var weight: Int
        public var tags: [String]
        /// True when the file, the key or a value is stored cut (ending in `…`) to
        /// ``AuditRecord/maxTextBytes``; the digests are then those of the whole texts. All absent
        /// when nothing was cut.
        public var truncated: Bool?
        public var fileSHA256: String?
        public var keySHA256: String?
        public var oldSHA256: String?
        public var newSHA256: String?

        /// A changed setting.
        ///
        /// - Parameters:
        ///   - file: The file's path.
        ///   - key: The setting's key path.
        ///   - kind: added, removed, modified or renamed.
        ///   - old: The old value as JSON text; nil where absent.
        ///   - new: The new value as JSON text; nil where absent.
        ///   - weight: The weight of the watch it matched; 0 for none.
        ///   - tags: The tags of that watch.
        public init(file: String, key: String, kind: String, old: String?, new: String?, weight: Int, tags: [String]) {
            self.file = file
            self.key = key
            self.kind = kind
            self.old = old
            self.new = new
            self.weight = weight
            self.tags = tags
        }
    }

    /// What a record of a very large change leaves out so that its body stays within
    /// ``AuditRecord/maxBodyBytes``: the changes that matched a watch or a risk line are kept first,
    /// then the others in order; texts over ``AuditRecord/maxTextBytes`` are cut with a digest.
    public struct Truncation: Sendable, Hashable, Codable {
        /// The bound on the record's canonical JSON, in bytes.
        public var maxBytes: Int
        /// Changes not stored, and the SHA-256 of them in full: for each, in the decision's order,
        /// `file`, `key`, `kind`, `old`, `new` (the JSON texts, empty when absent), each followed by a
        /// NUL byte, and a newline after each change.
        public var omittedChanges: Int
        public var omittedChangesSHA256: String?
        public var omittedRiskItems: Int
        public var omittedCommits: Int
        public var omittedEvidence: Int
        public var omittedProblems: Int
        /// Keys, values, subjects and messages stored cut.
        public var truncatedTexts: Int
        /// Rules not stored (those that applied are kept first), and missing lines not stored (past
        /// the first ``AuditRecord/maxMissingPerRule`` of a rule, or for want of room): absent when
        /// none, as in records written before they existed.
        public var omittedRules: Int?
        public var omittedMissing: Int?

        /// Nothing left out yet.
        ///
        /// - Parameter maxBytes: The bound on the record's canonical JSON, in bytes.
        public init(maxBytes: Int) {
            self.maxBytes = maxBytes
            omittedChanges = 0
            omittedRiskItems = 0
            omittedCommits = 0
            omittedEvidence = 0
            omittedProblems = 0
            truncatedTexts = 0
        }

        /// True when anything was left out or cut.
        public var isEmpty: Bool {
            omittedChanges + omittedRiskItems + omittedCommits + omittedEvidence + omittedProblems + truncatedTexts
                + (omittedRules ?? 0) + (omittedMissing ?? 0) == 0
        }
    }

    public struct RiskLine: Sendable, Hashable, Codable {
        public var points: Int
        public var reason: String
        public var file: String?
        public var key: String?
        /// The SHA-256 of the whole text where `reason`, `file` or `key` is stored cut (ending in
        /// `…`); absent otherwise.
        public var reasonSHA256: String? = nil
        public var fileSHA256: String? = nil
        public var keySHA256: String? = nil
    }

    public struct Rule: Sendable, Hashable, Codable {
        public var kind: String
        public var name: String
        public var applies: Bool
        public var satisfied: Bool
        public var overridden: Bool
        public var reason: String
        public var missing: [String]
        /// The SHA-256 of the whole text where `name` or `reason` is stored cut (ending in `…`).
        public var nameSHA256: String? = nil
        public var reasonSHA256: String? = nil
        /// Set when a `missing` line is stored cut or left out: how many are left out (after the
        /// first ``AuditRecord/maxMissingPerRule``), and the SHA-256 of all of them in full, each
        /// followed by a NUL byte.
        public var omittedMissing: Int? = nil
        public var missingSHA256: String? = nil
    }

    public struct Evidence: Sendable, Hashable, Codable {
        public var kind: String
        public var subject: String
        public var status: String?
        public var source: String
        public var counted: Bool
        public var reason: String?

        /// A piece of evidence as the decision saw it (``EvidenceUse``).
        ///
        /// - Parameters:
        ///   - kind: reviewer or test.
        ///   - subject: The reviewer's identity or the test's name.
        ///   - status: A test's result; nil for a reviewer.
        ///   - source: Where it came from.
        ///   - counted: Whether it counted.
        ///   - reason: Why not, when it did not.
        public init(kind: String, subject: String, status: String?, source: String, counted: Bool, reason: String?) {
            self.kind = kind
            self.subject = subject
            self.status = status
            self.source = source
            self.counted = counted
            self.reason = reason
        }
    }

    public struct Override: Sendable, Hashable, Codable {
        public var actor: String
        public var reason: String
        /// The SHA-256 of the whole reason where it is stored cut (ending in `…`) to
        /// ``AuditRecord/maxOverrideReasonBytes``; absent otherwise.
        public var reasonSHA256: String? = nil

        /// An override asked for.
        ///
        /// - Parameters:
        ///   - actor: Who asked.
        ///   - reason: Why.
        public init(actor: String, reason: String) {
            self.actor = actor
            self.reason = reason
        }
    }

    public struct Policy: Sendable, Hashable, Codable {
        public var name: String?
        public var source: String?
        public var sha256: String?
    }

    /// Every author and committer of the commits, lowercased, once each.
    public var people: [String] {
        var seen = Set<String>()
        return commits.flatMap { [$0.author, $0.committer] }.map { $0.lowercased() }.filter { seen.insert($0).inserted }
    }
}
