import ArgumentParser
import ChangeGate
import Foundation

/// `changegate audit log|show|verify|head|export|migrate|init|…`: the auditor's tools over the trail.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Query the audit trail and prove it untouched.",
        discussion: """
            The trail is --audit PATH|URL, else $CHANGEGATE_AUDIT, else changegate/audit.sqlite in the git \
            directory of the repository at --repo (default: the one containing the working directory). A \
            postgres:// URL is opened by changegate-server, which changegate runs for it.
            """,
        subcommands: [
            Log.self, Show.self, Verify.self, Head.self, Export.self, Migrate.self, Init.self, Keygen.self,
            Checkpoint.self, Witness.self,
        ]
    )

    /// Where the trail is.
    struct Location: ParsableArguments {
        @Option(help: ArgumentHelp("The audit trail: a SQLite file or a postgres:// URL.", valueName: "location"))
        var audit: String?

        @Option(
            help: ArgumentHelp(
                "The repository: finds its trail, and `log` and `export` keep only its records.", valueName: "path"))
        var repo: String?

        var trail: AuditWorkflow.Trail {
            AuditWorkflow.Trail(
                location: audit, repositoryPath: repo, environment: ProcessInfo.processInfo.environment)
        }

        /// The repository as records name it, when --repo opens as one.
        func repositoryName() -> String? { trail.repositoryName }

        func open() throws -> AuditWorkflow.OpenedTrail {
            try AuditCommand.exiting { () throws(WorkflowError) in try AuditWorkflow.openForReading(trail) }
        }
    }

    /// Runs a workflow step; its error is printed and becomes the exit it names.
    static func exiting<T>(_ step: () throws(WorkflowError) -> T) throws -> T {
        do {
            return try step()
        } catch {
            Standard.error("changegate: error: \(error.message)")
            throw ExitCode(error.exit)
        }
    }

    /// Names each record skipped as damaged on standard error; exit 1 once the rest is printed.
    static func report(_ damaged: [AuditDamage], trail: String) -> ExitCode? {
        let notes = AuditWorkflow.damageNotes(damaged, trail: trail)
        guard !notes.isEmpty else { return nil }
        for note in notes { Standard.error(note) }
        return ExitCode.refused
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
                "A reviewer whose review counted in the decision, or who recorded an approval.",
                valueName: "identity"))
        var approver: String?
        @Option(
            help: ArgumentHelp(
                "A changed setting matching a key pattern (repeatable: any of them).", valueName: "pattern"))
        var setting: [String] = []
        @Option(help: ArgumentHelp("A changed setting with this tag (repeatable: any of them).", valueName: "tag"))
        var tag: [String] = []
        @Option(
            help: ArgumentHelp(
                "A changed setting in this file, exactly; with the other setting filters, on the same setting.",
                valueName: "path"))
        var file: String?
        @Option(
            help: ArgumentHelp(
                "A changed setting with this key, exactly (not a pattern): with --file, one setting's history.",
                valueName: "key"))
        var key: String?
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
            var filters = AuditWorkflow.Filters()
            filters.since = since
            filters.until = until
            filters.ref = ref
            filters.actor = actor
            filters.author = author
            filters.approver = approver
            filters.settings = setting
            filters.tags = tag
            filters.file = file
            filters.key = key
            filters.decision = decision
            filters.source = source
            filters.minimumRisk = minRisk
            filters.now = now
            return try AuditCommand.exiting { () throws(WorkflowError) in
                try AuditWorkflow.query(
                    filters, repository: repository, limit: limit, clock: Int64(Date().timeIntervalSince1970))
            }
        }
    }

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "log", abstract: "List records, newest first.")
        @OptionGroup var location: Location
        @OptionGroup var filters: Filters
        @Option(help: ArgumentHelp("At most N records.", valueName: "N")) var limit: Int = 50
        @Option(help: ArgumentHelp("table, json, csv or ndjson.", valueName: "format")) var format:
            AuditRenderer.Format = .table
        @Flag(
            help: ArgumentHelp(
                "Show the last --limit records oldest first, then each new one as it is appended, until "
                    + "interrupted (table or ndjson)."))
        var follow = false
        @Flag(
            help: ArgumentHelp(
                "Print how the store answers the query (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN: which "
                    + "indexes it uses) instead of the records."))
        var explain = false

        func validate() throws {
            if follow, format == .json || format == .csv {
                throw ValidationError("--follow writes a table or ndjson, one record after another; not \(format)")
            }
            if follow, explain { throw ValidationError("--explain prints a plan, not records: not with --follow") }
        }

        func run() throws {
            let trail = try location.open()
            let store = trail.store
            let query = try filters.query(repository: location.repositoryName(), limit: limit)
            if follow { return try Self.follow(store, query: query, backlog: limit, format: format) }
            if explain {
                do {
                    print(try store.queryPlan(for: query) ?? "(this store has no query planner: it reads every record)")
                } catch {
                    Standard.error("changegate: error: \(error)")
                    throw ExitCode.error
                }
                return
            }
            var damaged: [AuditDamage] = []
            var unreadable = false
            do {
                let entries = try AuditCommand.entries(of: store, matching: query, damaged: &damaged)
                let landings = AuditCommand.landings(of: entries, in: store, unreadable: &unreadable)
                print(AuditRenderer.render(entries, as: format, landings: landings), terminator: "")
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode.error
            }
            if let exit = AuditCommand.report(damaged, trail: trail.location) { throw exit }
            if unreadable { throw ExitCode.refused }
        }

        /// Prints as records come; a table's header once, before the first row.
        static func follow(_ store: any AuditStore, query: AuditQuery, backlog: Int, format: AuditRenderer.Format)
            throws
        {
            var headed = false
            do {
                try AuditWorkflow.follow(store, matching: query, backlog: backlog) { entries in
                    guard !entries.isEmpty else { return true }
                    var text = AuditRenderer.render(entries, as: format, landings: nil)
                    if format == .table {
                        if headed, let newline = text.firstIndex(of: "\n") {
                            text = String(text[text.index(after: newline)...])
                        }
                        headed = true
                    }
                    print(text, terminator: "")
                    fflush(nil)  // a pipe's reader sees each record as it comes
                    return true
                }
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode.error
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One record in full.")
        @OptionGroup var location: Location
        @Argument(help: "The record's sequence number.") var sequence: Int
        @Option(help: ArgumentHelp("text or json.", valueName: "format")) var format: String = "text"

        func run() throws {
            let store = try location.open().store
            let found: AuditEntry?
            do {
                found = try store.entry(sequence: sequence)
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode.error
            }
            guard let entry = found else {
                Standard.error("changegate: error: there is no record \(sequence) (see changegate audit head)")
                throw ExitCode.error
            }
            if format == "json" {
                print(AuditRenderer.json(entry))
                return
            }
            var unreadable = false
            let landings = AuditCommand.landings(of: [entry], in: store, unreadable: &unreadable)
            print(AuditRenderer.show(entry, landing: landings.map { .some($0[sequence]) } ?? .none), terminator: "")
            if unreadable { throw ExitCode.refused }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
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
        @OptionGroup var signed: CheckpointOptions

        func run() throws {
            let store = try location.open()
            let verification =
                try signed.verify(store, expect: expect)
                ?? AuditCommand.exiting { () throws(WorkflowError) in try AuditWorkflow.verify(store, expect: expect) }
            for line in verification.lines { print(line) }
            if verification.exit != .success { throw ExitCode(verification.exit) }
        }
    }

    struct Head: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "head",
            abstract: "Print the latest record as SEQ:HASH, to keep elsewhere (a witness).")
        @OptionGroup var location: Location

        func run() throws {
            let store = try location.open().store
            let head: AuditHead?
            do {
                head = try store.head()
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode.error
            }
            guard let head else {
                Standard.error("changegate: the audit trail is empty")
                throw ExitCode.refused
            }
            print(head)
        }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create the trail, or bring its schema to this version (as the role that owns the tables).")
        @OptionGroup var location: Location

        func run() throws {
            let ready = try AuditCommand.exiting { () throws(WorkflowError) in
                try AuditWorkflow.initialize(location.trail)
            }
            let records = ready.head.map { "\($0.sequence) records" } ?? "no records yet"
            print("ready: the audit trail \(ready.location) (\(records))")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "The whole trail, or a filtered part, as JSON or CSV with the chain hashes.")
        @OptionGroup var location: Location
        @OptionGroup var filters: Filters
        @Option(help: ArgumentHelp("json, csv or ndjson.", valueName: "format")) var format: AuditRenderer.Format =
            .json
        @Option(help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "file")) var output: String?

        func run() throws {
            guard format != .table else {
                Standard.error("changegate: error: export writes json, csv or ndjson")
                throw ExitCode.error
            }
            let trail = try location.open()
            let query = try filters.query(repository: location.repositoryName(), limit: nil)
            var damaged: [AuditDamage] = []
            do {
                // Oldest first: the order of the chain.
                let text = AuditRenderer.render(
                    try AuditCommand.entries(of: trail.store, matching: query, damaged: &damaged).reversed(),
                    as: format, landings: nil)
                if let output {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
                } else {
                    print(text, terminator: "")
                }
            } catch {
                Standard.error("changegate: error: \(error)")
                throw ExitCode.error
            }
            if let exit = AuditCommand.report(damaged, trail: trail.location) { throw exit }
        }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a trail into another store (SQLite and PostgreSQL, either way) as the same chain.",
            discussion: """
                Verifies both trails, checks that the destination already holds only a prefix of the source \
                (record for record, hash for hash; otherwise it refuses, naming the first record that differs), \
                copies the rest in sequence order, keeping each record's sequence number, time and hash, and \
                verifies both again: the head hash is equal on both sides. Run it again after an interruption: \
                it goes on where it stopped. Stop the writers first, or run it again once they are stopped, so \
                that it ends with the last record.
                """)
        @Option(help: ArgumentHelp("The trail to copy: a SQLite file or a postgres:// URL.", valueName: "location"))
        var from: String
        @Option(help: ArgumentHelp("The trail to copy into (created when missing).", valueName: "location"))
        var to: String
        @Option(help: ArgumentHelp("Records per transaction.", valueName: "N")) var batch: Int = 500

        func run() throws {
            let migration = try AuditCommand.exiting { () throws(WorkflowError) in
                do {
                    guard !AuditStores.isPath(from) || FileManager.default.fileExists(atPath: from) else {
                        throw WorkflowError("there is no audit trail at \(from)")
                    }
                    return AuditMigration(
                        source: try AuditStores.open(from, access: .readOnly),
                        destination: try AuditStores.open(to), sourceName: AuditStores.displayed(from),
                        destinationName: AuditStores.displayed(to), batch: batch)
                } catch let error as WorkflowError {
                    throw error
                } catch {
                    throw WorkflowError("\(error)")
                }
            }
            let outcome = try AuditCommand.exiting { () throws(WorkflowError) in try migration.run() }
            for line in outcome.lines { print(line) }
        }
    }
}

extension AuditCommand {
    /// The records that match; a SQLite trail goes on past a damaged record and names it in
    /// `damaged`, another store fails on it.
    static func entries(of store: any AuditStore, matching query: AuditQuery, damaged: inout [AuditDamage]) throws
        -> [AuditEntry]
    {
        if let sqlite = store as? SQLiteAuditStore { return try sqlite.entries(matching: query, damaged: &damaged) }
        return try store.entries(matching: query)
    }
}

extension AuditCommand {
    /// Which hook decisions landed; nil (shown as unknown) when the trail cannot say, which is
    /// reported and makes the command exit 1 at the end.
    static func landings(of entries: [AuditEntry], in store: any AuditStore, unreadable: inout Bool) -> [Int: Int]? {
        let (landings, problem) = AuditWorkflow.landings(of: entries, in: store)
        if let problem {
            Standard.error(problem)
            unreadable = true
        }
        return landings
    }
}

extension AuditRenderer.Format: ExpressibleByArgument {}
