import ArgumentParser
import ChangeGate
import ChangeGateCommands
import ChangeGatePostgres
import Foundation

/// `changegate-server`: the same commands as `changegate`, with PostgreSQL trails
/// (`postgres://`, `postgresql://`) opened through ``BlockingAuditStore``, and the service
/// (`serve`). The lean `changegate` executes it for a PostgreSQL location and for `serve`.
@main
enum Entry {
    static func main() {
        BlockingAuditStore.registerPostgres(environment: ProcessInfo.processInfo.environment)
        ChangeGateMain.run(root: ServerRootCommand.self)
    }
}

/// The root command of `changegate-server`: `changegate`'s commands and `serve`. Named
/// `changegate`, since the lean binary hands its command lines here unchanged.
struct ServerRootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changegate",
        abstract: "Gate changes to failover-critical configuration kept in git.",
        discussion: """
            Exit codes: 0 success (allowed), 1 denied, 2 usage or configuration error.
            """,
        version: ChangeGateVersion.current,
        subcommands: ChangeGateMain.subcommands + [ServeCommand.self]
    )
}
