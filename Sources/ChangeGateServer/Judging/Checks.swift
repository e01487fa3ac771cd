import ChangeGate
import Dispatch

/// Runs the library's check workflow for the service: the same `CheckWorkflow` as
/// `changegate check`, recorded with source `service`, off the cooperative pool (libgit2, SQLite
/// and the PostgreSQL bridge block their thread).
enum Checks {
    /// The request for `base`..`head` of `repository`, as the service records it.
    static func request(
        repository: ServerConfiguration.ServedRepository, base: String, head: String, ref: String,
        actor: String, audit: String, now: String? = nil
    ) -> CheckRequest {
        var request = CheckRequest(repositoryPath: repository.path, base: base, head: head)
        if case .path(let policy) = repository.policy { request.policyPath = policy }
        request.ref = ref
        request.actor = actor
        request.now = now
        request.auditLocation = audit
        request.source = .service
        // The hook's records of a shared trail name the repository by its path on the server.
        request.auditRepository = repository.trailName
        return request
    }

    /// Runs `request` on a thread of Dispatch's, and returns its outcome.
    static func run(_ request: CheckRequest) async -> CheckOutcome {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: CheckWorkflow.run(request)) }
        }
    }
}
