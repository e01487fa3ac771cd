/// One thing an unmet rule still needs: what kind of thing, with its numbers, and the sentence that
/// says what to do.
///
/// A terminal prints ``message``; a web page, the hook's "how" lines or an HTTP response read
/// ``kind`` instead of parsing the sentence. Every message is built by one of the factories below,
/// so the same shortfall always reads the same.
public struct Shortfall: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Too few reviewers counted (or, for `reviewers == N`, too many).
        case reviewers(ReviewerShortfall)
        /// Test results that are missing, failed, errored or were skipped.
        case tests([TestShortfall])
        /// The change must also touch a file matching one of these globs.
        case changedFiles(patterns: [String])
        /// The change set's risk is over the rule's limit.
        case risk(risk: Int, limit: Int, inclusive: Bool)
        /// A freeze holds until this instant (seconds since 1970).
        case freeze(until: Int)
        /// A member of this group may override the rule with a reason.
        case override(group: String)
        /// The target branch's own policy does not compile; the text says where.
        case brokenPolicy(String)
        /// The last policy that compiled names no override group, so nothing can lift a broken one.
        case noOverrideGroup
    }

    public let kind: Kind
    /// The sentence a report prints.
    public let message: String

    public var description: String { message }

    private init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// True for a shortfall a reviewer's approval supplies.
    public var needsReview: Bool {
        if case .reviewers = kind { return true }
        return false
    }

    /// True for a shortfall test results supply.
    public var needsTests: Bool {
        if case .tests = kind { return true }
        return false
    }

    // MARK: - Factories

    /// "needs 2 more reviewers from group dba (have: alice@…; bob@… is not in group dba)".
    ///
    /// - Parameter shortfall: Who is needed, who counted and who did not.
    /// - Returns: The shortfall with its sentence.
    public static func reviewers(_ shortfall: ReviewerShortfall) -> Shortfall {
        let from = shortfall.group.map { " from group \($0)" } ?? ""
        var sentence: String
        let needed = shortfall.needed
        let counted = shortfall.counted.count
        if shortfall.exactly, counted > needed {
            sentence = "needs exactly \(needed) reviewer\(needed == 1 ? "" : "s")\(from), has \(counted)"
        } else {
            let more = needed - counted
            sentence = "needs \(more) more reviewer\(more == 1 ? "" : "s")\(from)"
        }
        var have = "have: " + (shortfall.counted.isEmpty ? "none" : shortfall.counted.joined(separator: ", "))
        if !shortfall.notCounted.isEmpty {
            // The first few by name, then how many more: the pusher writes the trailers, and the
            // sentence is copied into the reason, the reports and the audit record.
            let listed = shortfall.notCounted
            have += "; " + listed.prefix(ReviewerShortfall.maxNotCountedListed).joined(separator: "; ")
            if listed.count > ReviewerShortfall.maxNotCountedListed {
                have += "; and \(listed.count - ReviewerShortfall.maxNotCountedListed) more that do not count"
            }
        }
        sentence += " (\(have))"
        if shortfall.noOneCanApprove {
            sentence += "; the policy names no group, so no one can approve it: name owners with `owners GROUP`"
        }
        return Shortfall(.reviewers(shortfall), sentence)
    }

    /// "no result for tests matching …; test x failed".
    ///
    /// - Parameter problems: Each pattern without a result, each test that did not pass.
    /// - Returns: The shortfall with its sentence.
    public static func tests(_ problems: [TestShortfall]) -> Shortfall {
        Shortfall(.tests(problems), problems.map(\.message).joined(separator: "; "))
    }

    /// "the change must also touch "a" or "b"".
    ///
    /// - Parameter patterns: The globs of the `changed` line.
    /// - Returns: The shortfall with its sentence.
    public static func changedFiles(_ patterns: [String]) -> Shortfall {
        Shortfall(
            .changedFiles(patterns: patterns),
            "the change must also touch " + patterns.map { "\"\($0)\"" }.joined(separator: " or "))
    }

    /// "risk is 40; it must be below 40".
    ///
    /// - Parameters:
    ///   - risk: The change set's risk.
    ///   - limit: The rule's limit.
    ///   - inclusive: True for `risk <= N`, false for `risk < N`.
    /// - Returns: The shortfall with its sentence.
    public static func risk(_ risk: Int, limit: Int, inclusive: Bool) -> Shortfall {
        Shortfall(
            .risk(risk: risk, limit: limit, inclusive: inclusive),
            "risk is \(risk); it must be \(inclusive ? "at most" : "below") \(limit)")
    }

    /// "wait until 2025-01-02T00:00:00Z, or override".
    ///
    /// - Parameter until: The first second after the freeze window.
    /// - Returns: The shortfall with its sentence.
    public static func freeze(until: Int) -> Shortfall {
        Shortfall(.freeze(until: until), "wait until \(Timestamp.iso(until)), or override")
    }

    /// "or a member of group oncall overrides with a reason".
    ///
    /// - Parameter group: The rule's override group.
    /// - Returns: The shortfall with its sentence.
    public static func override(group: String) -> Shortfall {
        Shortfall(.override(group: group), "or a member of group \(group) overrides with a reason")
    }

    /// The compiler's account of the branch's broken policy, as ``Evaluator`` receives it.
    ///
    /// - Parameter text: Where the policy is broken, as ``EvaluationInput/brokenPolicy`` says.
    /// - Returns: The shortfall, the text its sentence.
    public static func brokenPolicy(_ text: String) -> Shortfall {
        Shortfall(.brokenPolicy(text), text)
    }

    /// Nothing can lift the broken policy: the one that still judges names no override group.
    public static var noOverrideGroup: Shortfall {
        Shortfall(.noOverrideGroup, "the last policy that compiled names no override group: fix it on the server")
    }
}

/// A `reviewers` line that is not met: how many it needs, who counted, who did not and why.
public struct ReviewerShortfall: Sendable, Hashable {
    /// The group the reviewers must come from; nil for anyone.
    public var group: String?
    /// How many reviewers the line needs (`> N` needs N + 1).
    public var needed: Int
    /// True for `reviewers == N`, which too many also fails.
    public var exactly: Bool
    /// The reviewers that counted, one per person.
    public var counted: [String]
    /// Each reviewer that did not count, with why ("x is not in group dba"), sorted.
    public var notCounted: [String]
    /// True when the rule is the policy's own ownership and the policy names no owners.
    public var noOneCanApprove = false

    /// The most reviewers that do not count a message names; the rest are counted.
    public static let maxNotCountedListed = 10

    public init(group: String?, needed: Int, exactly: Bool, counted: [String], notCounted: [String]) {
        self.group = group
        self.needed = needed
        self.exactly = exactly
        self.counted = counted
        self.notCounted = notCounted
    }
}

/// One `tests` pattern that is not met.
public struct TestShortfall: Sendable, Hashable {
    public enum Problem: Sendable, Hashable {
        /// No result matches the pattern.
        case noResult
        case failed, error, skipped
    }

    /// The pattern of the `tests` line.
    public var pattern: String
    /// The test's name; nil for ``Problem/noResult``.
    public var test: String?
    public var problem: Problem

    public init(pattern: String, test: String?, problem: Problem) {
        self.pattern = pattern
        self.test = test
        self.problem = problem
    }

    public var message: String {
        let name = test ?? ""
        switch problem {
        case .noResult: return "no result for tests matching \"\(pattern)\""
        case .skipped: return "test \(name) was skipped (a skipped test is not a pass)"
        case .error: return "test \(name) ended in an error"
        case .failed: return "test \(name) failed"
        }
    }
}
