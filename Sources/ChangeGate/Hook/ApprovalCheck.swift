import PolicyDSL

/// The checks on a push to `refs/changegate/`: pre-receive runs them to refuse, post-receive again
/// before it records, so that nothing is recorded that pre-receive would not have let through.
enum ApprovalCheck {
    struct Refusal: Error, Sendable {
        var reason: String
    }

    /// An approval that passed the checks.
    struct Checked: Sendable {
        var approval: Approval
        var commit: CommitInfo
        /// The ref it approves the commit for.
        var target: String
    }

    static func check(_ update: RefUpdate, actor: String?, repository: Repository, now: Int) -> Result<
        Checked, Refusal
    > {
        guard update.ref.hasPrefix(HookConfiguration.approvalsNamespace),
            update.ref.count > HookConfiguration.approvalsNamespace.count
        else {
            return .failure(
                Refusal(reason: "refs/changegate/ is ChangeGate's; only refs/changegate/approvals/NAME can be pushed"))
        }
        let defaultBranch = repository.defaultBranch()
        guard let target = HookConfiguration.approvalTarget(of: update.ref, defaultBranch: defaultBranch) else {
            if defaultBranch == nil, !update.ref.dropFirst(HookConfiguration.approvalsNamespace.count).contains("/") {
                return .failure(
                    Refusal(
                        reason: "the repository's HEAD names no existing branch, so approvals/NAME approves for "
                            + "nothing: name the ref, refs/changegate/approvals/heads/BRANCH/NAME (or ask an admin "
                            + "to point HEAD at the default branch)"))
            }
            return .failure(
                Refusal(
                    reason: "an approval names the ref it is for: refs/changegate/approvals/NAME for the default "
                        + "branch, refs/changegate/approvals/heads/BRANCH/NAME or …/tags/TAG/NAME for another"))
        }
        guard update.kind == .create, let new = update.new else {
            return .failure(
                Refusal(reason: "approvals are append-only: push a new name under refs/changegate/approvals/"))
        }
        guard let actor else {
            return .failure(Refusal(reason: "an approval needs an authenticated pusher, and this push has none"))
        }
        let commit: CommitInfo
        do {
            commit = try repository.commit(repository.resolveCommit(new.hex))
        } catch {
            return .failure(Refusal(reason: "an approval names a commit; \(new.short) is not one (\(error))"))
        }
        // The policy's identity map is not read here (the gate applies it when the approval is
        // counted); a forge's noreply address for the pusher's login is known without it.
        let identities = IdentityMap()
        if identities.same(commit.author.email, actor) || identities.same(commit.committer.email, actor) {
            return .failure(Refusal(reason: "\(actor) wrote or committed \(commit.id.short) and cannot approve it"))
        }
        return .success(
            Checked(
                approval: Approval(commit: commit.id.hex, approver: actor, time: now, ref: update.ref), commit: commit,
                target: target))
    }
}
