/// A value with the source span it was written at.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var range: SourceRange
    /// The source text, for values whose spelling `fmt` keeps (numbers, times).
    public var text: String

    /// A located value.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - range: Where it is.
    ///   - text: Its source text.
    public init(_ value: Value, range: SourceRange, text: String) {
        self.value = value
        self.range = range
        self.text = text
    }
}

/// One top-level declaration of a policy.
public struct Declaration: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case policy(name: Located<String>)
        /// `files ["GLOB", …] [except "GLOB", …] [detect SYSTEM] [as FORMAT]`: which files to read.
        /// With `detect`, a file is read only when its content is that system's configuration.
        case files(
            patterns: [Located<String>], except: [Located<String>], detect: Located<String>?,
            format: Located<String>?)
        /// `ignore "GLOB", …`: paths no `files` line reads (Helm templates, vendored files).
        case ignore(patterns: [Located<String>])
        /// `secret "KEY-PATTERN", …`: settings whose values are never printed or stored.
        case secret(patterns: [Located<String>])
        case group(name: Located<String>, members: GroupMembers)
        case watch(patterns: [Located<String>], weight: Located<Int>, tags: [Located<String>])
        case risk(points: Located<Int>, reason: Located<String>, condition: PolicyExpression)
        case deny(name: Located<String>, condition: PolicyExpression)
        case warn(name: Located<String>, condition: PolicyExpression)
        case require(
            name: Located<String>, condition: PolicyExpression?, requirements: [Requirement], override: Located<String>?
        )
        case freeze(name: Located<String>, from: Located<Int>, to: Located<Int>, override: Located<String>?)
        /// `trust trailers ["NAME", …] [committed by GROUP] [signed with "FILE"]`: which commit-message
        /// trailers count as evidence, only in commits signed with a key of FILE (an SSH
        /// allowed-signers file), by a member of GROUP.
        case trustTrailers(names: [Located<String>], committer: Located<String>?, signers: Located<String>?)
        /// `trust unauthenticated pushes`: the hook judges a push with no authenticated pusher
        /// instead of refusing it.
        case trustUnauthenticatedPushes
        /// `reverts within DURATION [stable DURATION] [over N commits]`: how far back `reverts` looks on
        /// the target branch and how long a value must have stayed there to count as known good.
        case revertWindow(within: Located<Int>?, stable: Located<Int>?, commits: Located<Int>?)
        /// `owners GROUP {, GROUP}`: who must approve a change to the policy files themselves.
        case owners(groups: [Located<String>])
        /// `identity "LOGIN" = ["EMAIL", …]`: a hosting's login and the e-mails the same person uses.
        case identity(login: Located<String>, emails: [Located<String>])
        /// `identities from "FILE"`: one `LOGIN EMAIL …` per line, in a file beside the policy.
        case identities(file: Located<String>)
        /// `rto DURATION [for "GLOB", …]`: the recovery time objective a cluster's worst-case
        /// failover is held to (the `rto` field); with `for`, only for the files the globs match.
        case recoveryObjective(seconds: Located<Int>, patterns: [Located<String>])
    }

    public enum GroupMembers: Sendable, Hashable {
        case list([Located<String>])
        /// `group NAME from "PATH"`: one identity per line in a file beside the policy.
        case file(Located<String>)
    }

    public var kind: Kind
    /// From the keyword to the end of the declaration.
    public var range: SourceRange
    /// Byte offset just past the declaration's last token, for attaching trailing comments.
    public var endOffset: Int

    /// The keyword that starts the declaration.
    public var keyword: String {
        switch kind {
        case .policy: "policy"
        case .files: "files"
        case .ignore: "ignore"
        case .secret: "secret"
        case .group: "group"
        case .watch: "watch"
        case .risk: "risk"
        case .deny: "deny"
        case .warn: "warn"
        case .require: "require"
        case .freeze: "freeze"
        case .trustTrailers, .trustUnauthenticatedPushes: "trust"
        case .revertWindow: "reverts"
        case .owners: "owners"
        case .identity: "identity"
        case .identities: "identities"
        case .recoveryObjective: "rto"
        }
    }

    /// The declaration keywords, which start a declaration at the beginning of a line.
    public static let keywords: [String] = [
        "policy", "files", "group", "trust", "watch", "risk", "deny", "warn", "require", "freeze", "reverts",
        "owners", "secret", "identity", "identities", "ignore", "rto",
    ]
}

/// A line of a `require` block.
public struct Requirement: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `reviewers >= N [from GROUP]`
        case reviewers(comparison: Comparison, count: Located<Int>, group: Located<String>?)
        /// `tests "PATTERN", … passed`
        case tests(patterns: [Located<String>])
        /// `changed "GLOB", …`
        case changed(patterns: [Located<String>])
        /// `risk < N` or `risk <= N`
        case risk(comparison: Comparison, limit: Located<Int>)
    }

    public enum Comparison: String, Sendable, Hashable {
        case atLeast = ">="
        case moreThan = ">"
        case exactly = "=="
        case lessThan = "<"
        case atMost = "<="
    }

    public var kind: Kind
    public var range: SourceRange
    public var endOffset: Int
}

/// An expression of a condition.
public struct PolicyExpression: Sendable, Hashable {
    public indirect enum Kind: Sendable, Hashable {
        case null
        case bool(Bool)
        case integer(Int)
        case float(Double)
        case string(String)
        case duration(Int)
        case timestamp(Int)
        case list([PolicyExpression])
        /// A field (`key`, `risk`) or a group name.
        case name(String)
        case call(name: String, arguments: [PolicyExpression])
        case unary(UnaryOperator, PolicyExpression)
        case binary(BinaryOperator, PolicyExpression, PolicyExpression)
        /// `any change (…)`, `count file (…)`.
        case quantifier(Quantifier, Domain, PolicyExpression)
    }

    public enum UnaryOperator: String, Sendable, Hashable {
        case not
        case negate = "-"
    }

    public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
        case or, and
        case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
        case `in`, notIn = "not in", matches, has
        case add = "+", subtract = "-", multiply = "*", divide = "/"

        /// Binding strength: higher binds tighter.
        var precedence: Int {
            switch self {
            case .or: 1
            case .and: 2
            case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .in, .notIn, .matches, .has: 4
            case .add, .subtract: 5
            case .multiply, .divide: 6
            }
        }

        var isComparison: Bool { precedence == 4 }
    }

    public enum Quantifier: String, Sendable, Hashable {
        case any, all, count
    }

    public enum Domain: String, Sendable, Hashable {
        case change, file
    }

    public var kind: Kind {
        didSet { height = Self.height(of: kind) }
    }
    public var range: SourceRange
    /// The source text of a literal (numbers, durations, times keep their spelling in `fmt`).
    public var text: String
    /// Levels of the tree, this node included: every pass over an expression recurses this deep,
    /// so the parser bounds it. Kept per node, so that computing it never recurses.
    public private(set) var height: Int

    /// An expression node.
    ///
    /// - Parameters:
    ///   - kind: What it is, with its children.
    ///   - range: Where it is.
    ///   - text: A literal's source text.
    public init(_ kind: Kind, range: SourceRange, text: String = "") {
        self.kind = kind
        self.range = range
        self.text = text
        self.height = Self.height(of: kind)
    }

    private static func height(of kind: Kind) -> Int {
        switch kind {
        case .null, .bool, .integer, .float, .string, .duration, .timestamp, .name: 1
        case .list(let items), .call(_, let items): 1 + (items.map(\.height).max() ?? 0)
        case .unary(_, let operand), .quantifier(_, _, let operand): 1 + operand.height
        case .binary(_, let left, let right): 1 + max(left.height, right.height)
        }
    }
}

/// A parsed policy: every file's declarations, in order, with their comments.
public struct PolicySyntax: Sendable, Hashable {
    public var files: [SourceFile]
    public var declarations: [Declaration]
    public var comments: [Comment]
}
