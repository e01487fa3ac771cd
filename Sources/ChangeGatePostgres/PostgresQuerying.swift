import Logging
import PostgresNIO

/// What a read needs of the database: a query and its rows, from the pool or from the one
/// connection a reader opened with (``PostgresAuditStore``: a command that asks once and exits
/// pays for one connection, not two).
protocol PostgresQuerying: Sendable {
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence
}

extension PostgresClient: PostgresQuerying {
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await self.query(query, logger: logger)
    }
}

extension PostgresConnection: PostgresQuerying {
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await self.query(query, logger: logger)
    }
}
