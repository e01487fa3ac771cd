/// Resolves names and types, decides each risk line's scope, and finds what would only fail at run
/// time: unknown fields and groups, type errors, change fields outside a change, duplicate rule
/// names; and warns about rules that can never fire and patterns that can never match.
struct Checker {
    private let syntax: PolicySyntax
    private let readFile: (String) -> String?
    private(set) var diagnostics: [Diagnostic] = []
    private var groups: [String: Group] = [:]
    private var fileGlobs: [Glob] = []
    /// Tags declared by `watch` lines, for "no watch declares this tag" warnings.
    private var declaredTags: Set<String> = []
    /// The keys `head(…)` and `base(…)` read, as far as they are literal.
    private var settingsRead = SettingsRead.keys([])
    /// Whether any condition reads `reverts` (the gate then reads the trail's accepted tips).
    private var readsReverts = false
    /// Whether an `rto` line exists, for reading the `rto` field.
    private var declaresRecoveryObjective = false
    /// Risk points and weights are bounded so that a total can never overflow.
    static let maxPoints = 1_000_000
    /// Cells the "matches none of the files" warnings may spend comparing globs, for the whole
    /// policy: past it they are not given (they are advice; the rules work without them).
    private var overlapBudget = Glob.defaultOverlapBudget

    init(syntax: PolicySyntax, readFile: @escaping (String) -> String?) {
        self.syntax = syntax
        self.declaresRecoveryObjective = syntax.declarations.contains {
            if case .recoveryObjective = $0.kind { true } else { false }
        }
        self.readFile = readFile
    }

    private mutating func error(_ range: SourceRange, _ message: String, notes: [String] = []) {
        diagnostics.append(Diagnostic(.error, at: range, message, notes: notes))
    }

    private mutating func warning(_ range: SourceRange, _ message: String, notes: [String] = []) {
        diagnostics.append(Diagnostic(.warning, at: range, message, notes: notes))
    }

    // MARK: - Declarations

    mutating func check() -> Program {
        var program = Program(
            name: "", syntax: syntax, fileSelectors: [], groups: [], watches: [], riskLines: [], rules: [])
        var namedAt: [String: SourceRange] = [:]
        var policyAt: SourceRange? = nil
        var revertWindowAt: SourceRange? = nil
        var watchedPatterns: [String: SourceRange] = [:]
        var riskReasons: [String: SourceRange] = [:]
        var identityAt: [String: SourceRange] = [:]

        // Groups and files first: rules may refer to groups declared later or in another file.
        for declaration in syntax.declarations {
            switch declaration.kind {
            case .group(let name, let members):
                if let first = groups[name.value] {
                    error(
                        name.range, "group `\(name.value)` is declared twice",
                        notes: ["first declared at \(first.range.start)"])
                    continue
                }
                if Fields.table[name.value] != nil || Fields.functions[name.value] != nil {
                    error(name.range, "`\(name.value)` is a field of the language and cannot name a group")
                    continue
                }
                let diagnosticsBefore = diagnostics.count
                let group = Group(
                    name: name.value, members: resolveMembers(members, declaredIn: declaration), range: name.range)
                if group.members.isEmpty, diagnostics.count == diagnosticsBefore {
                    warning(name.range, "group `\(name.value)` is empty: no one can satisfy a rule that needs it")
                }
                groups[name.value] = group
                program.groups.append(group)
            case .watch(_, _, let tags):
                declaredTags.formUnion(tags.map(\.value))
            case .files(let patterns, let excluded, let detect, let format):
                var normalized: String? = nil
                if let format {
                    switch format.value.lowercased() {
                    case "yaml", "yml": normalized = "yaml"
                    case "json": normalized = "json"
                    case "toml": normalized = "toml"
                    case "ini", "conf": normalized = "ini"
                    case "redis": normalized = "redis"
                    default:
                        error(
                            format.range, "unknown format `\(format.value)`",
                            notes: Suggestion.didYouMean(format.value, in: ["yaml", "json", "toml", "ini", "redis"])
                                + ["formats: yaml, json, toml, ini, redis (Redis and Sentinel's own syntax)"])
                    }
                }
                var system: String? = nil
                if let detect {
                    if FileDetection.systems.contains(detect.value) {
                        system = detect.value
                    } else {
                        error(
                            detect.range, "`detect` does not know `\(detect.value)`",
                            notes: Suggestion.didYouMean(detect.value, in: FileDetection.systems)
                                + ["systems: " + FileDetection.systems.joined(separator: ", ")])
                    }
                }
                for pattern in patterns + excluded where pattern.value.isEmpty {
                    error(pattern.range, "an empty path glob matches no file")
                }
                for pattern in patterns + excluded { checkSize(ofGlob: pattern.value, pattern.range) }
                let globs =
                    patterns.isEmpty ? system.map(FileDetection.defaultGlobs(for:)) ?? [] : patterns.map(\.value)
                fileGlobs += globs.map { Glob($0) }
                program.fileSelectors.append(
                    FileSelectorRule(
                        patterns: globs, format: normalized ?? system.flatMap(FileDetection.defaultFormat(for:)),
                        range: declaration.range, excluded: excluded.map(\.value), detect: system))
            case .recoveryObjective(let seconds, let patterns):
                if seconds.value <= 0 { error(seconds.range, "a recovery time objective must be longer than 0s") }
                if patterns.isEmpty, let first = program.recoveryObjectives.first(where: { $0.patterns.isEmpty }) {
                    error(
                        declaration.range, "a second `rto` for every file",
                        notes: [
                            "the first is at \(first.range.start); scope one with `for \"GLOB\"` "
                                + "(`rto 30s for \"db/prod/**\"`)"
                        ])
                    continue
                }
                for pattern in patterns where pattern.value.isEmpty {
                    error(pattern.range, "an empty path glob matches no file")
                }
                for pattern in patterns { checkSize(ofGlob: pattern.value, pattern.range) }
                program.recoveryObjectives.append(
                    RecoveryObjective(seconds: seconds.value, patterns: patterns.map(\.value), range: declaration.range)
                )
            case .ignore(let patterns):
                for pattern in patterns where pattern.value.isEmpty {
                    error(pattern.range, "an empty path glob matches no file")
                }
                for pattern in patterns { checkSize(ofGlob: pattern.value, pattern.range) }
                program.ignoredPaths += patterns.map(\.value)
            case .identity(let login, let emails):
                addIdentity(
                    login.value, emails: emails.map { ($0.value, $0.range) }, at: login.range,
                    into: &program.identities,
                    declaredAt: &identityAt)
            case .identities(let file):
                guard let text = readFile(resolve(file.value, declaredIn: declaration)) else {
                    error(file.range, "cannot read identity file \"\(resolve(file.value, declaredIn: declaration))\"")
                    continue
                }
                // One person per line: the login, then the e-mails, separated by spaces; `#` starts a comment.
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                    let words = content.split { $0 == " " || $0 == "\t" || $0 == "," }.map { String($0) }
                    guard let login = words.first else { continue }
                    let place = "\(file.value):\(number + 1)"
                    addIdentity(
                        login, emails: words.dropFirst().map { ($0, file.range) }, at: file.range,
                        into: &program.identities, declaredAt: &identityAt, place: place)
                }
            default:
                break
            }
        }

        for declaration in syntax.declarations {
            switch declaration.kind {
            case .policy(let name):
                if let first = policyAt {
                    error(
                        declaration.range, "a second `policy` declaration",
                        notes: ["the policy is named at \(first.start)"])
                } else {
                    policyAt = declaration.range
                    program.name = name.value
                    if name.value.isEmpty { error(name.range, "the policy's name is empty") }
                }
            case .group, .files, .ignore, .identity, .identities, .recoveryObjective:
                break
            case .owners(let names):
                if !program.owners.isEmpty {
                    error(
                        declaration.range, "a second `owners` declaration",
                        notes: ["name every owning group on one line: `owners dba, platform`"])
                    continue
                }
                for name in names where resolveGroup(name) != nil { program.owners.append(name.value) }
            case .revertWindow(let within, let stable, let commits):
                if let first = revertWindowAt {
                    error(
                        declaration.range, "a second `reverts` declaration",
                        notes: ["the look-back is set at \(first.start); put every part on that line"])
                    continue
                }
                revertWindowAt = declaration.range
                if let within, within.value <= 0 { error(within.range, "the look-back must be longer than 0s") }
                // A check reads a year of the trail's accepted tips; a longer look-back would be cut.
                if let within, within.value > 365 * 86_400 {
                    error(within.range, "the look-back can be at most 365d")
                }
                if let commits, !(1...100_000).contains(commits.value) {
                    error(commits.range, "the look-back must be 1 to 100000 commits")
                }
                if let within, let stable, stable.value >= within.value {
                    warning(
                        stable.range, "no value can stay \(stable.text) within a \(within.text) look-back",
                        notes: ["`reverts` can then never be true; make `stable` shorter than `within`"])
                }
                program.revertWindow = RevertWindow(
                    within: within?.value, stable: stable?.value, commits: commits?.value)
            case .secret(let patterns):
                for pattern in patterns {
                    guard checkSize(ofKeyPattern: pattern.value, pattern.range) else { continue }
                    if let compiled = KeyPathPattern(pattern.value) {
                        program.secretPatterns.append(compiled)
                    } else {
                        error(pattern.range, "`\(pattern.value)` is not a key-path pattern")
                    }
                }
            case .trustUnauthenticatedPushes:
                if program.trustsUnauthenticatedPushes {
                    warning(declaration.range, "unauthenticated pushes are already trusted")
                }
                program.trustsUnauthenticatedPushes = true
            case .trustTrailers(let names, let committer, let signers):
                if let first = program.trustedTrailers {
                    error(
                        declaration.range, "a second `trust trailers` declaration",
                        notes: ["trailers are already trusted at \(first.range.start); name them all on one line"])
                    continue
                }
                var canonical: [String] = []
                for name in names {
                    guard let known = TrailerTrust.known.first(where: { $0.lowercased() == name.value.lowercased() })
                    else {
                        error(
                            name.range, "unknown trailer \"\(name.value)\"",
                            notes: Suggestion.didYouMean(name.value, in: TrailerTrust.known)
                                + ["trailers a policy can trust: " + TrailerTrust.known.joined(separator: ", ")])
                        continue
                    }
                    if canonical.contains(known) {
                        warning(name.range, "trailer \"\(known)\" is named twice")
                    } else {
                        canonical.append(known)
                    }
                }
                if let committer { _ = resolveGroup(committer) }
                var keys: String? = nil
                if let signers {
                    let path = resolve(signers.value, declaredIn: declaration)
                    if let text = readFile(path), text.contains(where: { !$0.isWhitespace }) {
                        keys = text
                    } else {
                        error(
                            signers.range, "cannot read allowed-signers file \"\(path)\" (or it is empty)",
                            notes: ["one key per line: `bot@example.com namespaces=\"git\" ssh-ed25519 AAAA…`"])
                    }
                } else if let committer {
                    warning(
                        committer.range,
                        "`committed by` alone trusts a committer e-mail anyone can write, so no trailer counts",
                        notes: [
                            "name the keys that sign the group's commits: `signed with \"FILE\"` (an SSH allowed-signers file)"
                        ])
                }
                program.trustedTrailers = TrailerTrust(
                    names: names.isEmpty ? TrailerTrust.known : canonical, committerGroup: committer?.value,
                    signersFile: signers?.value, allowedSigners: keys, range: declaration.range)
            case .watch(let patterns, let weight, let tags):
                var compiled: [KeyPathPattern] = []
                for pattern in patterns {
                    guard checkSize(ofKeyPattern: pattern.value, pattern.range) else { continue }
                    switch KeyPathPattern.parse(pattern.value) {
                    case .success(let parsed):
                        compiled.append(parsed)
                        if let first = watchedPatterns[pattern.value] {
                            warning(
                                pattern.range, "pattern \"\(pattern.value)\" is already watched",
                                notes: ["first watched at \(first.start); the first declaration wins"])
                        }
                        watchedPatterns[pattern.value] = watchedPatterns[pattern.value] ?? pattern.range
                    case .failure(let problem):
                        error(pattern.range, "invalid key-path pattern: \(problem.message)")
                    }
                }
                if weight.value < 0 { error(weight.range, "a weight cannot be negative") }
                if weight.value > Self.maxPoints {
                    error(weight.range, "a weight above \(Self.maxPoints) makes every other risk meaningless")
                }

                program.watches.append(
                    Watch(patterns: compiled, weight: weight.value, tags: tags.map(\.value), range: declaration.range))
            case .risk(let points, let reason, let condition):
                var readsChange = false
                let type = checkExpression(condition, Scope(change: true, file: true, inRisk: true), &readsChange)
                checkCondition(condition, type)
                if points.value == 0 { warning(points.range, "a risk line of 0 points adds nothing") }
                if abs(points.value) > Self.maxPoints {
                    error(points.range, "risk points beyond ±\(Self.maxPoints) make every other line meaningless")
                }
                if let first = riskReasons[reason.value] {
                    warning(reason.range, "another risk line has the same reason", notes: ["at \(first.start)"])
                }
                riskReasons[reason.value] = riskReasons[reason.value] ?? reason.range
                program.riskLines.append(
                    RiskLine(
                        points: points.value, reason: reason.value, condition: condition,
                        scope: readsChange ? .perChange : .perChangeSet, range: declaration.range))
            case .deny(let name, let condition), .warn(let name, let condition):
                checkName(name, &namedAt)
                checkSetCondition(condition)
                program.rules.append(
                    Rule(
                        kind: declaration.keyword == "deny" ? .deny : .warn, name: name.value, condition: condition,
                        requirements: [], overrideGroup: nil, window: nil, range: declaration.range))
            case .require(let name, let condition, let requirements, let override):
                checkName(name, &namedAt)
                if let condition { checkSetCondition(condition) }
                if requirements.isEmpty {
                    warning(name.range, "requirement \"\(name.value)\" has no lines: it is always met")
                }
                for requirement in requirements { checkRequirement(requirement) }
                if let override { _ = resolveGroup(override) }
                program.rules.append(
                    Rule(
                        kind: .require, name: name.value, condition: condition, requirements: requirements,
                        overrideGroup: override?.value, window: nil, range: declaration.range))
            case .freeze(let name, let from, let to, let override):
                checkName(name, &namedAt)
                if to.value <= from.value {
                    error(to.range, "the freeze ends before it starts", notes: ["it starts at \(from.text)"])
                }
                if let override { _ = resolveGroup(override) }
                program.rules.append(
                    Rule(
                        kind: .freeze, name: name.value, condition: nil, requirements: [],
                        overrideGroup: override?.value, window: from.value...max(from.value, to.value - 1),
                        range: declaration.range))
            }
        }
        program.watchIndex = Program.WatchIndex(program.watches)
        // `ignore` holds for every `files` line, wherever in the policy it is written.
        if !program.ignoredPaths.isEmpty {
            for index in program.fileSelectors.indices {
                program.fileSelectors[index].excluded += program.ignoredPaths
            }
        }
        if program.fileSelectors.isEmpty, let watch = program.watches.first {
            warning(
                watch.range, "the policy has watches but no `files` line: it reads no configuration file",
                notes: ["add `files \"GLOB\"` for the files whose settings it watches"])
        }
        if policyAt == nil, let first = syntax.files.first {
            warning(
                SourceRange(start: first.location(of: 0), length: 1), "the policy has no name",
                notes: ["add `policy \"NAME\"` at the top"])
        }
        program.settingsRead = settingsRead
        program.readsReverts = readsReverts
        return program
    }

    private mutating func resolveMembers(_ members: Declaration.GroupMembers, declaredIn declaration: Declaration)
        -> [String]
    {
        switch members {
        case .list(let items):
            var seen = Set<String>()
            var out: [String] = []
            for item in items {
                if item.value.trimmingWhitespace().isEmpty {
                    error(item.range, "an empty identity")
                } else if item.value.trimmingWhitespace() != item.value {
                    error(
                        item.range,
                        "an identity with spaces around it never matches; write \"\(item.value.trimmingWhitespace())\"")
                } else if !seen.insert(item.value.lowercased()).inserted {
                    warning(item.range, "\"\(item.value)\" is listed twice")
                } else {
                    out.append(item.value)
                }
            }
            return out
        case .file(let path):
            let base = declaration.range.start.path
            let directory = base.contains("/") ? String(base[..<base.lastIndex(of: "/")!]) + "/" : ""
            let resolved = path.value.hasPrefix("/") ? path.value : directory + path.value
            guard let text = readFile(resolved) else {
                error(path.range, "cannot read group file \"\(resolved)\"")
                return []
            }
            // One identity per line; `#` starts a comment.
            return text.split(separator: "\n").compactMap { line in
                let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                let identity = String(content).trimmingWhitespace()
                return identity.isEmpty ? nil : identity
            }
        }
    }

    /// A path named in a declaration, relative to the directory of the file that names it.
    private func resolve(_ path: String, declaredIn declaration: Declaration) -> String {
        let base = declaration.range.start.path
        let directory = base.contains("/") ? String(base[..<base.lastIndex(of: "/")!]) + "/" : ""
        return path.hasPrefix("/") ? path : directory + path
    }

    /// Adds one person to the identity map. A login is what the hosting authenticates (no `@`); an
    /// e-mail that two logins claim would make two people one, so it is an error.
    private mutating func addIdentity(
        _ login: String, emails: [(String, SourceRange)], at range: SourceRange, into map: inout IdentityMap,
        declaredAt: inout [String: SourceRange], place: String? = nil
    ) {
        let prefix = place.map { "\($0): " } ?? ""
        guard !login.isEmpty, !login.contains("@"), login.trimmingWhitespace() == login else {
            error(
                range, "\(prefix)\"\(login)\" is not a login",
                notes: [
                    "write the hosting's login first, then its e-mails: identity \"frank\" = [\"frank@example.com\"]"
                ])
            return
        }
        if let first = declaredAt[login.lowercased()] {
            error(
                range, "\(prefix)identity \"\(login)\" is declared twice", notes: ["first declared at \(first.start)"])
            return
        }
        declaredAt[login.lowercased()] = range
        var accepted: [String] = []
        for (email, emailRange) in emails {
            guard email.contains("@"), email.trimmingWhitespace() == email else {
                error(emailRange, "\(prefix)\"\(email)\" is not an e-mail address (write it as name@host)")
                continue
            }
            if let other = map.loginByEmail[email.lowercased()] {
                error(
                    emailRange, "\(prefix)\"\(email)\" is given to both \"\(other)\" and \"\(login)\"",
                    notes: ["an e-mail belongs to one person; keep it under one login"])
                continue
            }
            accepted.append(email)
        }
        if emails.isEmpty { warning(range, "\(prefix)identity \"\(login)\" lists no e-mail address") }
        map.add(login: login, emails: accepted)
    }

    private mutating func checkName(_ name: Located<String>, _ namedAt: inout [String: SourceRange]) {
        if name.value.isEmpty { error(name.range, "a rule needs a name") }
        if let first = namedAt[name.value] {
            error(
                name.range, "a rule named \"\(name.value)\" already exists", notes: ["first declared at \(first.start)"]
            )
        } else {
            namedAt[name.value] = name.range
        }
    }

    @discardableResult
    private mutating func resolveGroup(_ name: Located<String>) -> Group? {
        if let group = groups[name.value] { return group }
        error(
            name.range, "unknown group `\(name.value)`",
            notes: Suggestion.didYouMean(name.value, in: groups.keys.sorted())
                + (groups.isEmpty ? ["declare it with `group \(name.value) = [\"someone@example.com\"]`"] : []))
        return nil
    }

    private mutating func checkRequirement(_ requirement: Requirement) {
        switch requirement.kind {
        case .reviewers(let comparison, let count, let groupName):
            if count.value < 0 { error(count.range, "a number of reviewers cannot be negative") }
            if count.value > 1_000 {
                error(count.range, "more than 1,000 reviewers can never be met")
                return
            }
            if count.value == 0, comparison == .atLeast {
                warning(count.range, "`reviewers >= 0` is always met")
            }
            if let groupName, let group = resolveGroup(groupName) {
                let needed = comparison == .moreThan ? count.value + 1 : count.value
                if needed > group.members.count {
                    warning(
                        count.range,
                        "can never be met: group `\(group.name)` has \(group.members.count) member\(group.members.count == 1 ? "" : "s")"
                    )
                }
            }
        case .tests(let patterns):
            for pattern in patterns where pattern.value.isEmpty {
                error(pattern.range, "an empty test pattern matches no test")
            }
        case .changed(let patterns):
            for pattern in patterns where pattern.value.isEmpty {
                error(pattern.range, "an empty path glob matches no file")
            }
            for pattern in patterns { checkSize(ofGlob: pattern.value, pattern.range) }
        case .risk(_, let limit) where abs(limit.value) > Self.maxPoints * 1_000:
            error(limit.range, "a risk limit this large is always met")
        case .risk(_, let limit):
            if limit.value <= 0, case .risk(.lessThan, _) = requirement.kind {
                warning(limit.range, "risk below \(limit.value) is met only by changes that lower the risk")
            }
        }
    }

    // MARK: - Expressions

    struct Scope {
        /// A current change exists (inside `… change (…)`, or a risk line's top level).
        var change: Bool
        /// A current file exists.
        var file: Bool
        /// Inside a `risk` line, which cannot read the risk total it contributes to.
        var inRisk: Bool
        /// Inside a quantifier (fields read there do not make a risk line per-change).
        var quantified = false
    }

    private mutating func checkSetCondition(_ condition: PolicyExpression) {
        var readsChange = false
        let type = checkExpression(condition, Scope(change: false, file: false, inRisk: false), &readsChange)
        checkCondition(condition, type)
    }

    private mutating func checkCondition(_ condition: PolicyExpression, _ type: ValueType) {
        if type != .bool, type != .any, type != .null {
            error(condition.range, "a condition must be true or false; this is \(type)")
        }
        if case .bool(false) = condition.kind {
            warning(condition.range, "this condition is always false: the rule can never fire")
        }
    }

    /// The type of `expression`; sets `readsChange` when a change field is read outside a quantifier.
    private mutating func checkExpression(_ expression: PolicyExpression, _ scope: Scope, _ readsChange: inout Bool)
        -> ValueType
    {
        switch expression.kind {
        case .null: return .null
        case .bool: return .bool
        case .integer, .float: return .number
        case .string: return .string
        case .duration: return .duration
        case .timestamp: return .timestamp
        case .list(let items):
            var element: ValueType? = nil
            for item in items {
                let type = checkExpression(item, scope, &readsChange)
                if element == nil { element = type } else if element != type { element = .any }
            }
            return .list(element ?? .any)
        case .name(let name):
            return checkName(name, expression.range, scope, &readsChange)
        case .call(let name, let arguments):
            return checkCall(name, arguments, expression.range, scope, &readsChange)
        case .unary(let op, let operand):
            let type = checkExpression(operand, scope, &readsChange)
            switch op {
            case .not:
                if type.isKnown, type != .bool {
                    error(operand.range, "`not` needs a condition; this is \(type)")
                }
                return .bool
            case .negate:
                if type.isKnown, type != .number, type != .duration {
                    error(operand.range, "cannot negate \(type)")
                }
                return type == .duration ? .duration : (type == .any || type == .null ? .any : .number)
            }
        case .binary(let op, let left, let right):
            return checkBinary(op, left, right, expression, scope, &readsChange)
        case .quantifier(let quantifier, let domain, let body):
            var inner = scope
            inner.quantified = true
            inner.file = true
            inner.change = domain == .change
            var ignored = false
            let type = checkExpression(body, inner, &ignored)
            if type.isKnown, type != .bool {
                error(body.range, "`\(quantifier.rawValue) \(domain.rawValue) (…)` needs a condition; this is \(type)")
            }
            return quantifier == .count ? .number : .bool
        }
    }

    private mutating func checkName(_ name: String, _ range: SourceRange, _ scope: Scope, _ readsChange: inout Bool)
        -> ValueType
    {
        if groups[name] != nil { return .list(.string) }
        if name == "reverts" { readsReverts = true }
        if name == "rto", !declaresRecoveryObjective {
            error(
                range, "`rto` is read, but the policy declares no recovery time objective",
                notes: ["declare one: `rto 60s` (or `rto 30s for \"db/prod/**\"`)"])
            return .duration
        }
        guard let (type, fieldScope, _) = Fields.table[name] else {
            let candidates = Array(Fields.table.keys) + Array(groups.keys)
            error(
                range, "unknown field or group `\(name)`", notes: Suggestion.didYouMean(name, in: candidates.sorted()))
            return .any
        }
        switch fieldScope {
        case .change:
            guard scope.change else {
                error(
                    range, "`\(name)` is a field of a change, and there is no current change here",
                    notes: ["read it inside `any change (…)`, `all change (…)` or `count change (…)`"])
                return type
            }
            if !scope.quantified { readsChange = true }
        case .file:
            guard scope.file else {
                error(
                    range, "`\(name)` is a field of a file, and there is no current file here",
                    notes: ["read it inside `any file (…)` or `any change (…)`"])
                return type
            }
            if !scope.quantified { readsChange = true }
        case .changeSet:
            if name == "risk", scope.inRisk {
                error(range, "a risk line cannot read `risk`: the total is what risk lines add up to")
            }
        }
        return type
    }

    private mutating func checkCall(
        _ name: String, _ arguments: [PolicyExpression], _ range: SourceRange, _ scope: Scope, _ readsChange: inout Bool
    ) -> ValueType {
        let types = arguments.map { checkExpression($0, scope, &readsChange) }
        guard let function = Fields.functions[name] else {
            error(
                range, "unknown function `\(name)`",
                notes: Suggestion.didYouMean(name, in: Fields.functions.keys.sorted())
                    + ["functions: " + Fields.functions.keys.sorted().joined(separator: ", ")])
            return .any
        }
        guard function.arity.contains(arguments.count) else {
            error(
                range,
                "`\(name)` takes \(function.arity.lowerBound) argument\(function.arity.lowerBound == 1 ? "" : "s"), not \(arguments.count)",
                notes: [function.summary])
            return .any
        }
        switch name {
        case "head", "base":
            if !scope.file {
                error(
                    range, "`\(name)(…)` reads the current file, and there is no current file here",
                    notes: ["use it inside `any file (…)` or `any change (…)`"])
            } else if !scope.quantified {
                readsChange = true
            }
            if types[0] != .string, types[0] != .any {
                error(arguments[0].range, "`\(name)` takes a key path in double quotes; this is \(types[0])")
            } else if case .string(let key) = arguments[0].kind, case .failure(let problem) = KeyPathSyntax.split(key) {
                error(arguments[0].range, "invalid key path: \(problem.message)")
            }
            if case .string(let key) = arguments[0].kind {
                settingsRead.insert(key)
            } else {
                settingsRead = .all
            }
            return .any
        case "len":
            if types[0].isKnown, types[0] != .string, !isList(types[0]) {
                error(arguments[0].range, "`len` takes a string or a list; this is \(types[0])")
            }
            return .number
        case "lower", "upper":
            if types[0].isKnown, types[0] != .string {
                error(arguments[0].range, "`\(name)` takes a string; this is \(types[0])")
            }
            return .string
        case "missing", "present":
            return .bool
        case "default":
            if types[0].isKnown, types[1].isKnown, !compatible(types[0], types[1]) {
                warning(range, "`default` mixes \(types[0]) with a fallback of \(types[1])")
            }
            return types[0].isKnown ? types[0] : (types[1].isKnown ? types[1] : .any)
        default:
            for (argument, type) in zip(arguments, types) where type.isKnown && type != .number {
                error(argument.range, "`\(name)` takes numbers; this is \(type)")
            }
            return .number
        }
    }

    private func isList(_ type: ValueType) -> Bool {
        if case .list = type { return true }
        return false
    }

    private mutating func checkBinary(
        _ op: PolicyExpression.BinaryOperator, _ left: PolicyExpression, _ right: PolicyExpression,
        _ whole: PolicyExpression, _ scope: Scope,
        _ readsChange: inout Bool
    ) -> ValueType {
        let l = checkExpression(left, scope, &readsChange)
        let r = checkExpression(right, scope, &readsChange)
        switch op {
        case .and, .or:
            for (side, type) in [(left, l), (right, r)] where type.isKnown && type != .bool {
                error(side.range, "`\(op.rawValue)` joins conditions; this is \(type)")
            }
            return .bool
        case .equal, .notEqual:
            if case .null = left.kind { nullWarning(whole) } else if case .null = right.kind { nullWarning(whole) }
            if l.isKnown, r.isKnown, !compatible(l, r) {
                warning(whole.range, "this compares \(l) with \(r): it is never \(op == .equal ? "true" : "false")")
            }
            checkDomain(left, right, whole, op)
            return .bool
        case .less, .lessEqual, .greater, .greaterEqual:
            if case .null = left.kind { nullWarning(whole) } else if case .null = right.kind { nullWarning(whole) }
            let orderable: Set<ValueType> = [.number, .string, .duration, .timestamp]
            for (side, type) in [(left, l), (right, r)] where type.isKnown && !orderable.contains(type) {
                error(side.range, "cannot order \(type) with `\(op.rawValue)`")
                return .bool
            }
            if l.isKnown, r.isKnown, l != r {
                error(whole.range, "cannot compare \(l) with \(r)")
            }
            if (l == .any && (r == .duration || r == .timestamp)) || (r == .any && (l == .duration || l == .timestamp))
            {
                warning(
                    whole.range,
                    "values read from configuration files are numbers or strings, never \(l == .any ? r : l)s: this is never true"
                )
            }
            return .bool
        case .in, .notIn:
            if r.isKnown, !isList(r) {
                error(right.range, "`\(op.rawValue)` needs a list or a group on its right; this is \(r)")
            } else if case .list(let element) = r, l.isKnown, element.isKnown, !compatible(l, element) {
                warning(whole.range, "this looks for \(l) in a list of \(element.plural): it is never found")
            }
            if case .name(let field) = left.kind, let domain = Fields.domains[field], case .list(let items) = right.kind
            {
                for item in items {
                    if case .string(let value) = item.kind, !domain.contains(value) {
                        warning(
                            item.range, "`\(field)` is never \"\(value)\"",
                            notes: ["it is one of " + domain.map { "\"\($0)\"" }.joined(separator: ", ")]
                                + Suggestion.didYouMean(value, in: domain))
                    }
                }
            }
            return .bool
        case .matches:
            if l.isKnown, l != .string { error(left.range, "`matches` tests a string (a path or a key); this is \(l)") }
            var patterns: [(String, SourceRange)] = []
            switch right.kind {
            case .string(let pattern): patterns = [(pattern, right.range)]
            case .list(let items):
                for item in items {
                    guard case .string(let pattern) = item.kind else {
                        error(item.range, "`matches` takes patterns in double quotes")
                        return .bool
                    }
                    patterns.append((pattern, item.range))
                }
            default:
                error(right.range, "`matches` takes a pattern in double quotes, or a list of them")
                return .bool
            }
            for (pattern, range) in patterns { checkPattern(pattern, range, left) }
            return .bool
        case .has:
            if l.isKnown, !isList(l) { error(left.range, "`has` looks inside a list; this is \(l)") }
            if case .name("tags") = left.kind, case .string(let tag) = right.kind, !declaredTags.contains(tag) {
                warning(
                    right.range, "no `watch` declares tag \"\(tag)\": this is never true",
                    notes: Suggestion.didYouMean(tag, in: declaredTags.sorted()))
            }
            return .bool
        case .add, .subtract, .multiply, .divide:
            return arithmetic(op, l, r, left, right, whole)
        }
    }

    /// Key patterns must parse; a path pattern that no `files` glob can share a path with never matches.
    private mutating func checkPattern(_ pattern: String, _ range: SourceRange, _ left: PolicyExpression) {
        if case .name("key") = left.kind {
            guard checkSize(ofKeyPattern: pattern, range) else { return }
            if case .failure(let problem) = KeyPathPattern.parse(pattern) {
                error(range, "invalid key-path pattern: \(problem.message)")
            }
            return
        }
        guard checkSize(ofGlob: pattern, range), case .name("file") = left.kind, !fileGlobs.isEmpty else { return }
        let glob = Glob(pattern)
        for other in fileGlobs {
            // A spent budget means "may overlap": no warning.
            guard let overlap = glob.overlaps(other, budget: &overlapBudget), !overlap else { return }
        }
        warning(
            range, "pattern \"\(pattern)\" matches none of the files this policy reads",
            notes: ["the policy reads: " + fileGlobs.map { "\"\($0.pattern)\"" }.joined(separator: ", ")])
    }

    /// A path glob within ``PolicyLimits``' segments; false after an error.
    @discardableResult
    private mutating func checkSize(ofGlob pattern: String, _ range: SourceRange) -> Bool {
        checkSize(of: Glob.segmentLengths(pattern), range, "path glob", "/")
    }

    /// A key-path pattern within ``PolicyLimits``' segments; false after an error. A pattern that
    /// does not split is left to the parse that follows, which says why.
    private mutating func checkSize(ofKeyPattern pattern: String, _ range: SourceRange) -> Bool {
        guard case .success(let parts) = KeyPathSyntax.split(pattern) else { return true }
        let lengths = parts.map { part in
            switch part {
            case .key(let text, _), .item(let text): text.count
            }
        }
        return checkSize(of: lengths, range, "key-path pattern", ".")
    }

    private mutating func checkSize(
        of segmentLengths: [Int], _ range: SourceRange, _ what: String, _ separator: String
    ) -> Bool {
        if segmentLengths.count > PolicyLimits.maxPatternSegments {
            error(
                range,
                "\(what) too long: \(segmentLengths.count) segments, at most \(PolicyLimits.maxPatternSegments)",
                notes: ["segments are separated by `\(separator)`; `**` stands for any number of them"])
            return false
        }
        if let longest = segmentLengths.max(), longest > PolicyLimits.maxPatternSegmentLength {
            error(
                range,
                "\(what) has a segment of \(longest) characters, at most \(PolicyLimits.maxPatternSegmentLength)")
            return false
        }
        return true
    }

    private func compatible(_ a: ValueType, _ b: ValueType) -> Bool {
        if a == b || a == .any || b == .any { return true }
        if case .list = a, case .list = b { return true }
        return false
    }

    private mutating func nullWarning(_ whole: PolicyExpression) {
        warning(
            whole.range, "a comparison with null is always false (a missing value is null)",
            notes: ["test for absence with `missing(x)` or presence with `present(x)`"])
    }

    private mutating func checkDomain(
        _ left: PolicyExpression, _ right: PolicyExpression, _ whole: PolicyExpression,
        _ op: PolicyExpression.BinaryOperator
    ) {
        for (field, value) in [(left, right), (right, left)] {
            guard case .name(let name) = field.kind, let domain = Fields.domains[name],
                case .string(let text) = value.kind, !domain.contains(text)
            else { continue }
            warning(
                value.range, "`\(name)` is never \"\(text)\": this is always \(op == .equal ? "false" : "true")",
                notes: ["it is one of " + domain.map { "\"\($0)\"" }.joined(separator: ", ")]
                    + Suggestion.didYouMean(text, in: domain))
        }
    }

    private mutating func arithmetic(
        _ op: PolicyExpression.BinaryOperator, _ l: ValueType, _ r: ValueType, _ left: PolicyExpression,
        _ right: PolicyExpression,
        _ whole: PolicyExpression
    ) -> ValueType {
        if l == .any || r == .any || l == .null || r == .null { return .any }
        switch (op, l, r) {
        case (_, .number, .number): return .number
        case (.add, .string, .string): return .string
        case (.add, .timestamp, .duration), (.subtract, .timestamp, .duration), (.add, .duration, .timestamp):
            return .timestamp
        case (.subtract, .timestamp, .timestamp): return .duration
        case (.add, .duration, .duration), (.subtract, .duration, .duration): return .duration
        case (.multiply, .duration, .number), (.multiply, .number, .duration), (.divide, .duration, .number):
            return .duration
        case (.divide, .duration, .duration): return .number
        default:
            let verb =
                switch op {
                case .add: "add"
                case .subtract: "subtract"
                case .multiply: "multiply"
                default: "divide"
                }
            error(whole.range, "cannot \(verb) \(l) and \(r)")
            return .any
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}
