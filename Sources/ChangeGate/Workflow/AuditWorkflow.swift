import Foundation

/// A workflow step that could not go on: what to say (one line, without the `changegate: error:`
/// prefix a CLI adds) and the exit it means.
public struct WorkflowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, one line, as the user reads it.
    public var message: String
    /// The exit the error means; ``WorkflowExit/error`` unless a step says otherwise.
    public var exit: WorkflowExit

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - message: One line without the `changegate: error:` prefix a CLI adds.
    ///   - exit: The exit it means; ``WorkflowExit/error`` (not judged) by default.
    public init(_ message: String, exit: WorkflowExit = .error) {
        self.message = message
        self.exit = exit
    }

    public var description: String { message }
}

/// The auditor's reads of the trail (`changegate audit`), for every client: which trail, which
/// records, which of them landed, and what was left out as damaged.
public enum AuditWorkflow {
    /// Where the trail is: `location` (`--audit`), else `$CHANGEGATE_AUDIT`, else
    /// `changegate/audit.sqlite` in the git directory of the repository at `repositoryPath` (nil:
    /// the one containing the working directory).
    public struct Trail: Sendable, Hashable {
        /// The trail named by the caller (`--audit`): a path, or a URL ``AuditStores`` knows.
        public var location: String?
        /// The repository whose git directory holds the default trail; nil for the one containing
        /// the working directory.
        public var repositoryPath: String?
        /// The process environment: `$CHANGEGATE_AUDIT` and git's variables are read from it.
        public var environment: [String: String]

        /// Names a trail.
        ///
        /// - Parameters:
        ///   - location: The trail the caller named (`--audit`), or nil for the default.
        ///   - repositoryPath: The repository whose git directory holds the default trail, or nil
        ///     for the one containing the working directory.
        ///   - environment: The process environment (`$CHANGEGATE_AUDIT`, `GIT_DIR`).
        public init(location: String?, repositoryPath: String?, environment: [String: String]) {
            self.location = location
            self.repositoryPath = repositoryPath
            self.environment = environment
        }

        /// The repository as records name it, when `repositoryPath` opens as one.
        public var repositoryName: String? {
            guard let repositoryPath else { return nil }
            return (try? Repository(path: repositoryPath))?.displayPath ?? repositoryPath
        }
    }

    /// A trail opened for reading, and its location as it may be shown (no password).
    public struct OpenedTrail: Sendable {
        /// The store, opened ``AuditAccess/readOnly``.
        public var store: any AuditStore
        /// Where it is: a path, or a URL without its password (``AuditStores/displayed(_:)``).
        public var location: String
    }

    /// Opens the trail for reading: a SQLite file (whose `log` and `export` go on past a damaged
    /// record, `entries(matching:damaged:)`, and whose `verify` names the file and its integrity
    /// check), or the store a URL names (PostgreSQL in `changegate-server`). A URL this binary has no
    /// store for gets ``AuditStores``' message before any file is looked for.
    ///
    /// - Parameter trail: Which trail to open.
    /// - Returns: The store, opened ``AuditAccess/readOnly``, and its location.
    /// - Throws: ``WorkflowError`` when no repository opens to find the default trail in, when the
    ///   location names a store this binary does not have, when a trail named explicitly does not
    ///   exist, or when the store cannot be opened.
    public static func openForReading(_ trail: Trail) throws(WorkflowError) -> OpenedTrail {
        let path = try resolve(trail)
        let shown = AuditStores.displayed(path)
        guard AuditStores.isPath(path) else {
            do {
                return OpenedTrail(store: try AuditStores.open(path, access: .readOnly), location: shown)
            } catch {
                throw WorkflowError("\(error)")
            }
        }
        guard trail.location == nil || FileManager.default.fileExists(atPath: path) else {
            throw WorkflowError("there is no audit trail at \(path)")
        }
        do {
            // Readers write nothing: a read-only mount, a read-only user or a full disk can still read.
            return OpenedTrail(store: try SQLiteAuditStore(path: path, access: .readOnly), location: shown)
        } catch {
            throw WorkflowError("\(error)")
        }
    }

    /// Where `trail` is: `--audit`, else `CHANGEGATE_AUDIT`, else the repository's git directory's
    /// default; refused at once when it names a store this binary does not have.
    private static func resolve(_ trail: Trail) throws(WorkflowError) -> String {
        var gitDirectory: String?
        if trail.location == nil, trail.environment[AuditLocation.environmentVariable] == nil {
            do {
                gitDirectory = try Repository.open(path: trail.repositoryPath, environment: trail.environment).path
            } catch {
                throw WorkflowError("\(error); name the trail with --audit PATH")
            }
        }
        let path = AuditLocation.path(
            explicit: trail.location, environment: trail.environment, gitDirectory: gitDirectory ?? ".")
        if let unsupported = AuditStores.unsupported(path) { throw WorkflowError("\(unsupported)") }
        return path
    }

    /// Opens the trail for writing and closes it: creates a SQLite trail, or brings a PostgreSQL
    /// database's schema to this version (`changegate audit init`, run as the role that owns the
    /// tables, so that writers need no right to create any: docs/audit.md, least privilege).
    ///
    /// - Parameter trail: Which trail.
    /// - Returns: Its location as it may be shown, and its head (nil: no records yet).
    /// - Throws: ``WorkflowError`` when no repository opens to find the default trail in, or the
    ///   store cannot be opened for writing (its message says why: a role that may not create
    ///   tables, a schema newer than this ChangeGate).
    public static func initialize(_ trail: Trail) throws(WorkflowError) -> (location: String, head: AuditHead?) {
        let path = try resolve(trail)
        do {
            let store = try AuditStores.open(path, access: .readWrite)
            return (AuditStores.displayed(path), try store.head())
        } catch {
            throw WorkflowError("\(error)")
        }
    }

    /// The filters of `log` and `export` as a user writes them.
    public struct Filters: Sendable, Hashable {
        /// ISO 8601, or relative to `now` (30m, 6h, 2d, 1w).
        public var since: String?
        public var until: String?
        public var ref: String?
        public var actor: String?
        public var author: String?
        /// A reviewer whose review counted, or who recorded an approval.
        public var approver: String?
        public var settings: [String] = []
        public var tags: [String] = []
        /// A changed setting's file, exactly.
        public var file: String?
        /// A changed setting's key, exactly (not a pattern).
        public var key: String?
        /// allow, warn, deny, error or approved.
        public var decision: String?
        /// hook, ci, service or approval.
        public var source: String?
        public var minimumRisk: Int?
        /// The time relative times count back from, ISO 8601; nil for the clock's.
        public var now: String?

        /// No filter: every record.
        public init() {}
    }

    /// The query `filters` mean, for `repository`'s records (nil: all), at most `limit`.
    ///
    /// - Parameters:
    ///   - filters: The filters as the user wrote them.
    ///   - repository: The repository the records must name; nil for every repository's.
    ///   - limit: The most records to return; nil for all.
    ///   - clock: The machine's time in seconds since the epoch, which relative times count back
    ///     from when ``Filters/now`` is nil.
    /// - Returns: The query for ``AuditStore/entries(matching:)``.
    /// - Throws: ``WorkflowError`` for a time that does not parse, or a source or decision that is
    ///   not one of the known names.
    public static func query(_ filters: Filters, repository: String?, limit: Int?, clock: Int64) throws(WorkflowError)
        -> AuditQuery
    {
        var query = AuditQuery()
        do {
            let now =
                try filters.now.map { text throws(RelativeTime.ParseError) in
                    try RelativeTime.parseAbsolute(text)
                } ?? clock
            query.since = try filters.since.map { text throws(RelativeTime.ParseError) in
                Int(try RelativeTime.parse(text, now: now))
            }
            query.until = try filters.until.map { text throws(RelativeTime.ParseError) in
                Int(try RelativeTime.parse(text, now: now))
            }
        } catch {
            throw WorkflowError("\(error)")
        }
        if let source = filters.source {
            guard let parsed = AuditRecord.Source(rawValue: source) else {
                throw WorkflowError("--source \(source): expected hook, ci, service or approval")
            }
            query.source = parsed
        }
        if let decision = filters.decision, !["allow", "warn", "deny", "error", "approved"].contains(decision) {
            throw WorkflowError("--decision \(decision): expected allow, warn, deny, error or approved")
        }
        query.repository = repository
        query.ref = filters.ref
        query.actor = filters.actor
        query.author = filters.author
        query.approver = filters.approver
        query.settings = filters.settings
        query.tags = filters.tags
        query.file = filters.file
        query.key = filters.key
        query.decision = filters.decision
        query.minimumRisk = filters.minimumRisk
        query.limit = limit
        return query
    }

    /// Which hook decisions landed; nil (shown as unknown, never as "not landed") when the trail
    /// cannot say, with the line that says why.
    ///
    /// - Parameters:
    ///   - entries: The records listed.
    ///   - store: The trail they were read from.
    /// - Returns: ``AuditStore/landings(of:)`` of `entries` and no problem; or nil and the error
    ///   line to print when the trail could not say.
    public static func landings(of entries: [AuditEntry], in store: any AuditStore) -> (
        landings: [Int: Int]?, problem: String?
    ) {
        do {
            return (try store.landings(of: entries), nil)
        } catch {
            return (nil, "changegate: error: cannot tell which hook decisions landed: \(error)")
        }
    }

    /// The lines that name each record skipped as damaged (at most 50, then a count) and what to
    /// do; empty when nothing was skipped. A listing with any ends with exit 1.
    ///
    /// - Parameters:
    ///   - damaged: The records a listing skipped (``SQLiteAuditStore/entries(matching:damaged:)``).
    ///   - trail: The trail's location, for the `audit verify` command the notes suggest.
    /// - Returns: The lines for standard error.
    public static func damageNotes(_ damaged: [AuditDamage], trail: String) -> [String] {
        guard !damaged.isEmpty else { return [] }
        var notes = damaged.prefix(50).map { "changegate: skipped: \($0)" }
        if damaged.count > 50 { notes.append("changegate: skipped \(damaged.count - 50) more damaged records") }
        notes.append(
            "changegate: error: \(damaged.count) damaged record\(damaged.count == 1 ? " was" : "s were") left out; "
                + "run `changegate audit verify --audit \(trail)` and restore the trail from a copy checked against "
                + "a witness")
        return notes
    }

    /// What `audit verify` found: the lines of its report (standard output) and the exit: 0 when
    /// the chain is whole (and matches the witness, when one was given), 1 when it is not.
    public struct Verification: Sendable, Hashable {
        /// The report, one line each, for standard output.
        public var lines: [String]
        /// ``WorkflowExit/success`` when the chain is whole, ``WorkflowExit/refused`` when it is not.
        public var exit: WorkflowExit
    }

    /// Walks the chain of the trail, checks its integrity and local witness, and, with `expect`
    /// (SEQ:HASH as `audit head` prints it), that nothing up to that head was cut or rewritten.
    ///
    /// - Parameters:
    ///   - trail: The trail to verify.
    ///   - expect: A witness's head as `SEQ:HASH`; nil when there is none.
    /// - Returns: The report's lines and the exit: a tampered or damaged trail is a report with
    ///   ``WorkflowExit/refused``, not an error.
    /// - Throws: ``WorkflowError`` when `expect` is not `SEQ:HASH`, or when the store cannot be
    ///   read.
    public static func verify(_ trail: OpenedTrail, expect: String?) throws(WorkflowError) -> Verification {
        let store = trail.store
        var witness: AuditHead?
        if let expect {
            guard let parsed = AuditHead(expect) else {
                throw WorkflowError("--expect \(expect): expected SEQ:HASH as `audit head` prints it")
            }
            witness = parsed
        }
        do {
            let verification = try store.verify()
            var lines = findings(verification, location: trail.location, sqlite: store is SQLiteAuditStore)
            if !lines.isEmpty { return Verification(lines: lines, exit: .refused) }
            if let witness, let problem = try verification.check(expected: witness, in: store) {
                return Verification(lines: ["TAMPERED: \(problem)"], exit: .refused)
            }
            lines += proven(verification, location: trail.location)
            if let witness {
                lines.append(
                    "record \(witness.sequence) matches the witness \(witness): nothing up to it was cut off or "
                        + "rewritten since the witness saw it; records after it are proven by the chain alone")
            } else {
                lines.append(
                    "not proven without a witness: that no records were cut off the end, that the trail was not "
                        + "rewritten and re-hashed as a whole, or deleted and started again; keep "
                        + "`changegate audit head` elsewhere and verify with --expect SEQ:HASH (docs/audit.md)")
            }
            return Verification(lines: lines, exit: .success)
        } catch {
            throw WorkflowError("\(error)")
        }
    }

    /// What is wrong with a trail, one line each (TAMPERED, DAMAGED); empty when it verifies.
    static func findings(_ verification: AuditVerification, location: String, sqlite: Bool) -> [String] {
        var lines: [String] = []
        if let problem = verification.problem { lines.append("TAMPERED: \(problem)") }
        if !verification.damage.isEmpty {
            lines.append(
                sqlite
                    ? "DAMAGED: SQLite's integrity check of \(location) failed (a damaged page, or an index "
                        + "that does not match its table; appends and queries would run over it):"
                    : "DAMAGED: the store's own checks of \(location) failed:")
            lines += verification.damage.map { "  \($0)" }
            lines.append("restore the trail from a copy checked against a witness (`audit verify --expect`)")
        }
        if let problem = verification.localWitnessProblem {
            lines.append("TAMPERED: \(problem); restore the trail from a copy that holds that head")
        }
        return lines
    }

    /// What a trail that verifies proves of itself: the chain, and the local witness when there is one.
    static func proven(_ verification: AuditVerification, location: String) -> [String] {
        // Say what was proven and what a chain cannot prove about itself (issue 14, item 17).
        let head = verification.head.map { " (head \($0))" } ?? ""
        var lines = [
            "ok: \(verification.records) records, each chained to the one before: none was edited, deleted, "
                + "inserted or reordered after it was chained\(head)"
        ]
        if let local = verification.localWitness {
            lines.append(
                "record \(local.sequence) matches this machine's local witness (\(location).head): the trail "
                    + "was not deleted, replaced or cut back since this machine last appended to it")
        }
        return lines
    }
}
