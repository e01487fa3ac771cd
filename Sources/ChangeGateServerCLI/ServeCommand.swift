import ArgumentParser
import ChangeGate
import ChangeGateCommands
import ChangeGateServer
import Dispatch
import Foundation
import Logging

/// `changegate serve --config FILE`: the service (docs/server.md). `--check-config` reads and
/// checks the file, and exits.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Gate pull requests and pushes of many repositories over HTTP: webhooks in, statuses out, an API.",
        discussion: """
            The configuration (YAML) names the repositories, the forges, the audit trail, the API clients and \
            where to listen; docs/server.md is its reference. SIGTERM or SIGINT stops taking requests and \
            finishes the accepted ones. Exit 2 when the configuration is wrong, naming its file and line.
            """
    )

    @Option(help: ArgumentHelp("The configuration file (YAML).", valueName: "file"), completion: .file())
    var config: String

    @Flag(help: "Read and check the configuration, say what it serves, and exit.")
    var checkConfig = false

    func run() throws {
        let loaded: ServerConfiguration
        do {
            loaded = try ServerConfiguration.load(path: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            Standard.error("changegate: \(error)")
            throw ExitCode(WorkflowExit.error.rawValue)
        }
        if checkConfig {
            print(
                "ok: \(config): \(loaded.repositories.count) repositories, \(loaded.forges.count) forges, "
                    + "\(loaded.clients.count) API clients; listens on \(loaded.listen); audit trail "
                    + AuditStores.displayed(loaded.audit))
            return
        }
        var logger = Logger(label: "changegate")
        logger.logLevel = .info
        let application = ServerApplication(configuration: loaded, logger: logger)
        let failure = ServeFailure()
        let done = DispatchSemaphore(value: 0)
        // The commands are synchronous; the service runs on the concurrency pool until SIGTERM.
        Task {
            do {
                try await application.run()
            } catch {
                failure.set("\(error)")
            }
            done.signal()
        }
        done.wait()
        if let message = failure.message {
            Standard.error("changegate: error: the service stopped: \(message)")
            throw ExitCode(WorkflowExit.error.rawValue)
        }
    }
}

/// The service's error, handed from its task to the waiting command.
private final class ServeFailure: @unchecked Sendable {
    // Written once by the service's task before the semaphore is signalled, read after the wait.
    private(set) var message: String?
    func set(_ message: String) { self.message = message }
}
