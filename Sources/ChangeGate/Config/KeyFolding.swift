import Foundation

/// Keys as Go's encoding/json matches them against a struct's fields: without regard to case,
/// Unicode-wide (`ſ` is `s`, the Kelvin sign `K` is `k`), so that two keys Orchestrator reads as
/// one setting are found to be one here too.
enum KeyFolding {
    /// Case folding is a superset of Go's simple folding (`ß` folds to `ss` here, not in Go): two
    /// keys it joins that Go keeps apart are refused as duplicates, the safe side.
    static func go(_ key: String) -> String {
        // Most keys are ASCII: lower-casing them is the same fold, without Foundation's cost.
        if key.utf8.allSatisfy({ $0 < 0x80 }) { return key.lowercased() }
        return key.folding(options: [.caseInsensitive], locale: nil)
    }

    static func go(_ key: Substring) -> String { go(String(key)) }
}
