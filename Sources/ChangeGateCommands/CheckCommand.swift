import ArgumentParser
import ChangeGate
import Foundation

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
        var request = CheckRequest(repositoryPath: repo, base: base, head: head)
        request.policyPath = policy
        request.policyRevision = policyRev
        request.evidenceFile = evidence
        request.junitPatterns = junit
        request.actor = actor
        request.overrideReason = override
        request.now = now
        request.ref = ref
        request.auditLocation = audit
        request.dryRun = noAudit
        request.auditRepository = auditRepository
        request.auditWait = .milliseconds(Int64(max(0, auditWait) * 1000))
        request.maxReadBytes = maxReadBytes
        request.failOnWarn = failOnWarn
        request.environment = ProcessInfo.processInfo.environment
        let outcome = CheckWorkflow.run(request)
        for note in outcome.notes { Standard.error(note) }
        let decision = outcome.decision
        if let output {
            let report = DecisionRenderer.render(decision, as: format, color: false)
            do {
                try Data(report.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                Standard.error(
                    "changegate: error: cannot write the report to \(output): \(Self.whyUnwritable(output, error))")
                throw ExitCode.error
            }
            // The verdict still reaches the log of whoever runs the check.
            Standard.error(DecisionRenderer.summary(decision))
        } else {
            let color = format == .text && colorOption.wanted(environment: request.environment)
            print(DecisionRenderer.render(decision, as: format, color: color), terminator: "")
        }
        if outcome.exit != .success { throw ExitCode(outcome.exit) }
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
}
