import ChangeGate
import PolicyDSL

/// The policy interpreter alone: the shipped catalogue over 10,000 changes, and its compilation.
struct PolicyEvaluation {
    let policyPath: String

    func cases() throws -> [Benchmark] {
        let compiled = try PolicyLoader.compile(at: policyPath)
        guard let program = compiled.program else {
            throw Shell.Failure(command: policyPath, status: 2, output: compiled.rendered)
        }
        let sources = try PolicyLoader.sources(at: policyPath)
        let input = Self.syntheticChanges(10_000)
        return [
            Benchmark(
                name: "policy evaluation: policies/failover.policy over 10,000 changes", target: .milliseconds(20),
                subject: { _ = Evaluator.evaluate(program, input) },
                note: "10,000 changes over 100 files (half of them production paths), 700 of them on watched "
                    + "failover keys, with one reviewer and one passing test, evaluated by the shipped policy "
                    + "(94 watch patterns in 54 watches, 13 risk lines, 13 rules)."),
            Benchmark(
                name: "policy compile: policies/failover.policy (lex, parse, check)", target: nil,
                subject: { _ = PolicyCompiler.compile(sources) }),
        ]
    }

    /// A change set shaped like real failover config churn: Patroni, CloudNativePG and orchestrator
    /// keys, production and staging files, a third of them watched.
    static func syntheticChanges(_ count: Int) -> EvaluationInput {
        let keys = [
            "bootstrap.dcs.ttl", "bootstrap.dcs.loop_wait", "bootstrap.dcs.retry_timeout",
            "bootstrap.dcs.maximum_lag_on_failover", "failover.mode", "failover.enabled", "failover.promotion_timeout",
            "postgresql.parameters.work_mem", "postgresql.parameters.max_connections", "spec.instances",
            "spec.failoverDelay", "RecoveryPeriodBlockSeconds", "restapi.listen", "tags.nofailover",
        ]
        var changes: [ChangeInput] = []
        var files: [String: FileInput] = [:]
        for i in 0..<count {
            let file = i % 2 == 0 ? "db/prod/cluster-\(i % 50).yaml" : "db/staging/cluster-\(i % 50).yaml"
            let key = i < keys.count * 50 ? keys[i % keys.count] : "app.settings.k\(i)"
            changes.append(
                ChangeInput(
                    file: file, key: key, kind: "modified", old: .integer(i), new: .integer(i * 3), reverts: i % 17 == 0
                ))
            files[file] = FileInput(
                path: file,
                head: [
                    "bootstrap.dcs.ttl": .integer(30), "bootstrap.dcs.loop_wait": .integer(10),
                    "bootstrap.dcs.retry_timeout": .integer(10),
                ],
                base: [:])
        }
        return EvaluationInput(
            changes: changes, files: files.values.sorted { $0.path < $1.path }, ref: "refs/heads/main",
            authors: ["frank@example.com"], actor: "frank@example.com", now: 1_717_509_300,
            reviewers: [ReviewerEvidence(identity: "bob@example.com", source: "evidence file")],
            tests: [TestEvidence(name: "failover-simulation", status: .passed, source: "junit")],
            changedPaths: changes.map(\.file))
    }
}
