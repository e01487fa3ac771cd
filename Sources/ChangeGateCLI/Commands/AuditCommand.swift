import ArgumentParser
import ChangeGate
import Foundation

/// `changegate audit log|show|verify|head|export`: the auditor's tools over the trail.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Query the audit trail and prove it untouched.",
        discussion: """
            The trail is --audit PATH, else $CHANGEGATE_AUDIT, else changegate/audit.sqlite in the git \
            directory of the repository at --repo (default: the one containing the working directory).
            """,
        subcommands: [Log.self, Show.self, Verify.self, Head.self, Export.self]
    )

    /// Where the trail is.
    struct Location: ParsableArguments {
        @Option(help: ArgumentHelp("The audit trail (SQLite file).", valueName: "path"))
        var audit: String?

        @Option(
            help: ArgumentHelp(
                "The repository: finds its trail, and `log` and `export` keep only its records.", valueName: "path"))
        var repo: String?

        /// The repository as records name it, when --repo opens as one.
        func repositoryName() -> String? {
            guard let repo else { return nil }
            return (try? Repository(path: repo))?.displayPath ?? repo
        }

        /// The SQLite store, not any store: `log` and `export` go on past a damaged record
        /// (`entries(matching:damaged:)`) and `verify` names the file and its integrity check, which
        /// only the SQLite store has. A location of another kind (`postgres://`) gets
        /// ``AuditStores``' message before any file is looked for.
        func open() throws -> SQLiteAuditStore {
            let environment = ProcessInfo.processInfo.environment
            var gitDirectory: String?
            if audit == nil, environment[AuditLocation.environmentVariable] == nil {
                do {
                    gitDirectory = try Repository.open(path: repo, environment: environment).path
                } catch {
                    Standard.error("changegate: error: \(error); name the trail with --audit PATH")
                    throw ExitCode(2)
                }
            }
            let path = AuditLocation.path(explicit: audit, environment: environment, gitDirectory: gitDirectory ?? ".")
            if let unsupported = AuditStores.unsupported(path) {
                Standard.error("changegate: error: \(unsupported)")
                throw ExitCode(2)
            }
            guard audit == nil || FileManager.default.fileExists(atPath: path) else {
                Standard.error("changegate: error: there is no audit trail at \(path)")
                throw ExitCode(2)
            }
            do {
                // Readers write nothing: a read-only mount, a read-only user or a full disk can still read.
                return try SQLiteAuditStore(path: path, access: .readOnly)
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode(2)
            }
        }
    }

    /// Names each record skipped as damaged on standard error; exit 1 once the rest is printed.
    static func report(_ damaged: [AuditDamage], trail: String) -> ExitCode? {
        guard !damaged.isEmpty else { return nil }
        for damage in damaged.prefix(50) { Standard.error("changegate: skipped: \(damage)") }
        if damaged.count > 50 { Standard.error("changegate: skipped \(damaged.count - 50) more damaged records") }
        Standard.error(
            "changegate: error: \(damaged.count) damaged record\(damaged.count == 1 ? " was" : "s were") left out; "
                + "run `changegate audit verify --audit \(trail)` and restore the trail from a copy checked against "
                + "a witness")
        return ExitCode(1)
    }

    /// The filters of `log` and `export`.
    struct Filters: ParsableArguments {
        @Option(
            help: ArgumentHelp(
                "Records at or after WHEN: ISO 8601 (2024-06-04T13:00:00Z) or relative (30m, 6h, 2d, 1w).",
                valueName: "when"))
        var since: String?
        @Option(help: ArgumentHelp("Records before WHEN.", valueName: "when"))
        var until: String?
        @Option(help: ArgumentHelp("Refs matching a glob (refs/heads/release/*).", valueName: "glob"))
        var ref: String?
        @Option(help: ArgumentHelp("Who asked (the pusher, CI's actor, the approver).", valueName: "identity"))
        var actor: String?
        @Option(help: ArgumentHelp("An author or committer of the change's commits.", valueName: "identity"))
        var author: String?
        @Option(
            help: ArgumentHelp(
                "A changed setting matching a key pattern (repeatable: any of them).", valueName: "pattern"))
        var setting: [String] = []
        @Option(help: ArgumentHelp("A changed setting with this tag (repeatable: any of them).", valueName: "tag"))
        var tag: [String] = []
        @Option(help: ArgumentHelp("allow, warn, deny, error or approved.", valueName: "verdict"))
        var decision: String?
        @Option(help: ArgumentHelp("hook, ci, service or approval.", valueName: "source"))
        var source: String?
        @Option(help: ArgumentHelp("Records with at least this risk.", valueName: "points"))
        var minRisk: Int?
        @Option(
            help: ArgumentHelp("The time relative WHENs count back from, ISO 8601 (default: now).", valueName: "time"))
        var now: String?

        func query(repository: String?, limit: Int?) throws -> AuditQuery {
            var query = AuditQuery()
            var clock = Int64(Date().timeIntervalSince1970)
            do {
                if let now { clock = try RelativeTime.parseAbsolute(now) }
                query.since = try since.map { Int(try RelativeTime.parse($0, now: clock)) }
                query.until = try until.map { Int(try RelativeTime.parse($0, now: clock)) }
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode(2)
            }
            if let source {
                guard let parsed = AuditRecord.Source(rawValue: source) else {
                    Standard.error("changegate: error: --source \(source): expected hook, ci, service or approval")
                    throw ExitCode(2)
                }
                query.source = parsed
            }
            if let decision, !["allow", "warn", "deny", "error", "approved"].contains(decision) {
                Standard.error(
                    "changegate: error: --decision \(decision): expected allow, warn, deny, error or approved")
                throw ExitCode(2)
            }
            query.repository = repository
            query.ref = ref
            query.actor = actor
            query.author = author
            query.settings = setting
            query.tags = tag
            query.decision = decision
            query.minimumRisk = minRisk
            query.limit = limit
            return query
        }
    }

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List records, newest first.")
        @OptionGroup var location: Location
        @OptionGroup var filters: Filters
        @Option(help: ArgumentHelp("At most N records.", valueName: "N")) var limit: Int = 50
        @Option(help: ArgumentHelp("table, json, csv or ndjson.", valueName: "format")) var format:
            AuditRenderer.Format = .table

        func run() throws {
            let store = try location.open()
            let query = try filters.query(repository: location.repositoryName(), limit: limit)
            var damaged: [AuditDamage] = []
            var unreadable = false
            do {
                let entries = try store.entries(matching: query, damaged: &damaged)
                let landings = AuditCommand.landings(of: entries, in: store, unreadable: &unreadable)
                print(AuditRenderer.render(entries, as: format, landings: landings), terminator: "")
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode(2)
            }
            if let exit = AuditCommand.report(damaged, trail: store.path) { throw exit }
            if unreadable { throw ExitCode(1) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One record in full.")
        @OptionGroup var location: Location
        @Argument(help: "The record's sequence number.") var sequence: Int
        @Option(help: ArgumentHelp("text or json.", valueName: "format")) var format: String = "text"

        func run() throws {
            let store = try location.open()
            let found: AuditEntry?
            do {
                found = try store.entry(sequence: sequence)
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode(2)
            }
            guard let entry = found else {
                Standard.error("changegate: error: there is no record \(sequence) (see changegate audit head)")
                throw ExitCode(2)
            }
            if format == "json" {
                print(AuditRenderer.json(entry))
                return
            }
            var unreadable = false
            let landings = AuditCommand.landings(of: [entry], in: store, unreadable: &unreadable)
            print(AuditRenderer.show(entry, landing: landings.map { .some($0[sequence]) } ?? .none), terminator: "")
            if unreadable { throw ExitCode(1) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the hash chain; exit 1 naming the first record edited, deleted or reordered.",
            discussion: """
                Alone, verify cannot tell a trail cut at its end, rewritten and re-hashed as a whole, or \
                deleted and started again from an untouched one: --expect SEQ:HASH, a head kept elsewhere \
                (`audit head`), can.
                """)
        @OptionGroup var location: Location
        @Option(
            help: ArgumentHelp(
                "A head kept elsewhere (SEQ:HASH from `audit head`): also proves nothing was cut off the end.",
                valueName: "SEQ:HASH"))
        var expect: String?

        func run() throws {
            let store = try location.open()
            var witness: AuditHead?
            if let expect {
                guard let parsed = AuditHead(expect) else {
                    Standard.error("changegate: error: --expect \(expect): expected SEQ:HASH as `audit head` prints it")
                    throw ExitCode(2)
                }
                witness = parsed
            }
            do {
                let verification = try store.verify()
                var whole = true
                if let problem = verification.problem {
                    print("TAMPERED: \(problem)")
                    whole = false
                }
                if !verification.damage.isEmpty {
                    print(
                        "DAMAGED: SQLite's integrity check of \(store.path) failed (a damaged page, or an index that "
                            + "does not match its table; appends and queries would run over it):")
                    for finding in verification.damage { print("  \(finding)") }
                    print("restore the trail from a copy checked against a witness (`audit verify --expect`)")
                    whole = false
                }
                if let problem = verification.localWitnessProblem {
                    print("TAMPERED: \(problem); restore the trail from a copy that holds that head")
                    whole = false
                }
                if !whole { throw ExitCode(1) }
                if let witness, let problem = try verification.check(expected: witness, in: store) {
                    print("TAMPERED: \(problem)")
                    throw ExitCode(1)
                }
                // Say what was proven and what a chain cannot prove about itself (issue 14, item 17).
                let head = verification.head.map { " (head \($0))" } ?? ""
                print(
                    "ok: \(verification.records) records, each chained to the one before: none was edited, deleted, "
                        + "inserted or reordered after it was chained\(head)")
                if let local = verification.localWitness {
                    print(
                        "record \(local.sequence) matches this machine's local witness (\(store.path).head): the trail "
                            + "was not deleted, replaced or cut back since this machine last appended to it")
                }
                if let witness {
                    print(
                        "record \(witness.sequence) matches the witness \(witness): nothing up to it was cut off or "
                            + "rewritten since the witness saw it; records after it are proven by the chain alone")
                } else {
                    print(
                        "not proven without a witness: that no records were cut off the end, that the trail was not "
                            + "rewritten and re-hashed as a whole, or deleted and started again; keep "
                            + "`changegate audit head` elsewhere and verify with --expect SEQ:HASH (docs/audit.md)")
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode(2)
            }
        }
    }

    struct Head: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the latest record as SEQ:HASH, to keep elsewhere (a witness).")
        @OptionGroup var location: Location

        func run() throws {
            let store = try location.open()
            let head: AuditHead?
            do {
                head = try store.head()
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode(2)
            }
            guard let head else {
                Standard.error("changegate: the audit trail is empty")
                throw ExitCode(1)
            }
            print(head)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The whole trail, or a filtered part, as JSON or CSV with the chain hashes.")
        @OptionGroup var location: Location
        @OptionGroup var filters: Filters
        @Option(help: ArgumentHelp("json, csv or ndjson.", valueName: "format")) var format: AuditRenderer.Format =
            .json
        @Option(help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "file")) var output: String?

        func run() throws {
            guard format != .table else {
                Standard.error("changegate: error: export writes json, csv or ndjson")
                throw ExitCode(2)
            }
            let store = try location.open()
            let query = try filters.query(repository: location.repositoryName(), limit: nil)
            var damaged: [AuditDamage] = []
            do {
                // Oldest first: the order of the chain.
                let text = AuditRenderer.render(
                    try store.entries(matching: query, damaged: &damaged).reversed(), as: format, landings: nil)
                if let output {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
                } else {
                    print(text, terminator: "")
                }
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode(2)
            }
            if let exit = AuditCommand.report(damaged, trail: store.path) { throw exit }
        }
    }
}

extension AuditCommand {
    /// Which hook decisions landed; nil (shown as unknown, never as "not landed") when the trail
    /// cannot say, which is reported and makes the command exit 1 at the end.
    static func landings(of entries: [AuditEntry], in store: any AuditStore, unreadable: inout Bool) -> [Int: Int]? {
        do {
            return try store.landings(of: entries)
        } catch {
            Standard.error("changegate: error: cannot tell which hook decisions landed: \(error)")
            unreadable = true
            return nil
        }
    }
}

extension AuditRenderer.Format: ExpressibleByArgument {}
