import ChangeGate
import Testing

/// Proves that the git layer frees every libgit2 object it creates: libgit2 allocates through
/// ChangeGate's counting allocator, whose count per thread must come back to where it started.
@Suite("libgit2 objects are freed")
struct LeakTests {
    // Synchronous on purpose: the whole body runs on one thread, which the per-thread count needs.
    @Test("open, resolve, walk, diff, read blobs and fail, 50 times: no libgit2 allocation outlives its owner")
    func noLeaks() throws {
        var repo = try GitFixture(label: "leaks")
        defer { repo.remove() }
        try repo.write("db/a.yaml", (1...40).map { "k\($0): \($0)" }.joined(separator: "\n"))
        try repo.write("db/bin.yaml", "a\u{0}b")
        try repo.commit("one\n\nReviewed-by: A <a@example.com>")
        try repo.git(["mv", "db/a.yaml", "db/b.yaml"])
        try repo.write("db/c.yaml", "c: 1\n")
        try repo.commit("two")

        func exercise() throws {
            let repository = try Repository(path: repo.path)
            let head = try repository.resolveCommit("HEAD")
            let base = try repository.resolveCommit("HEAD~1")
            _ = try repository.commits(from: base, to: head)
            _ = try repository.commits(from: nil, to: head, firstParentOnly: true)
            var differ = RepositorySettingsDiff(repository: repository)
            let report = try differ.diff(from: base, to: head)
            #expect(!report.files.isEmpty)
            for delta in try repository.diff(from: nil, to: head, paths: PathGlobs(["db/**"])) {
                _ = try repository.blob(delta.newBlob!, maxSize: 1 << 20)
            }
            _ = try? repository.resolveCommit("does-not-exist")
            _ = try? Repository(path: "/nonexistent/path")
            _ = try Repository.trailers(of: "s\n\nTested: x\n")
            _ = repository.contains(head)
        }

        try exercise()  // warm up libgit2's once-per-thread state (error buffers, settings)
        let before = Libgit2Runtime.liveAllocationsOnCurrentThread
        for _ in 0..<50 { try exercise() }
        let after = Libgit2Runtime.liveAllocationsOnCurrentThread
        #expect(after == before, "\(after - before) libgit2 allocations not freed after 50 rounds")

        // And the counter does see allocations: holding a repository open keeps some alive.
        let held = try Repository(path: repo.path)
        _ = try held.resolveCommit("HEAD")
        #expect(Libgit2Runtime.liveAllocationsOnCurrentThread > after)
        _ = held
    }
}
