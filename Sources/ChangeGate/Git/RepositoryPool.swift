import Foundation

/// Open repositories that the tasks of a server share: each ``Repository`` is lent to one task at
/// a time (libgit2's repository is not thread-safe), and given back it waits, open, for the next
/// request on the same path (opening reads the config and the object database's index files).
///
/// Bounded: at most ``maxIdlePerPath`` idle repositories per path and ``maxIdle`` in all; past
/// either, the one idle longest is closed. Repositories lent out are not counted: a pool never
/// makes a task wait, it opens another.
public final class RepositoryPool: @unchecked Sendable {
    /// How many idle repositories one path keeps open.
    public let maxIdlePerPath: Int
    /// How many idle repositories the pool keeps open across paths.
    public let maxIdle: Int

    // Guarded by `lock`: a repository is in `idle` or lent to exactly one caller, never both.
    private let lock = NSLock()
    private var idle: [String: [Repository]] = [:]
    /// The paths in the order their repositories were given back, oldest first, one entry per
    /// idle repository: the one to close when the bound is passed.
    private var returned: [String] = []
    private var opened = 0

    /// - Parameters:
    ///   - maxIdlePerPath: idle repositories kept per path (at least 0).
    ///   - maxIdle: idle repositories kept in all (at least 0).
    public init(maxIdlePerPath: Int = 4, maxIdle: Int = 64) {
        self.maxIdlePerPath = max(0, maxIdlePerPath)
        self.maxIdle = max(0, maxIdle)
    }

    /// Lends the repository at `path` to `body`, and takes it back when `body` returns or throws.
    /// An idle one for the path is reused; otherwise one is opened (``Repository/init(path:)``).
    ///
    /// The repository must not leave `body` (it is lent to the next task afterwards).
    ///
    /// - Parameters:
    ///   - path: a work tree, its `.git`, or a bare repository; paths are compared after
    ///     standardizing (`a/./b` and `a/b` share repositories).
    ///   - body: the work, on the calling thread, with a repository no other task holds.
    /// - Returns: what `body` returns.
    /// - Throws: ``GitError/notARepository(path:reason:)`` naming `path` when it cannot be
    ///   opened; whatever `body` throws.
    @discardableResult
    public func withRepository<T>(at path: String, _ body: (Repository) throws -> T) throws -> T {
        let key = Self.key(path)
        let repository = try checkOut(key, path: path)
        defer { checkIn(repository, key: key) }
        return try body(repository)
    }

    /// The `async` form of ``withRepository(at:_:)``: `body` may suspend while it holds the
    /// repository (it stays lent to this task across the suspension).
    @discardableResult
    public func withRepository<T>(at path: String, _ body: (Repository) async throws -> T) async throws -> T {
        let key = Self.key(path)
        let repository = try checkOut(key, path: path)
        defer { checkIn(repository, key: key) }
        return try await body(repository)
    }

    /// Idle repositories held open now, in all or for `path`.
    public func idleCount(at path: String? = nil) -> Int {
        lock.withLock { path.map { idle[Self.key($0)]?.count ?? 0 } ?? returned.count }
    }

    /// Repositories opened since the pool was made (reuse keeps it low).
    public var openedCount: Int { lock.withLock { opened } }

    /// Closes every idle repository; those lent out are closed when given back only if past the bound.
    public func drain() {
        let closing = lock.withLock { () -> [String: [Repository]] in
            defer {
                idle = [:]
                returned = []
            }
            return idle
        }
        withExtendedLifetime(closing) {}  // freed here, outside the lock
    }

    private static func key(_ path: String) -> String {
        (path as NSString).standardizingPath
    }

    private func checkOut(_ key: String, path: String) throws(GitError) -> Repository {
        let reused = lock.withLock { () -> Repository? in
            guard var list = idle[key], let repository = list.popLast() else { return nil }
            idle[key] = list.isEmpty ? nil : list
            if let index = returned.lastIndex(of: key) { returned.remove(at: index) }
            return repository
        }
        if let reused { return reused }
        // Opened outside the lock: opening reads files, and other paths need not wait for it.
        let repository = try Repository(path: path)
        lock.withLock { opened += 1 }
        return repository
    }

    private func checkIn(_ repository: Repository, key: String) {
        var closing: [Repository] = []
        lock.withLock {
            var list = idle[key] ?? []
            list.append(repository)
            returned.append(key)
            if list.count > maxIdlePerPath {
                closing.append(list.removeFirst())
                if let index = returned.firstIndex(of: key) { returned.remove(at: index) }
            }
            idle[key] = list.isEmpty ? nil : list
            while returned.count > maxIdle {
                let oldest = returned.removeFirst()
                guard var other = idle[oldest], !other.isEmpty else { continue }
                closing.append(other.removeFirst())
                idle[oldest] = other.isEmpty ? nil : other
            }
        }
        // `closing` goes out of scope here, outside the lock: git_repository_free runs in deinit.
        withExtendedLifetime(closing) {}
    }
}
