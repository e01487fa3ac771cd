import ChangeGateCommands
import ChangeGatePostgres
import Foundation

/// `changegate-server`: the same commands as `changegate`, with PostgreSQL trails
/// (`postgres://`, `postgresql://`) opened through ``BlockingAuditStore``. The lean `changegate`
/// executes it for a PostgreSQL location; the service (`serve`) will live here too.
@main
enum Entry {
    static func main() {
        BlockingAuditStore.registerPostgres(environment: ProcessInfo.processInfo.environment)
        ChangeGateMain.run()
    }
}
