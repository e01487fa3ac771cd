import ArgumentParser
import ChangeGate
import Foundation
import PolicyDSL

extension DecisionRenderer.Format: ExpressibleByArgument {}

/// `changegate check --base REV --head REV`: the CI merge check.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Decide whether the change from BASE to HEAD may land.",
        discussion: """
            The policy comes from the base revision (policies/ there) unless --policy names one outside the \
            repository; never from the head. The change is what HEAD added since it forked from BASE (their \
            merge base, as a pull request shows it); the report says so when BASE is not an ancestor. Exit 0 allowed (warnings may be printed), 1 denied, 2 the \
            change could not be judged (which denies too).
            """
    )

    @Option(
        help: ArgumentHelp("The repository (default: the one containing the working directory).", valueName: "path"),
        completion: .directory)
    var repo: String?

    @Option(
        help: ArgumentHelp("The base revision: the target branch before the change.", valueName: "rev"),
        completion: Completions.revisions)
    var base: String

    @Option(help: ArgumentHelp("The head revision: the change.", valueName: "rev"), completion: Completions.revisions)
    var head: String

    @Option(
        help: ArgumentHelp(
            "A policy file or directory outside the repository (default: policies/ at the base).", valueName: "path"),
        completion: .file())
    var policy: String?

    @Option(
        help: ArgumentHelp(
            "The revision whose policies/ judge the change (the target branch's tip, when --base is the merge "
                + "base); default: the base.", valueName: "rev"), completion: Completions.revisions)
    var policyRev: String?

    @Option(
        help: ArgumentHelp(
            "An evidence JSON file: reviewers and test results (schema in docs/ci.md).", valueName: "file"),
        completion: .file(extensions: ["json"]))
    var evidence: String?

    @Option(
        help: ArgumentHelp(
            "JUnit XML reports (a path or a glob; repeatable). A pattern that matches nothing is an error.",
            valueName: "path-or-glob"), completion: .file(extensions: ["xml"]))
    var junit: [String] = []

    @Option(help: ArgumentHelp("Who runs the check (an e-mail address or login).", valueName: "identity"))
    var actor: String?

    @Option(
        help: ArgumentHelp(
            "An emergency override reason (honoured only where the policy says `override by` a group of the actor).",
            valueName: "reason"))
    var override: String?

    @Option(help: ArgumentHelp("The time of the decision, ISO 8601 (default: now).", valueName: "time"))
    var now: String?

    @Option(help: ArgumentHelp("The ref being updated.", valueName: "ref"))
    var ref: String = ""

    @Option(help: ArgumentHelp("Output format: text, json, sarif, junit or github.", valueName: "format"))
    var format: DecisionRenderer.Format = .text

    @Option(
        help: ArgumentHelp(
            "Write the report to FILE instead of standard output (the exit code is the same).", valueName: "file"),
        completion: .file())
    var output: String?

    @OptionGroup var colorOption: ColorOption

    @Flag(help: "Exit 1 when the change is allowed with warnings, as when it is denied (conftest's --fail-on-warn).")
    var failOnWarn = false

    @Option(
        help: ArgumentHelp(
            "The audit trail to record the decision in (default: $CHANGEGATE_AUDIT, else "
                + "GIT_DIR/changegate/audit.sqlite).", valueName: "path"), completion: .file())
    var audit: String?

    @Option(
        help: ArgumentHelp(
            "The repository as the hook's records in a shared --audit trail name it (its path on the git server); "
                + "needed when the trail holds several.", valueName: "name"))
    var auditRepository: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Seconds to wait for the audit trail when another process holds it (default: 10); past them the check "
                + "fails with an error naming the trail.", valueName: "seconds"))
    var auditWait: Double = 10

    @Flag(help: "Do not record the decision (a dry run); says so on standard error.")
    var noAudit = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "The most bytes of config files one decision reads, both sides of every file together (default: "
                + "32 MiB); a change over it is refused before its files are read.", valueName: "bytes"))
    var maxReadBytes: Int = ReadBudget.defaultMaxBytes

    func validate() throws {
        if auditWait < 0 { throw ValidationError("--audit-wait: must be 0 or more seconds (got \(auditWait))") }
        if maxReadBytes < 0 { throw ValidationError("--max-read-bytes: must be 0 or more (got \(maxReadBytes))") }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        var (decision, repository, seconds) = decide(environment: environment)
        if noAudit {
            Standard.error("changegate: --no-audit: this decision is not recorded in the audit trail (a dry run)")
        } else if let problem = record(decision, repository: repository, time: seconds, environment: environment) {
            // Fail closed: a decision that cannot be kept is no decision.
            decision.verdict = .error
            decision.problems.append(problem)
        }
        if let output {
            let report = DecisionRenderer.render(decision, as: format, color: false)
            do {
                try Data(report.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                Standard.error(
                    "changegate: error: cannot write the report to \(output): \(Self.whyUnwritable(output, error))")
                throw ExitCode(2)
            }
            // The verdict still reaches the log of whoever runs the check.
            Standard.error(DecisionRenderer.summary(decision))
        } else {
            let color = format == .text && colorOption.wanted(environment: environment)
            print(DecisionRenderer.render(decision, as: format, color: color), terminator: "")
        }
        if exitCode(of: decision) != 0 { throw ExitCode(exitCode(of: decision)) }
    }

    /// The decision's exit code; 1 for warnings too under --fail-on-warn.
    private func exitCode(of decision: GateDecision) -> Int32 {
        failOnWarn && decision.verdict == .warn ? 1 : decision.exitCode
    }

    /// Why a report cannot be written at `path`, naming the folder (Foundation says only "The file
    /// doesn't exist").
    static func whyUnwritable(_ path: String, _ error: any Error) -> String {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            return "the folder \(folder) does not exist; create it first"
        }
        if !isFolder.boolValue { return "\(folder) is not a folder" }
        if !FileManager.default.isWritableFile(atPath: folder) { return "the folder \(folder) is not writable" }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            return "\(path) is a folder; name a file"
        }
        return error.localizedDescription
    }

    /// The decision; a bad --now, repository or evidence file is a decision too (an error, which
    /// denies), so that CI still gets a report in the format it asked for.
    private func decide(environment: [String: String]) -> (GateDecision, Repository?, Int) {
        var seconds = Int(Date().timeIntervalSince1970)
        var repository: Repository?
        func failure(_ problem: String) -> (GateDecision, Repository?, Int) {
            var decision = GateDecision(verdict: .error, problems: [problem])
            decision.override = override.map { OverrideRequest(actor: actor ?? "", reason: $0) }
            return (decision, repository, seconds)
        }
        if let now {
            guard let date = ISO8601DateFormatter().date(from: now) else {
                return failure("--now \(now) is not an ISO 8601 time like 2024-06-04T13:55:00Z")
            }
            seconds = Int(date.timeIntervalSince1970)
        }
        let opened: Repository
        do {
            opened = try Repository.open(path: repo, environment: environment)
            repository = opened
        } catch {
            return failure("\(error)")
        }
        var requested = override.map { OverrideRequest(actor: actor ?? "", reason: $0) }
        var reviewers: [ReviewerEvidence] = []
        var tests: [TestEvidence] = []
        do {
            if let evidence {
                let file = try EvidenceFile.read(path: evidence)
                reviewers += file.reviewers
                tests += file.tests
                if override == nil { requested = file.override }
            }
            if !junit.isEmpty {
                let headCommit = try opened.resolveCommit(head)
                for pattern in junit {
                    tests += try JUnitReport.read(matching: pattern, notCommittedIn: opened, at: headCommit)
                }
            }
        } catch {
            return failure("\(error)")
        }
        // `reverts` restores only known-good tips: the hook's accepted tips of --ref when the trail
        // has them, else the base's first-parent history at its committer dates (docs/security.md).
        var tips = KnownGoodTips.firstParentHistory
        let trail = AuditLocation.path(explicit: audit, environment: environment, gitDirectory: opened.path)
        if !ref.isEmpty, FileManager.default.fileExists(atPath: trail) {
            do {
                let store = try AuditStores.open(trail, access: .readOnly, waitLimit: auditWaitLimit)
                let since = seconds - 366 * 86_400
                // A shared trail holds other repositories' tips of the same ref name: a sandbox's
                // would make its values known good here. Use this repository's, named or alone.
                var own = auditRepository
                if own == nil {
                    let names = try store.hookRepositories(ref: ref, since: since)
                    if names.count > 1 {
                        return failure(
                            "the audit trail \(trail) holds decisions on \(ref) from several repositories ("
                                + names.sorted().joined(separator: ", ")
                                + "): name this one with --audit-repository, as the hook's records name it")
                    }
                    own = names.first
                }
                if let own {
                    let accepted = try store.acceptedTips(ref: ref, repository: own, since: since)
                    if !accepted.isEmpty { tips = .accepted(accepted) }
                }
            } catch {
                return failure("cannot read the accepted tips of \(ref) from the audit trail \(trail): \(error)")
            }
        }
        var request = GateRequest(
            base: base, head: head, policyPath: policy, ref: ref, actor: actor, now: seconds, reviewers: reviewers,
            tests: tests, override: requested, knownGoodTips: tips, policyRevision: policyRev)
        request.maxBytesRead = max(0, maxReadBytes)
        return (Gate(repository: opened).decide(request), opened, seconds)
    }

    var auditWaitLimit: Duration { .milliseconds(Int64(max(0, auditWait) * 1000)) }

    /// Appends the decision to the audit trail; returns why it could not, if it could not.
    private func record(_ decision: GateDecision, repository: Repository?, time: Int, environment: [String: String])
        -> String?
    {
        guard repository != nil || audit != nil || environment[AuditLocation.environmentVariable] != nil else {
            return nil  // No repository and no trail named: nothing to record next to.
        }
        let path = AuditLocation.path(
            explicit: audit, environment: environment, gitDirectory: repository?.path ?? ".")
        // The record's time is this machine's clock, never --now: a caller cannot backdate it.
        let record = AuditRecord(
            decision, time: Int(Date().timeIntervalSince1970), evaluatedAt: time, source: .ci,
            repository: repository.map(\.displayPath) ?? (repo ?? "."),
            ref: ref.isEmpty ? nil : ref, actor: actor, accepted: exitCode(of: decision) == 0)
        let created = !FileManager.default.fileExists(atPath: path)
        do {
            try AuditStores.open(path, waitLimit: auditWaitLimit).append([record])
            if created {
                // A developer's clone gains a file under .git/: say where, and how not to.
                Standard.error(
                    "changegate: recorded the decision in a new audit trail, \(path) (--audit PATH for another, "
                        + "--no-audit for a dry run)")
            }
            return nil
        } catch {
            return "cannot record the decision in the audit trail: \(error) (use --no-audit for a dry run)"
        }
    }
}
