/// The static types the checker knows.
indirect enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case bool, number, string, duration, timestamp, null
    /// A value read from a config file (`old`, `new`, `head("…")`): any type, known only at run time.
    case any
    case list(ValueType)

    var description: String {
        switch self {
        case .bool: "a condition (true or false)"
        case .number: "a number"
        case .string: "a string"
        case .duration: "a duration"
        case .timestamp: "a timestamp"
        case .null: "null"
        case .any: "a value"
        case .list: "a list"
        }
    }

    var isKnown: Bool { self != .any && self != .null }

    /// "strings", "numbers": for "a list of …".
    var plural: String {
        switch self {
        case .bool: "conditions"
        case .number: "numbers"
        case .string: "strings"
        case .duration: "durations"
        case .timestamp: "timestamps"
        case .null: "nulls"
        case .any: "values"
        case .list: "lists"
        }
    }
}

/// Where a field can be read.
enum FieldScope: Sendable {
    /// A field of the current change: only inside `… change (…)` or in a per-change risk line.
    case change
    /// A field of the current file: inside `… file (…)` or `… change (…)`.
    case file
    /// A field of the change set: anywhere.
    case changeSet
}

/// The fields of the language and their types.
enum Fields {
    static let table: [String: (ValueType, FieldScope, String)] = [
        "key": (.string, .change, "the changed setting's key path"),
        "kind": (
            .string, .change, "\"added\", \"removed\", \"modified\" or \"renamed\" (moved unchanged with its file)"
        ),
        "old": (.any, .change, "the value before the change (null when added)"),
        "new": (.any, .change, "the value after the change (null when removed)"),
        "tags": (.list(.string), .change, "the tags of the watch the setting matches"),
        "weight": (.number, .change, "the weight of the watch the setting matches"),
        "reverts": (.bool, .change, "true when the new value restores a value the branch held as known good"),
        "watched": (.bool, .change, "true when a `watch` pattern matches the setting"),
        "file": (.string, .file, "the path of the current file (`file matches` also tries its path before a rename)"),
        "previous_file": (.string, .file, "the file's path before a rename; null when it was not renamed"),
        "failover_system": (
            .string, .file,
            "the failover system the file configures after the change (\"patroni\", \"cnpg\", \"orchestrator\", "
                + "\"sentinel\", \"generic\"); null when no failover model reads it"
        ),
        "failover_possible": (
            .bool, .file,
            "after the change: true when automatic failover can still happen, false when a setting rules it out; "
                + "null when no failover model reads the file"
        ),
        "base_failover_possible": (.bool, .file, "`failover_possible` before the change"),
        "failover_worst_case": (
            .duration, .file,
            "after the change: the longest time to a writable new primary over the failure modes; null when "
                + "failover is impossible or the file has no model"
        ),
        "base_failover_worst_case": (.duration, .file, "`failover_worst_case` before the change"),
        "failover_node_lost": (.duration, .file, "after the change: the bound when the primary's node is lost"),
        "base_failover_node_lost": (.duration, .file, "`failover_node_lost` before the change"),
        "failover_database_crashed": (
            .duration, .file, "after the change: the bound when the database crashes under a live agent"
        ),
        "base_failover_database_crashed": (.duration, .file, "`failover_database_crashed` before the change"),
        "failover_violations": (
            .list(.string), .file,
            "after the change: the rules its failover system documents that the file breaks "
                + "(`loop_wait + 2 × retry_timeout > ttl`); null when no model reads the file"
        ),
        "base_failover_violations": (.list(.string), .file, "`failover_violations` before the change"),
        "rto": (
            .duration, .file,
            "the recovery time objective of the current file (`rto` lines: the shortest that matches it)"
        ),
        "risk": (.number, .changeSet, "the change set's risk total"),
        "ref": (.string, .changeSet, "the ref being updated (refs/heads/main)"),
        "author": (.list(.string), .changeSet, "the authors of the commits"),
        "committer": (.list(.string), .changeSet, "the committers of the commits"),
        "actor": (.string, .changeSet, "who pushes or runs the check"),
        "weekday": (.string, .changeSet, "the day of the week, \"Mon\" to \"Sun\" (UTC)"),
        "hour": (.number, .changeSet, "the hour of the day, 0 to 23 (UTC)"),
        "now": (.timestamp, .changeSet, "the time of the decision"),
        "changes": (.number, .changeSet, "how many settings changed"),
        "forced": (.bool, .changeSet, "true for a push that rewrites history (not a fast-forward)"),
    ]

    /// The values a string field can take, where they are few (for "can never be true" warnings).
    static let domains: [String: [String]] = [
        "kind": ["added", "removed", "modified", "renamed"],
        "weekday": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "failover_system": ["patroni", "cnpg", "orchestrator", "sentinel", "generic"],
    ]

    static let functions: [String: (arity: ClosedRange<Int>, summary: String)] = [
        "head": (1...1, "head(\"KEY\"): the value of KEY in the current file after the change"),
        "base": (1...1, "base(\"KEY\"): the value of KEY in the current file before the change"),
        "len": (1...1, "len(x): the length of a string or a list"),
        "lower": (1...1, "lower(s): s in lower case"),
        "upper": (1...1, "upper(s): s in upper case"),
        "missing": (1...1, "missing(x): true when x is null (absent)"),
        "present": (1...1, "present(x): true when x is not null"),
        "abs": (1...1, "abs(n): the absolute value"),
        "default": (2...2, "default(x, fallback): x, or fallback when x is null (a setting left at its default)"),
        "min": (2...2, "min(a, b)"),
        "max": (2...2, "max(a, b)"),
    ]
}
