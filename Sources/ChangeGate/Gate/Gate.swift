import PolicyDSL

/// Joins the settings diff and the policy into a decision.
///
/// The policy comes from the base revision (`policies/` there) or from `GateRequest.policyPath`,
/// never from the head: a change cannot relax the rules that judge it. Anything that keeps the gate
/// from judging — an unknown revision, a broken policy, an unparsable file — is a decision of its own
/// (``GateDecision/Verdict/error``), which denies.
public struct Gate {
    public let repository: Repository

    public init(repository: Repository) {
        self.repository = repository
    }

    public func decide(_ request: GateRequest) -> GateDecision {
        var decision = GateDecision(
            verdict: .error, base: nil, head: nil, policyName: nil, policySource: nil, evaluation: nil, changes: [],
            commits: [], problems: [])
        do {
            let base = try repository.resolveCommit(request.base)
            let head = try repository.resolveCommit(request.head)
            decision.base = base
            decision.head = head

            let compiled: PolicyCompiler.Result
            do {
                if let path = request.policyPath {
                    compiled = try PolicyLoader.compile(at: path)
                    decision.policySource = path
                } else {
                    compiled = try PolicyLoader.compile(in: repository, at: base)
                    decision.policySource = "\(base.short):policies/"
                }
            } catch {
                decision.problems = ["\(error)"]
                return decision
            }
            guard let program = compiled.program else {
                decision.problems = compiled.errors.map(\.description)
                return decision
            }
            decision.policyName = program.name

            let commits = try repository.commits(from: base, to: head)
            decision.commits = commits
            var differ = RepositorySettingsDiff(repository: repository, selectors: selectors(of: program))
            let report = try differ.diff(from: base, to: head)
            decision.changes = report.changes
            if !report.errors.isEmpty {
                decision.problems = report.errors.map(\.description)
                return decision
            }

            var reverts = RevertDetector(lookBack: request.revertLookBack)
            var changes: [ChangeInput] = []
            for change in report.changes {
                var reverting = false
                if let new = change.new, change.kind != .removed {
                    reverting = try reverts.reverts(
                        file: change.previousFile ?? change.file, key: change.key, to: new, base: base,
                        now: request.now, differ: &differ)
                }
                changes.append(
                    ChangeInput(
                        file: change.file, key: change.key, kind: change.kind.rawValue,
                        old: change.old.map(PolicyValue.init) ?? .null, new: change.new.map(PolicyValue.init) ?? .null,
                        reverts: reverting))
            }
            var files: [FileInput] = []
            for path in Set(report.changes.map(\.file)).sorted() {
                let previous = report.changes.first { $0.file == path }?.previousFile ?? path
                let head = try differ.settings(of: path, at: head) ?? [:]
                let base = try differ.settings(of: previous, at: base) ?? [:]
                files.append(
                    FileInput(
                        path: path, head: head.mapValues(PolicyValue.init), base: base.mapValues(PolicyValue.init)))
            }
            let touched = try repository.diff(from: base, to: head, detectRenames: false)
            let changedPaths = Array(Set(touched.flatMap { [$0.oldPath, $0.newPath].compactMap { $0 } })).sorted()

            let input = EvaluationInput(
                changes: changes, files: files, ref: request.ref,
                authors: unique(commits.map(\.author.email)), committers: unique(commits.map(\.committer.email)),
                actor: request.actor, now: request.now, reviewers: request.reviewers, tests: request.tests,
                changedPaths: changedPaths, override: request.override)
            let evaluation = Evaluator.evaluate(program, input)
            decision.evaluation = evaluation
            switch evaluation.outcome {
            case .allow: decision.verdict = .allow
            case .warn: decision.verdict = .warn
            case .deny: decision.verdict = .deny
            }
        } catch {
            decision.problems.append("\(error)")
            decision.verdict = .error
        }
        return decision
    }

    /// The policy's `files` lines as file selectors; every known config file when it has none.
    func selectors(of program: Program) -> [FileSelector] {
        let declared = program.fileSelectors.flatMap { rule in
            rule.patterns.map { FileSelector($0, format: rule.format.flatMap(ConfigFormat.init(name:))) }
        }
        return declared.isEmpty ? FileSelector.knownConfigFiles : declared
    }

    private func unique(_ identities: [String]) -> [String] {
        var seen = Set<String>()
        return identities.filter { seen.insert($0.lowercased()).inserted }
    }
}
