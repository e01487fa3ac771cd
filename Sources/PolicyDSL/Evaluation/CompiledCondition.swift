/// A condition compiled once per program: names resolved to fields and groups, patterns parsed,
/// literals turned into values. Evaluating it is a switch per node, with no string lookups, which
/// is what lets a policy judge ten thousand changes in milliseconds.
indirect enum CompiledCondition: Sendable {
    enum Field: Sendable {
        case key, kind, old, new, tags, weight, reverts, watched, file, previousFile
        case failoverSystem, failoverPossible, baseFailoverPossible, failoverWorstCase, baseFailoverWorstCase
        case failoverNodeLost, baseFailoverNodeLost, failoverDatabaseCrashed, baseFailoverDatabaseCrashed, rto
        case failoverViolations, baseFailoverViolations
        case risk, ref, author, committer, actor, weekday, hour, now, changes, forced
    }

    enum Function: Sendable {
        case head, base, len, lower, upper, missing, present, abs, min, max, `default`
    }

    case constant(PolicyValue)
    case list([CompiledCondition])
    case field(Field)
    case call(Function, [CompiledCondition])
    case not(CompiledCondition)
    case negate(CompiledCondition)
    case and(CompiledCondition, CompiledCondition)
    case or(CompiledCondition, CompiledCondition)
    /// A comparison, `in`, `has` or arithmetic; `identities` compares without regard to case.
    case binary(PolicyExpression.BinaryOperator, CompiledCondition, CompiledCondition, identities: Bool)
    /// `key matches PATTERNS`, against the current change's key split once.
    case keyMatches([KeyPathPattern])
    /// `file matches GLOBS`: answered once per file before evaluation; `id` indexes those answers.
    case fileMatches(id: Int)
    /// `EXPR matches GLOBS` for other strings.
    case pathMatches(CompiledCondition, [Glob])
    case quantifier(PolicyExpression.Quantifier, PolicyExpression.Domain, CompiledCondition)

    /// Compiles `expression`; the globs of each `file matches` are appended to `fileGlobs`.
    static func compile(_ expression: PolicyExpression, groups: [String: Group], fileGlobs: inout [[Glob]])
        -> CompiledCondition
    {
        func compile(_ e: PolicyExpression) -> CompiledCondition {
            CompiledCondition.compile(e, groups: groups, fileGlobs: &fileGlobs)
        }
        switch expression.kind {
        case .null: return .constant(.null)
        case .bool(let b): return .constant(.bool(b))
        case .integer(let i): return .constant(.integer(i))
        case .float(let d): return .constant(.float(d))
        case .string(let s): return .constant(.string(s))
        case .duration(let d): return .constant(.duration(d))
        case .timestamp(let t): return .constant(.timestamp(t))
        case .list(let items):
            var compiled: [CompiledCondition] = []
            for item in items { compiled.append(compile(item)) }
            return .list(compiled)
        case .name(let name):
            if let group = groups[name] { return .constant(.list(group.members.map { .string($0) })) }
            return field(name).map { .field($0) } ?? .constant(.null)
        case .call(let name, let arguments):
            guard let function = function(name) else { return .constant(.null) }
            var compiled: [CompiledCondition] = []
            for argument in arguments { compiled.append(compile(argument)) }
            return .call(function, compiled)
        case .unary(.not, let operand): return .not(compile(operand))
        case .unary(.negate, let operand): return .negate(compile(operand))
        case .binary(.and, let left, let right): return .and(compile(left), compile(right))
        case .binary(.or, let left, let right): return .or(compile(left), compile(right))
        case .binary(.matches, let left, let right):
            var patterns: [String] = []
            switch right.kind {
            case .string(let pattern): patterns = [pattern]
            case .list(let items): patterns = items.compactMap { if case .string(let p) = $0.kind { p } else { nil } }
            default: break
            }
            if case .name("key") = left.kind { return .keyMatches(patterns.compactMap { KeyPathPattern($0) }) }
            if case .name("file") = left.kind {
                fileGlobs.append(patterns.map { Glob($0) })
                return .fileMatches(id: fileGlobs.count - 1)
            }
            return .pathMatches(compile(left), patterns.map { Glob($0) })
        case .binary(let op, let left, let right):
            let identities = isIdentity(left, groups) || isIdentity(right, groups)
            return .binary(op, compile(left), compile(right), identities: identities)
        case .quantifier(let quantifier, let domain, let body):
            return .quantifier(quantifier, domain, compile(body))
        }
    }

    private static func isIdentity(_ expression: PolicyExpression, _ groups: [String: Group]) -> Bool {
        guard case .name(let name) = expression.kind else { return false }
        return name == "actor" || name == "author" || name == "committer" || groups[name] != nil
    }

    private static func field(_ name: String) -> Field? {
        switch name {
        case "key": .key
        case "kind": .kind
        case "old": .old
        case "new": .new
        case "tags": .tags
        case "weight": .weight
        case "reverts": .reverts
        case "watched": .watched
        case "file": .file
        case "previous_file": .previousFile
        case "failover_system": .failoverSystem
        case "failover_possible": .failoverPossible
        case "base_failover_possible": .baseFailoverPossible
        case "failover_worst_case": .failoverWorstCase
        case "base_failover_worst_case": .baseFailoverWorstCase
        case "failover_node_lost": .failoverNodeLost
        case "base_failover_node_lost": .baseFailoverNodeLost
        case "failover_database_crashed": .failoverDatabaseCrashed
        case "base_failover_database_crashed": .baseFailoverDatabaseCrashed
        case "rto": .rto
        case "failover_violations": .failoverViolations
        case "base_failover_violations": .baseFailoverViolations
        case "risk": .risk
        case "ref": .ref
        case "author": .author
        case "committer": .committer
        case "actor": .actor
        case "weekday": .weekday
        case "hour": .hour
        case "now": .now
        case "changes": .changes
        case "forced": .forced
        default: nil
        }
    }

    private static func function(_ name: String) -> Function? {
        switch name {
        case "head": .head
        case "base": .base
        case "len": .len
        case "lower": .lower
        case "upper": .upper
        case "missing": .missing
        case "present": .present
        case "abs": .abs
        case "min": .min
        case "max": .max
        case "default": .default
        default: nil
        }
    }
}
