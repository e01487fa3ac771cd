import ChangeGate
import Logging
import PolicyDSL

/// What the service does with a verified delivery: judges the event's head against its target
/// branch (or the push's earlier tip) with `CheckWorkflow`, which records the decision, and posts
/// the verdict to the forge as a commit status.
struct EventJudge: Sendable {
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let logger: Logger

    /// The check an event asks for, or why there is none (a push to a ref that is not protected).
    func request(for event: ForgeEvent, repository: ServerConfiguration.ServedRepository, forge: String)
        -> Result<CheckRequest, Ignored>
    {
        let actor = "\(forge) webhook"
        switch event.trigger {
        case .pullRequest, .review:
            guard let target = event.targetBranch else { return .failure(Ignored(reason: "no target branch")) }
            let ref = "refs/heads/\(target)"
            return .success(
                Checks.request(
                    repository: repository, base: ref, head: event.head, ref: ref, actor: actor,
                    audit: configuration.audit))
        case .push(let ref, let before):
            guard repository.protectedRefs.contains(where: { Glob($0).matches(ref) }) else {
                return .failure(Ignored(reason: "\(ref) is not a protected ref of \(repository.name)"))
            }
            return .success(
                Checks.request(
                    repository: repository, base: before, head: event.head, ref: ref, actor: actor,
                    audit: configuration.audit))
        }
    }

    /// An event the server does not judge, and why.
    struct Ignored: Error, Sendable, Hashable {
        var reason: String
    }

    /// Judges, records and posts; never throws: what went wrong is logged and counted.
    func judge(_ event: ForgeEvent, request: CheckRequest, forge: ServerConfiguration.Forge, delivery: String) async {
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = await Checks.run(request)
        metrics.checked(
            repository: event.repository, verdict: outcome.decision.verdict.rawValue, duration: clock.now - started)
        var metadata: Logger.Metadata = [
            "delivery": "\(delivery)", "repository": "\(event.repository)", "head": "\(event.head)",
            "verdict": "\(outcome.decision.verdict.rawValue)",
        ]
        if case .appended(_, let sequence, _) = outcome.recording { metadata["record"] = "\(sequence)" }
        if outcome.decision.verdict == .error {
            // Why it could not be judged: what an operator needs, and no secret (problems name files and revisions).
            metadata["problems"] = "\(outcome.decision.problems.map(\.message).joined(separator: "; "))"
        }
        logger.info("judged", metadata: metadata)
        let status = CommitStatus(outcome.decision, context: forge.statusContext)
        do {
            try await CommitStatusPoster(forge: forge).post(status, for: event)
        } catch {
            metrics.statusFailure(forge: forge.name)
            logger.error("status not posted", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }
}
