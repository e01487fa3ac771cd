import ChangeGateCommands
import ChangeGatePostgres
import Foundation

/// `changegate-postgres`: the same commands as `changegate`, with PostgreSQL trails (`postgres://`,
/// `postgresql://`) opened through ``BlockingAuditStore``, and nothing of the service: the lean
/// `changegate` executes it for a PostgreSQL location (``ServerDispatch``). Without Hummingbird and
/// URLSession it loads no libcurl and starts faster than `changegate-server`, which every PostgreSQL
/// command would otherwise pay for.
@main
enum Entry {
    static func main() {
        BlockingAuditStore.registerPostgres(environment: ProcessInfo.processInfo.environment)
        ChangeGateMain.run()
    }
}
