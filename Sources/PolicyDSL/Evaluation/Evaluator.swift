/// Evaluates a checked ``Program`` against an ``EvaluationInput``. Pure: the same input gives the
/// same ``Evaluation``, and nothing here reads a clock, a file or the environment.
public struct Evaluator {
    public let program: Program
    private var pathGlobs: [String: Glob] = [:]
    private var segmentGlobs: [String: Glob] = [:]
    private var keyPatterns: [String: KeyPathPattern] = [:]
    private var watchCache: [String: Watch?] = [:]
    private var matchCache: [String: [String: Bool]] = [:]
    private var partsCache: [String: [KeyPathSyntax.Part]] = [:]
    private let groupsByName: [String: Group]

    public init(program: Program) {
        self.program = program
        self.groupsByName = Dictionary(program.groups.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Evaluates the policy.
    public static func evaluate(_ program: Program, _ input: EvaluationInput) -> Evaluation {
        var evaluator = Evaluator(program: program)
        return evaluator.evaluate(input)
    }

    private struct Context {
        var change: ChangeInput?
        var file: FileInput?
        var watch: Watch?
    }

    private struct SetState {
        var input: EvaluationInput
        var filesByPath: [String: FileInput]
        var risk: Int
        var weekday: String
        var hour: Int
        var authors: [PolicyValue]
        var committers: [PolicyValue]
        /// Built once per evaluation: every quantifier over changes or files walks these.
        var changeContexts: [Context] = []
        var fileContexts: [Context] = []
    }

    public mutating func evaluate(_ input: EvaluationInput) -> Evaluation {
        let days = Int((Double(input.now) / 86_400).rounded(.down))
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        var state = SetState(
            input: input,
            filesByPath: Dictionary(input.files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a }),
            risk: 0, weekday: weekdays[((days % 7) + 7) % 7], hour: (input.now - days * 86_400) / 3600,
            authors: input.authors.map { .string($0) }, committers: input.committers.map { .string($0) })

        // Watched settings: each adds its watch's weight to the risk.
        var items: [RiskItem] = []
        var watched: [WatchedChange] = []
        var contexts: [Context] = []
        contexts.reserveCapacity(input.changes.count)
        for change in input.changes {
            let watch = watch(for: change.key)
            contexts.append(Context(change: change, file: state.filesByPath[change.file], watch: watch))
            if let watch {
                watched.append(
                    WatchedChange(file: change.file, key: change.key, weight: watch.weight, tags: watch.tags))
                if watch.weight != 0 {
                    items.append(
                        RiskItem(points: watch.weight, reason: "watched setting", file: change.file, key: change.key))
                }
            }
        }
        state.changeContexts = contexts
        var paths: [String] = []
        var seen = Set<String>()
        for file in input.files where seen.insert(file.path).inserted { paths.append(file.path) }
        for change in input.changes where seen.insert(change.file).inserted { paths.append(change.file) }
        state.fileContexts = paths.map {
            Context(change: nil, file: state.filesByPath[$0] ?? FileInput(path: $0, head: [:], base: [:]))
        }
        for line in program.riskLines {
            switch line.scope {
            case .perChange:
                for context in contexts where value(line.condition, context, &state).isTruthy {
                    items.append(
                        RiskItem(
                            points: line.points, reason: line.reason, file: context.change?.file,
                            key: context.change?.key))
                }
            case .perChangeSet:
                if value(line.condition, Context(), &state).isTruthy {
                    items.append(RiskItem(points: line.points, reason: line.reason, file: nil, key: nil))
                }
            }
        }
        state.risk = items.reduce(0) { $0 &+ $1.points }

        var verdicts: [RuleVerdict] = []
        var outcome = Outcome.allow
        for rule in program.rules {
            let verdict = judge(rule, &state)
            verdicts.append(verdict)
            if !verdict.satisfied {
                outcome = max(outcome, .deny)
            } else if rule.kind == .warn, verdict.applies {
                outcome = max(outcome, .warn)
            }
        }
        return Evaluation(outcome: outcome, risk: state.risk, riskItems: items, verdicts: verdicts, watched: watched)
    }

    private mutating func watch(for key: String) -> Watch? {
        if let cached = watchCache[key] { return cached }
        let found = parts(of: key).flatMap { program.watch(forParts: $0) }
        watchCache[key] = found
        return found
    }

    /// A key path split into segments, once per key.
    private mutating func parts(of key: String) -> [KeyPathSyntax.Part]? {
        if let cached = partsCache[key] { return cached }
        guard case .success(let parts) = KeyPathSyntax.split(key) else { return nil }
        partsCache[key] = parts
        return parts
    }

    // MARK: - Rules

    private mutating func judge(_ rule: Rule, _ state: inout SetState) -> RuleVerdict {
        var verdict = RuleVerdict(
            kind: rule.kind, name: rule.name, applies: false, satisfied: true, overridden: false, reason: "",
            missing: [], range: rule.range)
        switch rule.kind {
        case .deny:
            var witness: String? = nil
            verdict.applies = holds(rule.condition!, &state, witness: &witness)
            verdict.satisfied = !verdict.applies
            verdict.reason =
                verdict.applies
                ? "denied: \(rule.name)" + (witness.map { " (\($0))" } ?? "") + "; no override can lift a deny rule"
                : "does not apply"
        case .warn:
            var witness: String? = nil
            verdict.applies = holds(rule.condition!, &state, witness: &witness)
            verdict.reason =
                verdict.applies ? "warning: \(rule.name)" + (witness.map { " (\($0))" } ?? "") : "does not apply"
        case .require:
            var witness: String? = nil
            verdict.applies = rule.condition.map { holds($0, &state, witness: &witness) } ?? true
            guard verdict.applies else {
                verdict.reason = "does not apply"
                return verdict
            }
            for requirement in rule.requirements {
                if let missing = unmet(requirement, state) { verdict.missing.append(missing) }
            }
            verdict.satisfied = verdict.missing.isEmpty
            verdict.reason = verdict.satisfied ? "met" : "not met: " + verdict.missing.joined(separator: "; ")
        case .freeze:
            let window = rule.window!
            verdict.applies = window.contains(state.input.now) && !state.input.changes.isEmpty
            verdict.satisfied = !verdict.applies
            verdict.reason =
                verdict.applies
                ? "frozen: \(rule.name) until \(Timestamp.iso(window.upperBound + 1))" : "not in the freeze window"
            if verdict.applies { verdict.missing = ["wait until \(Timestamp.iso(window.upperBound + 1)), or override"] }
        }
        if !verdict.satisfied, let group = rule.overrideGroup {
            if let request = state.input.override, !request.reason.trimmingWhitespace().isEmpty,
                program.group(named: group)?.contains(request.actor) == true
            {
                verdict.satisfied = true
                verdict.overridden = true
                verdict.reason = "OVERRIDDEN by \(request.actor) (group \(group)): \(request.reason)"
            } else {
                verdict.missing.append("or a member of group \(group) overrides with a reason")
            }
        }
        return verdict
    }

    /// Why a requirement line is not met, or nil when it is.
    private mutating func unmet(_ requirement: Requirement, _ state: SetState) -> String? {
        switch requirement.kind {
        case .reviewers(let comparison, let count, let groupName):
            let group = groupName.flatMap { program.group(named: $0.value) }
            var counted: [String] = []
            var seen = Set<String>()
            var notCounted: [String] = []
            for reviewer in state.input.reviewers {
                let identity = reviewer.identity.lowercased()
                if !reviewer.counts {
                    notCounted.append("\(reviewer.identity) \(reviewer.reason ?? "does not count")")
                } else if let group, !group.contains(reviewer.identity) {
                    notCounted.append("\(reviewer.identity) is not in group \(group.name)")
                } else if seen.insert(identity).inserted {
                    counted.append(reviewer.identity)
                }
            }
            let needed = comparison == .moreThan ? count.value + 1 : count.value
            let met = comparison == .exactly ? counted.count == needed : counted.count >= needed
            if met { return nil }
            let from = group.map { " from group \($0.name)" } ?? ""
            var sentence: String
            if comparison == .exactly, counted.count > needed {
                sentence = "needs exactly \(needed) reviewer\(needed == 1 ? "" : "s")\(from), has \(counted.count)"
            } else {
                let more = needed - counted.count
                sentence = "needs \(more) more reviewer\(more == 1 ? "" : "s")\(from)"
            }
            var have = "have: " + (counted.isEmpty ? "none" : counted.joined(separator: ", "))
            if !notCounted.isEmpty { have += "; " + Array(Set(notCounted)).sorted().joined(separator: "; ") }
            sentence += " (\(have))"
            return sentence
        case .tests(let patterns):
            var problems: [String] = []
            for pattern in patterns {
                let glob = glob(pattern.value, separator: "\u{0}")
                let matching = state.input.tests.filter { glob.matches($0.name) }
                if matching.isEmpty {
                    problems.append("no result for tests matching \"\(pattern.value)\"")
                    continue
                }
                for test in matching where test.status != .passed {
                    switch test.status {
                    case .skipped: problems.append("test \(test.name) was skipped (a skipped test is not a pass)")
                    case .error: problems.append("test \(test.name) ended in an error")
                    default: problems.append("test \(test.name) failed")
                    }
                }
            }
            return problems.isEmpty ? nil : problems.joined(separator: "; ")
        case .changed(let patterns):
            let globs = patterns.map { glob($0.value, separator: "/") }
            if state.input.changedPaths.contains(where: { path in globs.contains { $0.matches(path) } }) { return nil }
            return "the change must also touch " + patterns.map { "\"\($0.value)\"" }.joined(separator: " or ")
        case .risk(let comparison, let limit):
            let met = comparison == .lessThan ? state.risk < limit.value : state.risk <= limit.value
            return met
                ? nil
                : "risk is \(state.risk); it must be \(comparison == .lessThan ? "below" : "at most") \(limit.value)"
        }
    }

    private mutating func glob(_ pattern: String, separator: Character) -> Glob {
        if separator == "/" {
            if let cached = pathGlobs[pattern] { return cached }
            let glob = Glob(pattern, separator: "/")
            pathGlobs[pattern] = glob
            return glob
        }
        if let cached = segmentGlobs[pattern] { return cached }
        let glob = Glob(pattern, separator: separator)
        segmentGlobs[pattern] = glob
        return glob
    }

    private mutating func keyPattern(_ pattern: String) -> KeyPathPattern? {
        if let cached = keyPatterns[pattern] { return cached }
        guard let parsed = KeyPathPattern(pattern) else { return nil }
        keyPatterns[pattern] = parsed
        return parsed
    }

    /// Evaluates a set-level condition, noting which change or file made an `any` true.
    private mutating func holds(_ condition: Expression, _ state: inout SetState, witness: inout String?) -> Bool {
        if case .quantifier(.any, let domain, let body) = condition.kind {
            for context in contexts(domain, state) where value(body, context, &state).isTruthy {
                witness = context.change.map { "\($0.file): \($0.key)" } ?? context.file?.path
                return true
            }
            return false
        }
        return value(condition, Context(), &state).isTruthy
    }

    private func contexts(_ domain: Expression.Domain, _ state: SetState) -> [Context] {
        domain == .change ? state.changeContexts : state.fileContexts
    }

    // MARK: - Expressions

    private mutating func value(_ expression: Expression, _ context: Context, _ state: inout SetState) -> PolicyValue {
        switch expression.kind {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .integer(let i): return .integer(i)
        case .float(let d): return .float(d)
        case .string(let s): return .string(s)
        case .duration(let d): return .duration(d)
        case .timestamp(let t): return .timestamp(t)
        case .list(let items): return .list(items.map { value($0, context, &state) })
        case .name(let name): return field(name, context, state)
        case .call(let name, let arguments):
            return call(name, arguments.map { value($0, context, &state) }, context)
        case .unary(.not, let operand):
            return .bool(!value(operand, context, &state).isTruthy)
        case .unary(.negate, let operand):
            switch value(operand, context, &state) {
            case .integer(let i): return i == .min ? .float(-Double(i)) : .integer(-i)
            case .float(let d): return .float(-d)
            case .duration(let d): return .duration(-d)
            default: return .null
            }
        case .binary(.and, let left, let right):
            return .bool(value(left, context, &state).isTruthy && value(right, context, &state).isTruthy)
        case .binary(.or, let left, let right):
            return .bool(value(left, context, &state).isTruthy || value(right, context, &state).isTruthy)
        case .binary(let op, let left, let right):
            let l = value(left, context, &state)
            let r = value(right, context, &state)
            let identities = isIdentity(left) || isIdentity(right)
            return binary(op, l, r, leftIsKey: left.kind == .name("key"), identities: identities)
        case .quantifier(let quantifier, let domain, let body):
            var count = 0
            var total = 0
            for inner in contexts(domain, state) {
                total += 1
                if value(body, inner, &state).isTruthy {
                    count += 1
                    if quantifier == .any { return .bool(true) }
                } else if quantifier == .all {
                    return .bool(false)
                }
            }
            switch quantifier {
            case .any: return .bool(false)
            case .all: return .bool(count == total)
            case .count: return .integer(count)
            }
        }
    }

    private func field(_ name: String, _ context: Context, _ state: SetState) -> PolicyValue {
        if let group = groupsByName[name] { return .list(group.members.map { .string($0) }) }
        switch name {
        case "key": return context.change.map { .string($0.key) } ?? .null
        case "kind": return context.change.map { .string($0.kind) } ?? .null
        case "old": return context.change?.old ?? .null
        case "new": return context.change?.new ?? .null
        case "reverts": return context.change.map { .bool($0.reverts) } ?? .null
        case "tags": return context.change == nil ? .null : .list((context.watch?.tags ?? []).map { .string($0) })
        case "weight": return context.change == nil ? .null : .integer(context.watch?.weight ?? 0)
        case "watched": return context.change == nil ? .null : .bool(context.watch != nil)
        case "file": return (context.change?.file ?? context.file?.path).map { .string($0) } ?? .null
        case "risk": return .integer(state.risk)
        case "ref": return .string(state.input.ref)
        case "author": return .list(state.authors)
        case "committer": return .list(state.committers)
        case "actor": return state.input.actor.map { .string($0) } ?? .null
        case "weekday": return .string(state.weekday)
        case "hour": return .integer(state.hour)
        case "now": return .timestamp(state.input.now)
        case "changes": return .integer(state.input.changes.count)
        default: return .null
        }
    }

    private func call(_ name: String, _ arguments: [PolicyValue], _ context: Context) -> PolicyValue {
        switch (name, arguments.first) {
        case ("head", .string(let key)?): return context.file?.head[key] ?? .null
        case ("base", .string(let key)?): return context.file?.base[key] ?? .null
        case ("len", .string(let s)?): return .integer(s.count)
        case ("len", .list(let items)?): return .integer(items.count)
        case ("lower", .string(let s)?): return .string(s.lowercased())
        case ("upper", .string(let s)?): return .string(s.uppercased())
        case ("default", let v?): return v == .null ? arguments[1] : v
        case ("missing", let v?): return .bool(v == .null)
        case ("present", let v?): return .bool(v != .null)
        case ("abs", .integer(let i)?): return i == .min ? .float(-Double(i)) : .integer(abs(i))
        case ("abs", .float(let d)?): return .float(abs(d))
        case ("min", _), ("max", _):
            guard arguments.count == 2, let a = arguments[0].number, let b = arguments[1].number else { return .null }
            let pick = name == "min" ? (a <= b ? arguments[0] : arguments[1]) : (a >= b ? arguments[0] : arguments[1])
            return pick
        default: return .null
        }
    }

    /// Identities (groups, `actor`, `author`, `committer`) compare case-insensitively, as e-mail
    /// addresses do.
    private func isIdentity(_ expression: Expression) -> Bool {
        guard case .name(let name) = expression.kind else { return false }
        return name == "actor" || name == "author" || name == "committer" || groupsByName[name] != nil
    }

    private mutating func binary(
        _ op: Expression.BinaryOperator, _ l: PolicyValue, _ r: PolicyValue, leftIsKey: Bool, identities: Bool = false
    ) -> PolicyValue {
        var l = l
        var r = r
        if identities {
            l = Self.lowercased(l)
            r = Self.lowercased(r)
        }
        switch op {
        case .equal, .notEqual:
            // A comparison that involves null is false, `!=` included.
            if l == .null || r == .null { return .bool(false) }
            let same = Self.equal(l, r)
            return .bool(op == .equal ? same : !same)
        case .less, .lessEqual, .greater, .greaterEqual:
            guard let order = Self.compare(l, r) else { return .bool(false) }
            switch op {
            case .less: return .bool(order < 0)
            case .lessEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .in, .notIn:
            guard l != .null, case .list(let items) = r else { return .bool(false) }
            let found = items.contains { Self.equal(l, $0) }
            return .bool(op == .in ? found : !found)
        case .has:
            guard r != .null, case .list(let items) = l else { return .bool(false) }
            return .bool(items.contains { Self.equal($0, r) })
        case .matches:
            guard case .string(let text) = l else { return .bool(false) }
            let patterns: [PolicyValue]
            if case .list(let items) = r { patterns = items } else { patterns = [r] }
            for case .string(let pattern) in patterns {
                // Paths and keys repeat across changes: remember each (pattern, text) answer.
                if let known = matchCache[pattern]?[text] {
                    if known { return .bool(true) }
                    continue
                }
                let hit: Bool
                if leftIsKey {
                    if let compiled = keyPattern(pattern), let parts = parts(of: text) {
                        hit = compiled.matches(parts: parts)
                    } else {
                        hit = false
                    }
                } else {
                    hit = glob(pattern, separator: "/").matches(text)
                }
                matchCache[pattern, default: [:]][text] = hit
                if hit { return .bool(true) }
            }
            return .bool(false)
        case .add, .subtract, .multiply, .divide:
            return Self.arithmetic(op, l, r)
        case .and, .or:
            return .bool(false)  // handled with short-circuit above
        }
    }

    private static func lowercased(_ value: PolicyValue) -> PolicyValue {
        switch value {
        case .string(let s): .string(s.lowercased())
        case .list(let items): .list(items.map(lowercased))
        default: value
        }
    }

    /// A duration from seconds, or null when it does not fit (never a trap).
    private static func duration(_ seconds: Double) -> PolicyValue {
        guard seconds.isFinite, abs(seconds) < 9.0e18 else { return .null }
        return .duration(Int(seconds.rounded()))
    }

    static func equal(_ a: PolicyValue, _ b: PolicyValue) -> Bool {
        switch (a, b) {
        case (.integer, .float), (.float, .integer), (.float, .float): return a.number == b.number
        default: return a == b
        }
    }

    /// -1, 0, 1, or nil when the two cannot be ordered (null, or different types).
    static func compare(_ a: PolicyValue, _ b: PolicyValue) -> Int? {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch (a, b) {
        case (.string(let x), .string(let y)): return sign(x, y)
        case (.duration(let x), .duration(let y)): return sign(x, y)
        case (.timestamp(let x), .timestamp(let y)): return sign(x, y)
        case (.integer(let x), .integer(let y)): return sign(x, y)
        default:
            guard let x = a.number, let y = b.number, !x.isNaN, !y.isNaN else { return nil }
            return sign(x, y)
        }
    }

    static func arithmetic(_ op: Expression.BinaryOperator, _ l: PolicyValue, _ r: PolicyValue) -> PolicyValue {
        switch (l, r) {
        case (.integer(let x), .integer(let y)):
            switch op {
            case .add:
                let (v, o) = x.addingReportingOverflow(y)
                return o ? .float(Double(x) + Double(y)) : .integer(v)
            case .subtract:
                let (v, o) = x.subtractingReportingOverflow(y)
                return o ? .float(Double(x) - Double(y)) : .integer(v)
            case .multiply:
                let (v, o) = x.multipliedReportingOverflow(by: y)
                return o ? .float(Double(x) * Double(y)) : .integer(v)
            default:
                if y == 0 { return .null }
                if x % y == 0, !(x == .min && y == -1) { return .integer(x / y) }
                return .float(Double(x) / Double(y))
            }
        case (.string(let x), .string(let y)) where op == .add:
            return .string(x + y)
        case (.timestamp(let t), .duration(let d)) where op == .add || op == .subtract:
            return .timestamp(op == .add ? t &+ d : t &- d)
        case (.duration(let d), .timestamp(let t)) where op == .add:
            return .timestamp(t &+ d)
        case (.timestamp(let a), .timestamp(let b)) where op == .subtract:
            return .duration(a &- b)
        case (.duration(let a), .duration(let b)):
            switch op {
            case .add: return .duration(a &+ b)
            case .subtract: return .duration(a &- b)
            case .divide: return b == 0 ? .null : .float(Double(a) / Double(b))
            default: return .null
            }
        case (.duration(let d), _) where op == .multiply || op == .divide:
            guard let n = r.number, !(op == .divide && n == 0) else { return .null }
            return Self.duration(op == .multiply ? Double(d) * n : Double(d) / n)
        case (_, .duration(let d)) where op == .multiply:
            guard let n = l.number else { return .null }
            return Self.duration(Double(d) * n)
        default:
            guard let x = l.number, let y = r.number else { return .null }
            switch op {
            case .add: return .float(x + y)
            case .subtract: return .float(x - y)
            case .multiply: return .float(x * y)
            default: return y == 0 ? .null : .float(x / y)
            }
        }
    }
}
