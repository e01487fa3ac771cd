/// Evaluates a checked ``Program`` against an ``EvaluationInput``. Pure: the same input gives the
/// same ``Evaluation``, and nothing here reads a clock, a file or the environment.
public struct Evaluator {
    /// The checked policy the evaluator judges with.
    public let program: Program
    private struct KeyInfo {
        var parts: [KeyPathSyntax.Part]?
        var watch: Int?
    }

    private var keys: [String: KeyInfo] = [:]
    private let groupsByName: [String: Group]
    /// Each risk line's and each rule's condition, compiled once.
    private let riskConditions: [CompiledCondition]
    private let ruleConditions: [CompiledCondition?]
    /// The globs of each `file matches` in the policy, answered once per file and evaluation.
    private let fileGlobs: [[Glob]]
    /// Each watch's tags as a value, built once.
    private let watchTags: [PolicyValue]
    /// The `rto` lines' globs, compiled once.
    private let recoveryObjectiveGlobs: [(seconds: Int, globs: [Glob])]

    /// An evaluator for `program`, its conditions compiled once: make one to evaluate many inputs.
    ///
    /// - Parameter program: The checked policy (``PolicyCompiler/Result/program``).
    public init(program: Program) {
        self.program = program
        let groups = Dictionary(program.groups.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var withOwners = groups
        withOwners[Program.policyOwnersGroup] = program.policyOwners
        self.groupsByName = withOwners
        var fileGlobs: [[Glob]] = []
        self.riskConditions = program.riskLines.map {
            CompiledCondition.compile($0.condition, groups: groups, fileGlobs: &fileGlobs)
        }
        var rules: [CompiledCondition?] = []
        for rule in program.rules {
            rules.append(rule.condition.map { CompiledCondition.compile($0, groups: groups, fileGlobs: &fileGlobs) })
        }
        self.ruleConditions = rules
        self.fileGlobs = fileGlobs
        self.watchTags = program.watches.map { .list($0.tags.map { .string($0) }) }
        self.recoveryObjectiveGlobs = program.recoveryObjectives.map { ($0.seconds, $0.patterns.map { Glob($0) }) }
    }

    /// Answers `reverts` for the change at an index of ``EvaluationInput/changes`` the first time
    /// a condition reads it, in place of ``ChangeInput/reverts``. Working it out reads the file's
    /// history, and most changes are never asked about (`watched and reverts` asks for watched
    /// changes only). The evaluation stays pure as long as the lookup is.
    public typealias RevertsLookup = (Int) -> Bool

    /// Evaluates the policy.
    ///
    /// - Parameters:
    ///   - program: The checked policy.
    ///   - input: The change and its evidence.
    ///   - reverts: Answers `reverts` for a change by its index in ``EvaluationInput/changes``
    ///     when a condition first reads it; nil to read ``ChangeInput/reverts``.
    /// - Returns: The outcome, the risk with its items, each rule's verdict and the watched
    ///   changes.
    public static func evaluate(_ program: Program, _ input: EvaluationInput, reverts: RevertsLookup? = nil)
        -> Evaluation
    {
        var evaluator = Evaluator(program: program)
        return evaluator.evaluate(input, reverts: reverts)
    }

    /// Where a condition is evaluated: the current change and file, as indices into the state.
    private struct Context {
        var change: Int?
        var file: Int?
    }

    /// A change with the values conditions read from it made once.
    private struct ChangeData {
        var input: ChangeInput
        var file: Int
        var watch: Int?
        var keyParts: [KeyPathSyntax.Part]?
        var keyPartsWithinDocument: [KeyPathSyntax.Part]?
        var key: PolicyValue
        var kind: PolicyValue
    }

    /// A file the change set touches.
    private struct FileData {
        var input: FileInput?
        var pathParts: [[Character]]
        var path: PolicyValue
        /// The path before a rename: `file matches` is true when either path matches, so that a
        /// file cannot leave a rule's scope by moving out of it.
        var previousParts: [[Character]]?
        var previous: PolicyValue
    }

    private struct SetState {
        var input: EvaluationInput
        var risk: Int
        var weekday: String
        var hour: Int
        var authors: [PolicyValue]
        var committers: [PolicyValue]
        var revertsLookup: RevertsLookup?
        /// Built once per evaluation, read in place by every quantifier.
        var changes: [ChangeData] = []
        var files: [FileData] = []
        /// `fileMatches[id][file]`: whether file matches the `file matches` with that id.
        var fileMatches: [[Bool]] = []
        /// Each file's `rto`, worked out once.
        var recoveryObjectives: [PolicyValue] = []
    }

    /// Evaluates the policy with the conditions compiled at ``init(program:)``.
    ///
    /// - Parameters:
    ///   - input: The change and its evidence.
    ///   - reverts: Answers `reverts` for a change by its index in ``EvaluationInput/changes``
    ///     when a condition first reads it; nil to read ``ChangeInput/reverts``.
    /// - Returns: The outcome, the risk with its items, each rule's verdict and the watched
    ///   changes.
    public mutating func evaluate(_ input: EvaluationInput, reverts: RevertsLookup? = nil) -> Evaluation {
        let days = Int((Double(input.now) / 86_400).rounded(.down))
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        var state = SetState(
            input: input, risk: 0, weekday: weekdays[((days % 7) + 7) % 7], hour: (input.now - days * 86_400) / 3600,
            authors: input.authors.map { .string($0) }, committers: input.committers.map { .string($0) },
            revertsLookup: reverts)

        // Files: those given, then any other a change is in; each path split once.
        var fileIndex: [String: Int] = [:]
        let inputs = Dictionary(input.files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        func file(_ path: String, previous: String?) -> Int {
            if let known = fileIndex[path] { return known }
            fileIndex[path] = state.files.count
            let given = inputs[path]
            let previous = (given?.previousPath ?? previous).flatMap { $0 == path ? nil : $0 }
            let splitter = Glob("", separator: "/")
            state.files.append(
                FileData(
                    input: given, pathParts: splitter.split(path), path: .string(path),
                    previousParts: previous.map { splitter.split($0) }, previous: previous.map { .string($0) } ?? .null
                ))
            return state.files.count - 1
        }
        for given in input.files { _ = file(given.path, previous: given.previousPath) }

        keys.reserveCapacity(input.changes.count)
        // Watched settings: each adds its watch's weight to the risk.
        var items: [RiskItem] = input.extraRisk
        var watched: [WatchedChange] = []
        state.changes.reserveCapacity(input.changes.count)
        for change in input.changes {
            let info = keyInfo(change.key)
            let parts = info.parts
            // A sole document's key also matches without its `[doc=…]` prefix.
            let within = change.keyWithinDocument.map { keyInfo($0) }
            let watchIndex = info.watch ?? within?.watch
            state.changes.append(
                ChangeData(
                    input: change, file: file(change.file, previous: change.previousFile), watch: watchIndex,
                    keyParts: parts, keyPartsWithinDocument: within?.parts,
                    // `key` is the key within its document when the file holds only it:
                    // `key == "tags.nofailover"` holds for `[doc=Member/pg0].tags.nofailover`.
                    key: .string(change.keyWithinDocument ?? change.key), kind: .string(change.kind)))
            if let watchIndex {
                let watch = program.watches[watchIndex]
                watched.append(
                    WatchedChange(file: change.file, key: change.key, weight: watch.weight, tags: watch.tags))
                if watch.weight != 0 {
                    items.append(
                        RiskItem(
                            kind: .watchedSetting, points: watch.weight, reason: "watched setting", file: change.file,
                            key: change.key))
                }
            }
        }
        state.fileMatches = fileGlobs.map { globs in
            state.files.map { file in
                globs.contains { glob in
                    glob.matches(parts: file.pathParts) || file.previousParts.map { glob.matches(parts: $0) } == true
                }
            }
        }
        if !recoveryObjectiveGlobs.isEmpty {
            state.recoveryObjectives = state.files.map(recoveryObjective(of:))
        }
        for (line, condition) in zip(program.riskLines, riskConditions) {
            switch line.scope {
            case .perChange:
                for i in state.changes.indices
                where value(condition, Context(change: i, file: state.changes[i].file), state).isTruthy {
                    let change = state.changes[i].input
                    items.append(RiskItem(points: line.points, reason: line.reason, file: change.file, key: change.key))
                }
            case .perChangeSet:
                if value(condition, Context(), state).isTruthy {
                    items.append(RiskItem(points: line.points, reason: line.reason, file: nil, key: nil))
                }
            }
        }
        // Points are bounded by the checker; saturate anyway so that a total can never wrap.
        state.risk = items.reduce(0) { total, item in
            let (sum, overflow) = total.addingReportingOverflow(item.points)
            return overflow ? (item.points > 0 ? .max : .min) : sum
        }

        var verdicts: [RuleVerdict] = []
        var outcome = Outcome.allow
        for (rule, condition) in zip(program.rules, ruleConditions) {
            let verdict = judge(rule, condition, state)
            verdicts.append(verdict)
            if !verdict.satisfied {
                outcome = max(outcome, .deny)
            } else if rule.kind == .warn, verdict.applies {
                outcome = max(outcome, .warn)
            }
        }
        for verdict in builtInVerdicts(state) {
            verdicts.append(verdict)
            if !verdict.satisfied { outcome = max(outcome, .deny) }
        }
        return Evaluation(outcome: outcome, risk: state.risk, riskItems: items, verdicts: verdicts, watched: watched)
    }

    /// The requirements no policy can switch off: a change to the policy's own files needs one of
    /// its owners, and while the branch's policy does not compile only an override lands anything.
    private func builtInVerdicts(_ state: SetState) -> [RuleVerdict] {
        let range = program.policyOwners.range
        let overriders = program.overriders
        func overridden(_ verdict: inout RuleVerdict) {
            guard !verdict.satisfied else { return }
            if let request = state.input.override, !request.reason.trimmingWhitespace().isEmpty,
                overriders.contains(request.actor, identities: program.identities)
            {
                verdict.satisfied = true
                verdict.overridden = true
                verdict.reason = "OVERRIDDEN by \(request.actor) (group \(overriders.name)): \(request.reason)"
            } else if !overriders.members.isEmpty {
                verdict.missing.append(.override(group: overriders.name))
            }
        }
        var verdicts: [RuleVerdict] = []
        if let broken = state.input.brokenPolicy {
            var verdict = RuleVerdict(
                kind: .require, name: "the target branch's policy compiles", applies: true, satisfied: false,
                overridden: false, reason: "", missing: [.brokenPolicy(broken)], range: range)
            verdict.reason = "not met: " + broken
            if overriders.members.isEmpty {
                verdict.missing.append(.noOverrideGroup)
            }
            overridden(&verdict)
            verdicts.append(verdict)
        }
        if state.input.policyChange {
            let owners = Requirement(
                kind: .reviewers(
                    comparison: .atLeast, count: Located(1, range: range, text: "1"),
                    group: Located(Program.policyOwnersGroup, range: range, text: Program.policyOwnersGroup)),
                range: range, endOffset: range.start.offset)
            var verdict = RuleVerdict(
                kind: .require, name: "changes to the policy are approved by its owners", applies: true,
                satisfied: true, overridden: false, reason: "met", missing: [], range: range)
            if var missing = unmet(owners, state) {
                if program.policyOwners.members.isEmpty, case .reviewers(var reviewers) = missing.kind {
                    reviewers.noOneCanApprove = true
                    missing = .reviewers(reviewers)
                }
                verdict.missing = [missing]
                verdict.satisfied = false
                verdict.reason = "not met: " + missing.message
            }
            // No override lifts this one while the policy compiles: an override group could
            // otherwise delete a hard `deny` in one push and land what it denied in the next.
            // Only while the branch's policy is broken does the override land the fix.
            if state.input.brokenPolicy != nil { overridden(&verdict) }
            verdicts.append(verdict)
        }
        return verdicts
    }

    /// A key's segments and its watch, worked out once per distinct key.
    private mutating func keyInfo(_ key: String) -> KeyInfo {
        if let known = keys[key] { return known }
        var info = KeyInfo(parts: nil, watch: nil)
        if case .success(let parts) = KeyPathSyntax.split(key) {
            info = KeyInfo(parts: parts, watch: program.watchIndex(forParts: parts))
        }
        keys[key] = info
        return info
    }

    // MARK: - Rules

    private func judge(_ rule: Rule, _ condition: CompiledCondition?, _ state: SetState) -> RuleVerdict {
        var verdict = RuleVerdict(
            kind: rule.kind, name: rule.name, applies: false, satisfied: true, overridden: false, reason: "",
            missing: [], range: rule.range)
        switch rule.kind {
        case .deny:
            var witness: RuleWitness? = nil
            verdict.applies = holds(condition!, state, witness: &witness)
            verdict.witness = witness
            verdict.satisfied = !verdict.applies
            verdict.reason =
                verdict.applies
                ? "denied: \(rule.name)" + (witness.map { " (\($0.description))" } ?? "")
                    + "; no override can lift a deny rule"
                : "does not apply"
        case .warn:
            var witness: RuleWitness? = nil
            verdict.applies = holds(condition!, state, witness: &witness)
            verdict.witness = witness
            verdict.reason =
                verdict.applies
                ? "warning: \(rule.name)" + (witness.map { " (\($0.description))" } ?? "") : "does not apply"
        case .require:
            var witness: RuleWitness? = nil
            verdict.applies = condition.map { holds($0, state, witness: &witness) } ?? true
            verdict.witness = witness
            guard verdict.applies else {
                verdict.reason = "does not apply"
                return verdict
            }
            for requirement in rule.requirements {
                if let missing = unmet(requirement, state) { verdict.missing.append(missing) }
            }
            verdict.satisfied = verdict.missing.isEmpty
            verdict.reason =
                verdict.satisfied ? "met" : "not met: " + verdict.missing.map(\.message).joined(separator: "; ")
        case .freeze:
            let window = rule.window!
            verdict.applies = window.contains(state.input.now) && !state.input.changes.isEmpty
            verdict.satisfied = !verdict.applies
            verdict.reason =
                verdict.applies
                ? "frozen: \(rule.name) until \(Timestamp.iso(window.upperBound + 1))" : "not in the freeze window"
            if verdict.applies { verdict.missing = [.freeze(until: window.upperBound + 1)] }
        }
        if !verdict.satisfied, let group = rule.overrideGroup {
            if let request = state.input.override, !request.reason.trimmingWhitespace().isEmpty,
                groupsByName[group]?.contains(request.actor, identities: program.identities) == true
            {
                verdict.satisfied = true
                verdict.overridden = true
                verdict.reason = "OVERRIDDEN by \(request.actor) (group \(group)): \(request.reason)"
            } else {
                verdict.missing.append(.override(group: group))
            }
        }
        return verdict
    }

    /// What a requirement line still needs, or nil when it is met.
    private func unmet(_ requirement: Requirement, _ state: SetState) -> Shortfall? {
        switch requirement.kind {
        case .reviewers(let comparison, let count, let groupName):
            let group = groupName.flatMap { groupsByName[$0.value] }
            var counted: [String] = []
            var seen = Set<String>()
            var notCounted: [String] = []
            // Authors and committers never count, whatever the evidence says (the trust model); people
            // are compared through the identity map, so a login and its e-mails are one.
            let identities = program.identities
            let makers = Set((state.input.authors + state.input.committers).map(identities.person))
            for reviewer in state.input.reviewers {
                let identity = identities.person(reviewer.identity)
                if makers.contains(identity) {
                    notCounted.append("\(reviewer.identity) is an author or committer of the change and does not count")
                } else if !reviewer.counts {
                    notCounted.append("\(reviewer.identity) \(reviewer.reason ?? "does not count")")
                } else if let group, !group.contains(reviewer.identity, identities: identities) {
                    notCounted.append("\(reviewer.identity) is not in group \(group.name)")
                } else if seen.insert(identity).inserted {
                    counted.append(reviewer.identity)
                }
            }
            let needed = comparison == .moreThan ? count.value &+ 1 : count.value
            let met = comparison == .exactly ? counted.count == needed : counted.count >= needed
            if met { return nil }
            return .reviewers(
                ReviewerShortfall(
                    group: group?.name, needed: needed, exactly: comparison == .exactly, counted: counted,
                    notCounted: Array(Set(notCounted)).sorted()))
        case .tests(let patterns):
            var problems: [TestShortfall] = []
            for pattern in patterns {
                // Test names hold brackets (`test_failover[pg15]`): only `*` and `?` are wildcards here.
                let glob = Glob(
                    String(pattern.value.flatMap { $0 == "[" || $0 == "]" ? ["\\", $0] : [$0] }),
                    separator: "\u{0}")
                let matching = state.input.tests.filter { glob.matches($0.name) }
                if matching.isEmpty {
                    problems.append(TestShortfall(pattern: pattern.value, test: nil, problem: .noResult))
                    continue
                }
                for test in matching where test.status != .passed {
                    let problem: TestShortfall.Problem =
                        switch test.status {
                        case .skipped: .skipped
                        case .error: .error
                        default: .failed
                        }
                    problems.append(TestShortfall(pattern: pattern.value, test: test.name, problem: problem))
                }
            }
            return problems.isEmpty ? nil : .tests(problems)
        case .changed(let patterns):
            let globs = patterns.map { Glob($0.value) }
            let paths = Set(state.input.changedPaths)
            if paths.contains(where: { path in globs.contains { $0.matches(path) } }) { return nil }
            return .changedFiles(patterns.map(\.value))
        case .risk(let comparison, let limit):
            let met = comparison == .lessThan ? state.risk < limit.value : state.risk <= limit.value
            return met ? nil : .risk(state.risk, limit: limit.value, inclusive: comparison != .lessThan)
        }
    }

    /// Evaluates a set-level condition, noting which change or file made an `any` true.
    private func holds(_ condition: CompiledCondition, _ state: SetState, witness: inout RuleWitness?) -> Bool {
        if case .quantifier(.any, let domain, let body) = condition {
            if domain == .change {
                for i in state.changes.indices
                where value(body, Context(change: i, file: state.changes[i].file), state).isTruthy {
                    witness = RuleWitness(file: state.changes[i].input.file, key: state.changes[i].input.key)
                    return true
                }
            } else {
                for j in state.files.indices where value(body, Context(change: nil, file: j), state).isTruthy {
                    if case .string(let path) = state.files[j].path { witness = RuleWitness(file: path, key: nil) }
                    return true
                }
            }
            return false
        }
        return value(condition, Context(), state).isTruthy
    }

    // MARK: - Conditions

    private func value(_ node: CompiledCondition, _ context: Context, _ state: SetState) -> PolicyValue {
        switch node {
        case .constant(let value): return value
        case .list(let items): return .list(items.map { value($0, context, state) })
        case .field(let field): return self.field(field, context, state)
        case .call(let function, let arguments):
            return call(function, arguments.map { value($0, context, state) }, context, state)
        case .not(let operand): return .bool(!value(operand, context, state).isTruthy)
        case .negate(let operand):
            switch value(operand, context, state) {
            case .integer(let i): return i == .min ? .float(-Double(i)) : .integer(-i)
            case .float(let d): return .float(-d)
            case .duration(let d): return d == .min ? .null : .duration(-d)
            default: return .null
            }
        case .and(let left, let right):
            return .bool(value(left, context, state).isTruthy && value(right, context, state).isTruthy)
        case .or(let left, let right):
            return .bool(value(left, context, state).isTruthy || value(right, context, state).isTruthy)
        case .keyMatches(let patterns):
            guard let i = context.change, let parts = state.changes[i].keyParts else { return .bool(false) }
            // A sole document's key matches with its `[doc=…]` prefix or without it.
            let within = state.changes[i].keyPartsWithinDocument
            return .bool(
                patterns.contains { $0.matches(parts: parts) || within.map($0.matches(parts:)) == true })
        case .fileMatches(let id):
            guard let j = context.file else { return .bool(false) }
            return .bool(state.fileMatches[id][j])
        case .pathMatches(let left, let globs):
            guard case .string(let text) = value(left, context, state) else { return .bool(false) }
            return .bool(globs.contains { $0.matches(text) })
        case .binary(let op, let left, let right, let identities):
            var l = value(left, context, state)
            var r = value(right, context, state)
            if identities {
                l = person(l)
                r = person(r)
            }
            return Self.binary(op, l, r)
        case .quantifier(let quantifier, let domain, let body):
            var count = 0
            let total = domain == .change ? state.changes.count : state.files.count
            for i in 0..<total {
                let inner =
                    domain == .change ? Context(change: i, file: state.changes[i].file) : Context(change: nil, file: i)
                if value(body, inner, state).isTruthy {
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

    /// The shortest `rto … for` whose globs match the file's path or its path before a rename (a
    /// file cannot loosen its objective by moving), else the `rto` without `for`, else null.
    private func recoveryObjective(of file: FileData) -> PolicyValue {
        var scoped: Int? = nil
        var general: Int? = nil
        for (seconds, globs) in recoveryObjectiveGlobs {
            if globs.isEmpty {
                general = seconds
            } else if globs.contains(where: { glob in
                glob.matches(parts: file.pathParts) || file.previousParts.map { glob.matches(parts: $0) } == true
            }) {
                scoped = min(scoped ?? seconds, seconds)
            }
        }
        return (scoped ?? general).map { .duration($0) } ?? .null
    }

    /// A failover field of the current file: null outside a file and for a file no model reads.
    private func failoverField(_ field: CompiledCondition.Field, _ context: Context, _ state: SetState)
        -> PolicyValue
    {
        guard let i = context.file else { return .null }
        if field == .rto { return state.recoveryObjectives.isEmpty ? .null : state.recoveryObjectives[i] }
        let input = state.files[i].input
        let facts: FailoverFacts?
        switch field {
        case .baseFailoverPossible, .baseFailoverWorstCase, .baseFailoverNodeLost, .baseFailoverDatabaseCrashed,
            .baseFailoverViolations:
            facts = input?.baseFailover
        default:
            facts = input?.headFailover
        }
        guard let facts else { return .null }
        func seconds(_ value: Int?) -> PolicyValue { value.map { .duration($0) } ?? .null }
        switch field {
        case .failoverSystem: return .string(facts.system)
        case .failoverPossible, .baseFailoverPossible: return .bool(facts.possible)
        case .failoverViolations, .baseFailoverViolations: return .list(facts.violations.map { .string($0) })
        case .failoverWorstCase, .baseFailoverWorstCase: return seconds(facts.worstCase)
        case .failoverNodeLost, .baseFailoverNodeLost: return seconds(facts.possible ? facts.nodeLost : nil)
        case .failoverDatabaseCrashed, .baseFailoverDatabaseCrashed:
            return seconds(facts.possible ? facts.databaseCrashed : nil)
        default: return .null
        }
    }

    private func field(_ field: CompiledCondition.Field, _ context: Context, _ state: SetState) -> PolicyValue {
        switch field {
        case .risk: return .integer(state.risk)
        case .ref: return .string(state.input.ref)
        case .author: return .list(state.authors)
        case .committer: return .list(state.committers)
        case .actor: return state.input.actor.map { .string($0) } ?? .null
        case .weekday: return .string(state.weekday)
        case .hour: return .integer(state.hour)
        case .now: return .timestamp(state.input.now)
        case .changes: return .integer(state.input.changes.count)
        case .forced: return .bool(state.input.forced)
        case .file: return context.file.map { state.files[$0].path } ?? .null
        case .previousFile: return context.file.map { state.files[$0].previous } ?? .null
        case .failoverSystem, .failoverPossible, .baseFailoverPossible, .failoverWorstCase, .baseFailoverWorstCase,
            .failoverNodeLost, .baseFailoverNodeLost, .failoverDatabaseCrashed, .baseFailoverDatabaseCrashed, .rto,
            .failoverViolations, .baseFailoverViolations:
            return failoverField(field, context, state)
        default: break
        }
        guard let i = context.change else { return .null }
        switch field {
        case .key: return state.changes[i].key
        case .kind: return state.changes[i].kind
        case .old: return state.changes[i].input.old
        case .new: return state.changes[i].input.new
        case .reverts: return .bool(state.revertsLookup?(i) ?? state.changes[i].input.reverts)
        case .tags: return state.changes[i].watch.map { watchTags[$0] } ?? .list([])
        case .weight: return .integer(state.changes[i].watch.map { program.watches[$0].weight } ?? 0)
        case .watched: return .bool(state.changes[i].watch != nil)
        default: return .null
        }
    }

    private func call(
        _ function: CompiledCondition.Function, _ arguments: [PolicyValue], _ context: Context, _ state: SetState
    ) -> PolicyValue {
        let file = context.file.flatMap { state.files[$0].input }
        switch (function, arguments.first) {
        case (.head, .string(let key)?): return file?.head[key] ?? .null
        case (.base, .string(let key)?): return file?.base[key] ?? .null
        case (.len, .string(let s)?): return .integer(s.count)
        case (.len, .list(let items)?): return .integer(items.count)
        case (.lower, .string(let s)?): return .string(s.lowercased())
        case (.upper, .string(let s)?): return .string(s.uppercased())
        case (.default, let v?): return v == .null ? arguments[1] : v
        case (.missing, let v?): return .bool(v == .null)
        case (.present, let v?): return .bool(v != .null)
        case (.abs, .integer(let i)?): return i == .min ? .float(-Double(i)) : .integer(abs(i))
        case (.abs, .float(let d)?): return .float(abs(d))
        case (.min, _), (.max, _):
            guard arguments.count == 2, let a = arguments[0].number, let b = arguments[1].number else { return .null }
            return function == .min ? (a <= b ? arguments[0] : arguments[1]) : (a >= b ? arguments[0] : arguments[1])
        default: return .null
        }
    }

    static func binary(_ op: PolicyExpression.BinaryOperator, _ l: PolicyValue, _ r: PolicyValue) -> PolicyValue {
        switch op {
        case .equal, .notEqual:
            // A comparison that involves null is false, `!=` included.
            if l == .null || r == .null { return .bool(false) }
            let same = equal(l, r)
            return .bool(op == .equal ? same : !same)
        case .less, .lessEqual, .greater, .greaterEqual:
            guard let order = compare(l, r) else { return .bool(false) }
            switch op {
            case .less: return .bool(order < 0)
            case .lessEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .in, .notIn:
            guard l != .null, case .list(let items) = r else { return .bool(false) }
            let found = items.contains { equal(l, $0) }
            return .bool(op == .in ? found : !found)
        case .has:
            guard r != .null, case .list(let items) = l else { return .bool(false) }
            return .bool(items.contains { equal($0, r) })
        case .add, .subtract, .multiply, .divide:
            return arithmetic(op, l, r)
        case .and, .or, .matches:
            return .bool(false)  // compiled to their own nodes
        }
    }

    /// Identities as the people they name (lower-cased, through the identity map).
    private func person(_ value: PolicyValue) -> PolicyValue {
        switch value {
        case .string(let s): .string(program.identities.person(s))
        case .list(let items): .list(items.map(person))
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
        case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
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

    static func arithmetic(_ op: PolicyExpression.BinaryOperator, _ l: PolicyValue, _ r: PolicyValue) -> PolicyValue {
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
