import PolicyDSL

/// What `changegate history` is asked for: which commits, which time window, which settings, and
/// in which order. Built from the command line's words by ``init(words:clock:)`` so that every error a
/// user can make is reported the same way, by the library.
public struct HistoryQuery: Sendable {
    /// Which commits to walk.
    public enum Revisions: Sendable, Hashable, CustomStringConvertible {
        /// Everything reachable from the revision.
        case ref(String)
        /// `A..B`: reachable from B, not from A.
        case range(String)

        public var description: String {
            switch self {
            case .ref(let ref): ref
            case .range(let range): range
            }
        }
    }

    /// The order commits are listed in.
    public enum Order: String, Sendable, Hashable {
        /// Walk order, printed as found: the plain history.
        case newestFirst = "newest first"
        /// The incident view (`--since`): by the sum of the listed weights, ties newest first.
        case highestRiskFirst = "highest risk first"
    }

    public var revisions: Revisions = .ref("HEAD")
    /// Seconds since the epoch; commits committed (received, where known) earlier are not listed.
    public var since: Int64?
    /// Seconds since the epoch; commits committed (received, where known) later are not listed.
    public var until: Int64?
    /// When the server received each commit (``AuditStore/receivedTimes(repository:since:)``): where
    /// known, `since`/`until` bound this time, not the committer date anyone can write, and
    /// `--evaluate` judges at it.
    public var receivedAt: [ObjectID: Int64] = [:]
    /// Keys to list whether watched or not (`--setting`); empty: the watched ones.
    public var settings: [KeyPathPattern] = []
    /// Keep rows whose watch carries any of these tags; empty: no tag filter.
    public var tags: [String] = []
    /// Replay the policy on each listed commit.
    public var evaluate = false
    /// The most commits to list.
    public var limit: Int?
    /// Path globs no file selector reads (`--exclude`), besides the policy's own exclusions.
    public var excludedPaths: [String] = []

    /// The plain history of `HEAD`: watched settings, newest first.
    public init() {}

    /// The incident view whenever a start is given: "what changed since the alerts began, worst first".
    public var order: Order { since != nil ? .highestRiskFirst : .newestFirst }

    /// True when `key` passes the setting filter, given its watch (if any).
    ///
    /// - Parameters:
    ///   - key: A changed setting's key path.
    ///   - watch: The watch it matched; nil for none.
    /// - Returns: Whether the row is listed: a key a `--setting` pattern matches (without those, a
    ///   watched key), and, when the query names tags, whose watch carries one of them.
    public func selects(key: String, watch: Watch?) -> Bool {
        if settings.isEmpty {
            guard watch != nil else { return false }
        } else if !settings.contains(where: { $0.matches(key) }) {
            return false
        }
        if !tags.isEmpty {
            guard let watch, watch.tags.contains(where: tags.contains) else { return false }
        }
        return true
    }

    /// A mistake in the options, named after the option.
    public struct OptionError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The option, as the user typed it (`--since`).
        public var option: String
        /// What is wrong with its value.
        public var message: String
        public var description: String { "\(option): \(message)" }
    }

    /// The options as given on the command line (strings, unparsed).
    public struct Words: Sendable {
        public var range: String?
        public var ref: String?
        public var since: String?
        public var until: String?
        public var settings: [String] = []
        public var tags: [String] = []
        public var evaluate = false
        public var limit: Int?
        /// `--now`: fixes the clock; nil for the real time.
        public var now: String?

        /// No options given.
        public init() {}
    }

    /// The clock the query was read with: durations count back from it.
    public private(set) var now: Int64 = 0

    /// Reads the options. `clock` is the real time, used when `--now` is not given. With `--now`,
    /// the command runs as if at that moment: commits committed after it are left out too, unless
    /// `--until` says otherwise (an incident replayed later sees the history as it was).
    ///
    /// - Parameters:
    ///   - words: The options as given.
    ///   - clock: The real time in seconds since the epoch.
    /// - Throws: ``OptionError`` naming the first option whose value does not parse, or options
    ///   that cannot go together.
    public init(words: Words, clock: Int64) throws(OptionError) {
        if words.range != nil, words.ref != nil {
            throw OptionError(option: "--range", message: "give --range A..B or --ref REF, not both")
        }
        if let range = words.range {
            guard range.contains(".."), !range.contains("...") else {
                throw OptionError(
                    option: "--range", message: "\"\(range)\" is not a range A..B (either side may be left out)")
            }
            revisions = .range(range)
        } else if let ref = words.ref {
            revisions = .ref(ref)
        }
        now = clock
        if let text = words.now {
            do {
                now = try RelativeTime.parseAbsolute(text)
            } catch {
                throw OptionError(option: "--now", message: error.description)
            }
        }
        func moment(_ option: String, _ text: String?) throws(OptionError) -> Int64? {
            guard let text else { return nil }
            do {
                return try RelativeTime.parse(text, now: now)
            } catch {
                throw OptionError(option: option, message: error.description)
            }
        }
        since = try moment("--since", words.since)
        until = try moment("--until", words.until) ?? (words.now != nil ? now : nil)
        if let since, let until, since > until {
            throw OptionError(
                option: "--since",
                message: "\(RelativeTime.iso8601(since)) is after the end of the window, \(RelativeTime.iso8601(until))"
            )
        }
        for text in words.settings {
            switch KeyPathPattern.parse(text) {
            case .success(let pattern): settings.append(pattern)
            case .failure(let error):
                throw OptionError(option: "--setting", message: "\"\(text)\" is not a key pattern: \(error.message)")
            }
        }
        tags = words.tags
        evaluate = words.evaluate
        if let limit = words.limit, limit < 1 {
            throw OptionError(option: "--limit", message: "must be at least 1 (got \(limit))")
        }
        limit = words.limit
    }
}
