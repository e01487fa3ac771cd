import ChangeGate
import Foundation
import Testing

/// The pool a server's tasks share (issue 18, item 5): a repository is lent to one task at a time,
/// given back it is reused for its path, and the idle ones are bounded.
@Suite("Repository pool")
struct RepositoryPoolTests {
    /// Lets `parties` tasks through once all of them have arrived, without blocking a thread.
    actor Barrier {
        private let parties: Int
        private var arrived = 0
        private var waiting: [CheckedContinuation<Void, Never>] = []

        init(_ parties: Int) { self.parties = parties }

        func arrive() async {
            arrived += 1
            if arrived == parties {
                waiting.forEach { $0.resume() }
                waiting = []
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }
    }

    private func repository(_ label: String, _ content: String) throws -> GitFixture {
        var repo = try GitFixture(label: label)
        try repo.write("db/a.yaml", content)
        try repo.commit("first")
        return repo
    }

    @Test("tasks holding repositories at once get distinct ones, on the same path and on others")
    func distinctAtOnce() async throws {
        let one = try repository("pool-one", "a: 1\n")
        let two = try repository("pool-two", "a: 2\n")
        defer {
            one.remove()
            two.remove()
        }
        let pool = RepositoryPool()
        let paths = [one.path, one.path, one.path, two.path, two.path]
        let barrier = Barrier(paths.count)
        let held = try await withThrowingTaskGroup(of: (String, ObjectIdentifier, String).self) { group in
            for path in paths {
                group.addTask {
                    try await pool.withRepository(at: path) { repository in
                        // Every task holds its repository here at the same time.
                        await barrier.arrive()
                        let head = try repository.resolveCommit("HEAD").hex
                        return (path, ObjectIdentifier(repository), head)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(held.map(\.1)).count == paths.count)
        #expect(pool.openedCount == paths.count)
        // Each read its own path's repository.
        for (path, _, head) in held {
            #expect(head == (path == one.path ? try one.revParse("HEAD") : try two.revParse("HEAD")))
        }
        #expect(pool.idleCount(at: one.path) == 3)
        #expect(pool.idleCount(at: two.path) == 2)
    }

    @Test("a repository given back is reused for its path, also when the path is written another way")
    func reused() throws {
        let repo = try repository("pool-reuse", "a: 1\n")
        defer { repo.remove() }
        let pool = RepositoryPool()
        let first = try pool.withRepository(at: repo.path) { ObjectIdentifier($0) }
        let second = try pool.withRepository(at: repo.path + "/./") { ObjectIdentifier($0) }
        #expect(first == second)
        #expect(pool.openedCount == 1)
        // A body that throws still gives the repository back.
        struct Stop: Error {}
        #expect(throws: Stop.self) { try pool.withRepository(at: repo.path) { _ in throw Stop() } }
        #expect(try pool.withRepository(at: repo.path) { ObjectIdentifier($0) } == first)
        #expect(pool.openedCount == 1)
    }

    @Test("idle repositories are bounded per path and in all; the one idle longest is closed")
    func bounded() async throws {
        let one = try repository("pool-bound-one", "a: 1\n")
        let two = try repository("pool-bound-two", "a: 2\n")
        defer {
            one.remove()
            two.remove()
        }
        let pool = RepositoryPool(maxIdlePerPath: 2, maxIdle: 3)
        let barrier = Barrier(4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { try await pool.withRepository(at: one.path) { _ in await barrier.arrive() } }
            }
            try await group.waitForAll()
        }
        #expect(pool.openedCount == 4)
        #expect(pool.idleCount(at: one.path) == 2)
        #expect(pool.idleCount() == 2)
        try pool.withRepository(at: two.path) { _ in }
        #expect(pool.idleCount() == 3)
        let barrierTwo = Barrier(2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask { try await pool.withRepository(at: two.path) { _ in await barrierTwo.arrive() } }
            }
            try await group.waitForAll()
        }
        // Two idle for `two` (its bound), one left for `one`: three in all.
        #expect(pool.idleCount(at: two.path) == 2)
        #expect(pool.idleCount(at: one.path) == 1)
        #expect(pool.idleCount() == 3)
        pool.drain()
        #expect(pool.idleCount() == 0)
    }

    @Test("gates on repositories from the pool, sharing parsed files, decide as gates on their own repositories")
    func gatesThroughThePool() async throws {
        var fixtures: [(GitFixture, String)] = []
        for index in 0..<2 {
            var repo = try GitFixture(label: "pool-gate-\(index)")
            try repo.write(
                "policies/p.policy",
                "policy \"p\"\nfiles \"db/**/*.yaml\"\nwatch \"**.failover.enabled\" weight 40 tag failover\n"
                    + "deny \"failover stays on\" when any change (key matches \"**.failover.enabled\" and new == false)\n"
            )
            try repo.write("db/a.yaml", "failover:\n  enabled: true\n")
            let base = try repo.commit("base")
            try repo.write("db/a.yaml", "failover:\n  enabled: \(index == 0 ? "false" : "true")\n  ttl: 30\n")
            try repo.commit("head")
            fixtures.append((repo, base))
        }
        defer { fixtures.forEach { $0.0.remove() } }
        let expected = try fixtures.map { repo, base in
            Gate(repository: try Repository(path: repo.path)).decide(GateRequest(base: base, head: "HEAD", now: 0))
        }
        #expect(expected.map(\.verdict) == [.deny, .allow])
        let pool = RepositoryPool()
        let cache = BlobSettingsCache()
        let decided = try await withThrowingTaskGroup(of: (Int, GateDecision).self) { group in
            for round in 0..<8 {
                let (repo, base) = fixtures[round % 2]
                group.addTask {
                    let decision = try pool.withRepository(at: repo.path) { repository in
                        Gate(repository: repository, sharedCache: cache).decide(
                            GateRequest(base: base, head: "HEAD", now: 0))
                    }
                    return (round % 2, decision)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for (index, decision) in decided {
            #expect(decision.verdict == expected[index].verdict)
            #expect(decision.changes == expected[index].changes)
            #expect(decision.problems == expected[index].problems)
        }
        #expect(cache.hits > 0)
        #expect(pool.openedCount <= 8)
    }

    @Test("a path that is no repository is a typed error naming the path; nothing is kept for it")
    func notARepository() throws {
        let plain = try Paths.temporaryDirectory("pool-plain")
        defer { try? FileManager.default.removeItem(at: plain) }
        let pool = RepositoryPool()
        #expect {
            try pool.withRepository(at: plain.path) { _ in Issue.record("the body must not run") }
        } throws: { error in
            guard case GitError.notARepository(let path, let reason) = error else { return false }
            return path == plain.path && !reason.isEmpty && "\(error)".contains(plain.path)
        }
        #expect(pool.idleCount() == 0)
        #expect(pool.openedCount == 0)
    }
}
