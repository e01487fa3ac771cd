import ChangeGate
import Foundation

/// The synchronous face of an asynchronous store, for the command line and the hook
/// (`changegate-server`), whose work is one synchronous call after another.
///
/// Each call runs the async store's method in a detached task and waits for it on a semaphore, at
/// most ``timeLimit``: a server that stops answering fails the call with an ``AuditError`` rather
/// than holding a push. Long reads (a query, verify, the approvals, a page of copies' source) wait
/// for the store, which bounds them by the server's silence instead: rows that keep coming are
/// never cut off. The waiting thread is the caller's; the task runs on the store's own threads
/// (`StoreThreads`) and PostgresNIO's event loops, neither of which is ever blocked here, so a caller
/// on the cooperative pool does not starve it either (async code still rather uses the async store
/// itself).
///
/// A class because it owns the store's connections: they end with it (``close()``, or `deinit`).
public final class BlockingAuditStore: AuditStore {
    /// The store the calls go to.
    public let store: any AsyncAuditStore
    /// The longest any one call waits; past it the call fails (the store's own limits come first).
    public let timeLimit: Duration
    private let closing: @Sendable () -> Void

    /// How much longer than the store's own wait limit a call may take before the bridge gives up
    /// on it: the store answers first when it can (its errors say more).
    public static let grace: Duration = .seconds(2)

    /// A blocking face over `store`.
    ///
    /// - Parameters:
    ///   - store: The async store.
    ///   - timeLimit: The longest any one call waits.
    ///   - close: Ends the store's connections; called by ``close()`` and when the bridge goes.
    public init(_ store: any AsyncAuditStore, timeLimit: Duration, close: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.timeLimit = timeLimit
        self.closing = close
    }

    deinit { closing() }

    /// Ends the store's connections; later calls fail.
    public func close() { closing() }

    /// Opens the PostgreSQL trail `url` names (``PostgresLocation/parse(_:environment:)``), blocking
    /// until it is open or `waitLimit` (and ``grace``) has passed.
    ///
    /// - Parameters:
    ///   - url: A `postgres://` or `postgresql://` URL.
    ///   - environment: The process environment, for the `PG*` variables.
    ///   - access: Whether the store may write (a writer applies the schema's migrations).
    ///   - waitLimit: The longest the store waits for the server in any one operation.
    /// - Returns: The store's blocking face.
    /// - Throws: ``AuditError``: the location's or the store's error, or ``AuditError/Kind/open``
    ///   when the server did not answer in time.
    public static func openPostgres(
        _ url: String, environment: [String: String], access: AuditAccess = .readWrite,
        waitLimit: Duration = SQLiteAuditStore.defaultWaitLimit
    ) throws(AuditError) -> BlockingAuditStore {
        let location = try PostgresLocation.parse(url, environment: environment)
        let limit = waitLimit + grace
        let store = try wait(limit, kind: .open, "cannot open the audit trail \(location)") {
            () async throws(AuditError) -> PostgresAuditStore in
            try await PostgresAuditStore.open(location, access: access, waitLimit: waitLimit)
        }
        return BlockingAuditStore(store, timeLimit: limit, close: { store.close() })
    }

    /// Registers ``openPostgres(_:environment:access:waitLimit:)`` in ``AuditStores`` for
    /// `postgres://` and `postgresql://`, so that `--audit` and `CHANGEGATE_AUDIT` open PostgreSQL
    /// in this process. `changegate-server` calls it at start.
    ///
    /// - Parameter environment: The process environment, for the `PG*` variables.
    public static func registerPostgres(environment: [String: String]) {
        AuditStores.register(schemes: ["postgres", "postgresql"]) { location, access, waitLimit throws(AuditError) in
            try openPostgres(location, environment: environment, access: access, waitLimit: waitLimit)
        }
    }

    // MARK: - The calls

    @discardableResult
    public func append(_ records: [AuditRecord]) throws(AuditError) -> [AuditEntry] {
        try append(records, waitLimit: nil, commitIf: { true })
    }

    @discardableResult
    public func append(_ records: [AuditRecord], waitLimit: Duration?, commitIf: () -> Bool) throws(AuditError)
        -> [AuditEntry]
    {
        let store = self.store
        let limit = waitLimit.map { min($0 + Self.grace, timeLimit) } ?? timeLimit
        return try withoutActuallyEscaping(commitIf) { commitIf throws(AuditError) -> [AuditEntry] in
            // The task may outlive this call when the wait runs out: the gate then says no (the
            // append rolls back) and no longer holds the caller's closure.
            let gate = CommitGate(commitIf)
            defer { gate.disarm() }
            return try Self.wait(limit, kind: .locked, "cannot write to the audit trail") {
                () async throws(AuditError) -> [AuditEntry] in
                try await store.append(records, waitLimit: waitLimit, commitIf: { gate.call() })
            }
        }
    }

    @discardableResult
    public func append(copies entries: [AuditEntry]) throws(AuditError) -> AuditHead? {
        let store = self.store
        return try Self.wait(timeLimit, kind: .locked, "cannot copy into the audit trail") {
            () async throws(AuditError) -> AuditHead? in
            try await store.append(copies: entries)
        }
    }

    public func entries(matching query: AuditQuery) throws(AuditError) -> [AuditEntry] {
        let store = self.store
        return try Self.wait(nil, kind: .read, "cannot read the audit trail") {
            () async throws(AuditError) -> [AuditEntry] in
            try await store.entries(matching: query)
        }
    }

    public func entries(heads: [String], repository: String) throws(AuditError) -> [AuditEntry] {
        let store = self.store
        return try Self.wait(timeLimit, kind: .read, "cannot read the audit trail") {
            () async throws(AuditError) -> [AuditEntry] in
            try await store.entries(heads: heads, repository: repository)
        }
    }

    public func queryPlan(for query: AuditQuery) throws(AuditError) -> String? {
        let store = self.store
        return try Self.wait(timeLimit, kind: .read, "cannot explain the query on the audit trail") {
            () async throws(AuditError) -> String? in
            try await store.queryPlan(for: query)
        }
    }

    public func entries(from sequence: Int, limit: Int) throws(AuditError) -> [AuditEntry] {
        let store = self.store
        return try Self.wait(nil, kind: .read, "cannot read the audit trail") {
            () async throws(AuditError) -> [AuditEntry] in
            try await store.entries(from: sequence, limit: limit)
        }
    }

    public func entry(sequence: Int) throws(AuditError) -> AuditEntry? {
        let store = self.store
        return try Self.wait(timeLimit, kind: .read, "cannot read the audit trail") {
            () async throws(AuditError) -> AuditEntry? in
            try await store.entry(sequence: sequence)
        }
    }

    public func head() throws(AuditError) -> AuditHead? {
        let store = self.store
        return try Self.wait(timeLimit, kind: .read, "cannot read the audit trail") {
            () async throws(AuditError) -> AuditHead? in
            try await store.head()
        }
    }

    public func verify() throws(AuditError) -> AuditVerification { try verify(progress: { _ in }) }

    public func verify(progress: @escaping @Sendable (Int) -> Void) throws(AuditError) -> AuditVerification {
        let store = self.store
        return try Self.wait(nil, kind: .read, "cannot verify the audit trail") {
            () async throws(AuditError) -> AuditVerification in
            try await store.verify(progress: progress)
        }
    }

    public func approvals(of commit: String) throws(AuditError) -> [AuditRecord] {
        let store = self.store
        return try Self.wait(nil, kind: .read, "cannot read the audit trail") {
            () async throws(AuditError) -> [AuditRecord] in
            try await store.approvals(of: commit)
        }
    }

    public func waitForRecords(after sequence: Int, upTo limit: Duration) throws(AuditError) -> Bool {
        let store = self.store
        return try Self.wait(limit + timeLimit, kind: .read, "cannot follow the audit trail") {
            () async throws(AuditError) -> Bool in
            try await store.waitForRecords(after: sequence, upTo: limit)
        }
    }

    // MARK: - Waiting

    /// Runs `body` in a detached task and waits for its result at most `limit`.
    /// Runs `body` and waits for it, at most `limit`; nil for a long read, which the store below
    /// bounds itself by the server's silence (a verify of a million records streams for longer
    /// than any fixed limit a caller would accept for a silent server).
    private static func wait<T: Sendable>(
        _ limit: Duration?, kind: AuditError.Kind, _ what: String,
        _ body: @escaping @Sendable () async throws(AuditError) -> T
    ) throws(AuditError) -> T {
        let outcome = Outcome<T>()
        // Not on the cooperative pool: its threads may be the ones blocked waiting here (StoreThreads).
        let task = Task.detached(executorPreference: StoreThreads.shared) {
            do throws(AuditError) {
                outcome.finish(.success(try await body()))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        guard let result = outcome.wait(limit) else {
            task.cancel()
            throw AuditError(
                kind, "\(what): the server did not answer within \(SQLiteAuditStore.seconds(limit ?? .zero)) s")
        }
        return try result.get()
    }

    /// A task's result, handed to the thread that waits for it. A class to share one between the
    /// two; `@unchecked Sendable`: `result` is read and written only while `lock` is held.
    private final class Outcome<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private let done = DispatchSemaphore(value: 0)
        private var result: Result<T, AuditError>?

        func finish(_ result: Result<T, AuditError>) {
            lock.lock()
            self.result = result
            lock.unlock()
            done.signal()
        }

        func wait(_ limit: Duration?) -> Result<T, AuditError>? {
            if let limit {
                let nanoseconds =
                    limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
                guard done.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success else { return nil }
            } else {
                done.wait()
            }
            lock.lock()
            defer { lock.unlock() }
            return result
        }
    }

    /// The caller's `commitIf`, callable from the task until the call returns, and false after.
    /// `@unchecked Sendable`: `body` is read and cleared only while `lock` is held, and the caller's
    /// closure runs under it, so it never runs after ``disarm()``.
    private final class CommitGate: @unchecked Sendable {
        private let lock = NSLock()
        private var body: (() -> Bool)?

        init(_ body: @escaping () -> Bool) { self.body = body }

        func call() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            return body?() ?? false
        }

        func disarm() {
            lock.lock()
            body = nil
            lock.unlock()
        }
    }
}
