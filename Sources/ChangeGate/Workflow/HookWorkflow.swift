import Foundation

/// What a hook run needs besides the ref updates: how to judge, where the trail and CI's evidence
/// are, and the process's environment (git's `GIT_DIR`, the pusher, the push options).
public struct HookRequest: Sendable {
    /// How to judge: the protected refs, approvals, break-glass, the deadline.
    public var configuration: HookConfiguration
    /// The trail; nil for `$CHANGEGATE_AUDIT`, else `GIT_DIR/changegate/audit.sqlite`.
    public var auditLocation: String?
    /// Where CI leaves test results per commit; nil for `GIT_DIR/changegate/evidence`.
    public var evidenceDirectory: String?
    /// The process environment: git's `GIT_DIR`, the pusher, the push options.
    public var environment: [String: String]
    /// Seconds since the epoch: the time of the decisions and records.
    public var clock: @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }

    /// A request with the default trail and evidence directory and the real clock.
    ///
    /// - Parameters:
    ///   - configuration: How to judge.
    ///   - environment: The hook process's environment.
    public init(configuration: HookConfiguration, environment: [String: String]) {
        self.configuration = configuration
        self.environment = environment
    }
}

/// What a hook run came to: the text for the pusher (standard error) and the exit code.
public struct HookRunOutcome: Sendable, Hashable {
    /// The hooks' own report, written as it is (its lines are built escaped).
    public var message: String = ""
    /// Why the run failed, one diagnostic line: it quotes errors that may carry control
    /// characters from paths and refs, so the caller escapes it as it escapes any error.
    public var error: String?
    /// Accepted or refused (``WorkflowExit/hook(accepted:)``).
    public var exit: WorkflowExit
    /// `exit`'s code: 0 or 1.
    public var exitCode: Int32 { exit.rawValue }
}

/// The git server's hooks as one workflow each: open the repository git's environment names and
/// its trail, run ``PreReceiveHook`` or ``PostReceiveHook``, and say what happened. Every failure
/// refuses (pre-receive) or is reported (post-receive); nothing throws. The deadline is a
/// cancellation: the workflow bounds its waits by what is left of it, checks it between its steps
/// and refuses once it is cancelled; a caller that must stop sooner (the hook process, whose
/// judging can outlast the budget) waits for the cancellation itself and ends the process.
public enum HookWorkflow {
    /// What the pusher reads when the hook ran out of time.
    ///
    /// - Parameter seconds: The deadline, in seconds.
    /// - Returns: The refusal, one line.
    public static func deadlineMessage(_ seconds: Double) -> String {
        "changegate: REFUSED: the check took longer than its \(seconds) s deadline, so the push was refused (no ref "
            + "moved, nothing recorded). Push again; if it keeps happening, ask an admin to raise --deadline."
    }

    /// What post-receive says when it ran out of time (the refs have moved; it records nothing).
    ///
    /// - Parameter seconds: The deadline, in seconds.
    /// - Returns: The error, one line.
    public static func postReceiveDeadlineMessage(_ seconds: Double) -> String {
        "changegate: ERROR: recording took longer than the \(seconds) s deadline; nothing was recorded, so the "
            + "approvals of this push do not count (push them again under new names) and the landing of its refs "
            + "is not in the audit trail"
    }

    /// Judges the updates `readUpdates` gives and records the verdicts (pre-receive, or update with
    /// one ref). The deadline covers all of it, the waits on the trail included.
    ///
    /// - Parameters:
    ///   - request: The configuration, the trail, the evidence directory and the environment.
    ///   - deadline: The run's deadline; the commit of the verdicts claims it.
    ///   - readUpdates: Reads the ref updates (git's standard input); an error it throws refuses.
    /// - Returns: The message for the pusher, or the error, and the exit: accepted or refused.
    public static func preReceive(
        _ request: HookRequest, deadline: HookDeadline, readUpdates: () throws -> [RefUpdate]
    ) -> HookRunOutcome {
        do {
            let updates = try readUpdates()
            if deadline.isCancelled { return pastDeadline(request) }
            let (repository, store, gitDirectory) = try open(request, deadline: deadline)
            if deadline.isCancelled { return pastDeadline(request) }
            let hook = PreReceiveHook(
                repository: repository, configuration: request.configuration,
                journal: AuditHookJournal(store: store, repository: repository.displayPath),
                actor: HookActor.from(request.environment)?.identity,
                pushOptions: PushOptions.from(request.environment), now: request.clock(),
                evidenceDirectory: request.evidenceDirectory ?? gitDirectory + "/changegate/evidence")
            // The commit claims the deadline: once made, the verdict it records is the one given.
            let outcome = hook.record(hook.judge(updates), commit: .within(deadline))
            guard !outcome.pastDeadline else { return pastDeadline(request) }
            // The verdict is given: publishing may not cut it short, so it runs only with the deadline
            // claimed (a push that recorded nothing claims it here), and never when it has passed.
            let published = deadline.claim() ? publishCheckpoint(request, repository: repository, store: store) : ""
            return HookRunOutcome(
                message: outcome.message + published, exit: WorkflowExit.hook(accepted: outcome.accepted))
        } catch {
            // Past this point nothing may cut the refusal short: claim the deadline first (a
            // deadline already cancelled refuses as the deadline).
            guard deadline.claim() else { return pastDeadline(request) }
            return HookRunOutcome(
                error: "changegate: REFUSED: \(error) (the push was refused; no ref moved)",
                exit: WorkflowExit.hook(accepted: false))
        }
    }

    /// The refusal of a pre-receive whose deadline was cancelled.
    private static func pastDeadline(_ request: HookRequest) -> HookRunOutcome {
        HookRunOutcome(error: deadlineMessage(request.configuration.deadline), exit: WorkflowExit.hook(accepted: false))
    }

    /// Records what landed (post-receive): approvals, who first pushed each commit, the landings.
    /// The refs have moved, so it refuses nothing; an approval it cannot record does not count.
    ///
    /// - Parameters:
    ///   - request: The configuration, the trail and the environment.
    ///   - deadline: The run's deadline; recording commits only within it.
    ///   - readUpdates: Reads the ref updates (git's standard input).
    /// - Returns: The message, or the error, and the exit: 1 when anything failed to be recorded.
    public static func postReceive(
        _ request: HookRequest, deadline: HookDeadline, readUpdates: () throws -> [RefUpdate]
    ) -> HookRunOutcome {
        do {
            let updates = try readUpdates()
            let (repository, store, _) = try open(request, deadline: deadline)
            let hook = PostReceiveHook(
                repository: repository, journal: AuditHookJournal(store: store, repository: repository.displayPath),
                actor: HookActor.from(request.environment)?.identity, now: request.clock())
            let outcome = hook.run(updates, commit: .within(deadline))
            let published = deadline.claim() ? publishCheckpoint(request, repository: repository, store: store) : ""
            return HookRunOutcome(
                message: outcome.message + published, exit: WorkflowExit.hook(accepted: !outcome.failed))
        } catch {
            return HookRunOutcome(
                error: "changegate: ERROR: \(error); nothing was recorded, so the approvals of this push do not "
                    + "count: push them again under new names",
                exit: WorkflowExit.hook(accepted: false))
        }
    }

    /// Publishes the trail's signed checkpoint when the repository's config asks for one and it is
    /// due (``CheckpointPublisher``), after the records were committed: the lines for the pusher,
    /// empty when there is nothing to say. A failure is reported, never a refusal.
    private static func publishCheckpoint(_ request: HookRequest, repository: Repository, store: any AuditStore)
        -> String
    {
        let publisher: CheckpointPublisher
        do {
            guard let publishing = try CheckpointPublishing.read(repository.localConfigValue) else { return "" }
            publisher = CheckpointPublisher(publishing: publishing)
        } catch {
            return TerminalText.escape("changegate: WARNING: no checkpoint was published: \(error)") + "\n"
        }
        return publisher.message(publisher.publishIfDue(store, now: request.clock())).map { $0 + "\n" } ?? ""
    }

    /// The repository git's environment names (quarantined objects readable), its trail, and its
    /// git directory without a trailing slash. Fail closed: a trail that cannot be opened refuses.
    private static func open(_ request: HookRequest, deadline: HookDeadline) throws -> (
        Repository, any AuditStore, String
    ) {
        let repository = try Repository.openFromEnvironment()
        let gitDirectory = repository.path.hasSuffix("/") ? String(repository.path.dropLast()) : repository.path
        let store = try AuditStores.open(
            AuditLocation.path(
                explicit: request.auditLocation, environment: request.environment, gitDirectory: gitDirectory),
            waitLimit: .milliseconds(Int64(deadline.remaining * 1000)))
        return (repository, store, gitDirectory)
    }
}
