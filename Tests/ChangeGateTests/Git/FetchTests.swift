import ChangeGate
import Foundation
import Testing

/// `Repository.fetch` keeps a server's mirrors current (issue 18, item 5): real bare repositories
/// made with the git CLI, fetched over `file://` and from a local path.
@Suite("Fetch into a mirror")
struct FetchTests {
    /// A work tree with a bare remote (`origin`) it pushes to, and an empty bare mirror.
    struct Setup {
        var work: GitFixture
        let remote: GitFixture
        let mirror: GitFixture

        init(_ label: String) throws {
            work = try GitFixture(label: "\(label)-work")
            remote = try GitFixture(bare: true, label: "\(label)-remote")
            mirror = try GitFixture(bare: true, label: "\(label)-mirror")
            try work.git(["remote", "add", "origin", remote.path])
        }

        func remove() {
            work.remove()
            remote.remove()
            mirror.remove()
        }

        /// Commits a change of `db/a.yaml` and pushes `refspec` to the remote.
        mutating func commitAndPush(_ content: String, _ refspecs: [String] = ["HEAD:refs/heads/main"]) throws
            -> String
        {
            try work.write("db/a.yaml", content)
            let id = try work.commit("set \(content)")
            try work.git(["push", "-q", "-f", "origin"] + refspecs)
            return id
        }

        /// The mirror's refs under `refs/heads` and `refs/tags`, as git lists them.
        func mirrorRefs() throws -> [String: String] {
            let listing = try mirror.git([
                "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags",
            ])
            var refs: [String: String] = [:]
            for line in listing.split(separator: "\n") {
                let parts = line.split(separator: " ")
                refs[String(parts[0])] = String(parts[1])
            }
            return refs
        }
    }

    @Test("over file:// and from a local path: new commits arrive, a force-pushed branch moves, a pruned one goes")
    func mirrorsTheRemote() throws {
        for viaURL in [true, false] {
            var s = try Setup(viaURL ? "fetch-url" : "fetch-path")
            defer { s.remove() }
            let source = viaURL ? s.remote.url.absoluteString : s.remote.path
            #expect(source.hasPrefix("file://") == viaURL)
            let first = try s.commitAndPush("a: 1\n", ["HEAD:refs/heads/main", "HEAD:refs/heads/feature"])
            try s.work.git(["tag", "v1"])
            try s.work.git(["push", "-q", "origin", "v1"])
            let mirror = try Repository(path: s.mirror.path)
            let fetched = try mirror.fetch(source, refspecs: Repository.mirrorRefspecs, prune: true)
            #expect(fetched.receivedObjects > 0)
            #expect(
                try s.mirrorRefs() == [
                    "refs/heads/main": first, "refs/heads/feature": first, "refs/tags/v1": first,
                ])

            // New commits arrive; nothing is received when the mirror is current.
            let second = try s.commitAndPush("a: 2\n")
            try mirror.fetch(source, refspecs: Repository.mirrorRefspecs, prune: true)
            #expect(try s.mirrorRefs()["refs/heads/main"] == second)
            #expect(try mirror.resolveCommit("main").hex == second)
            #expect(try mirror.commit(try #require(ObjectID(hex: second))).parents == [ObjectID(hex: first)])
            #expect(try mirror.fetch(source, refspecs: Repository.mirrorRefspecs, prune: true).receivedObjects == 0)

            // A force-pushed branch moves to a commit that does not descend from the old one.
            try s.work.git(["checkout", "-q", "-b", "rewrite", first])
            let rewritten = try s.commitAndPush("a: 3\n", ["+HEAD:refs/heads/feature"])
            try mirror.fetch(source, refspecs: Repository.mirrorRefspecs, prune: true)
            #expect(try s.mirrorRefs()["refs/heads/feature"] == rewritten)

            // A branch deleted on the remote goes with prune, and stays without it.
            try s.work.git(["push", "-q", "origin", ":refs/heads/feature"])
            try mirror.fetch(source, refspecs: Repository.mirrorRefspecs)
            #expect(try s.mirrorRefs()["refs/heads/feature"] == rewritten)
            try mirror.fetch(source, refspecs: Repository.mirrorRefspecs, prune: true)
            #expect(try s.mirrorRefs() == ["refs/heads/main": second, "refs/tags/v1": first])
        }
    }

    @Test("a repository the pool kept idle sees what another task fetched into the mirror")
    func pooledRepositorySeesFetch() throws {
        var s = try Setup("fetch-pool")
        defer { s.remove() }
        let first = try s.commitAndPush("a: 1\n")
        let pool = RepositoryPool()
        try pool.withRepository(at: s.mirror.path) { try $0.fetch(s.remote.path, refspecs: Repository.mirrorRefspecs) }
        let idle = try pool.withRepository(at: s.mirror.path) { (repository) throws -> ObjectIdentifier in
            #expect(try repository.resolveCommit("main").hex == first)
            return ObjectIdentifier(repository)
        }
        let second = try s.commitAndPush("a: 2\n")
        // Another handle on the same mirror fetches, as another task of a server would.
        try Repository(path: s.mirror.path).fetch(s.remote.path, refspecs: Repository.mirrorRefspecs)
        try pool.withRepository(at: s.mirror.path) { (repository) throws in
            #expect(ObjectIdentifier(repository) == idle)
            let head = try repository.resolveCommit("main")
            #expect(head.hex == second)
            #expect(try repository.commit(head).parents.map(\.hex) == [first])
        }
    }

    @Test("a named remote of the mirror's config is fetched by its name")
    func namedRemote() throws {
        var s = try Setup("fetch-named")
        defer { s.remove() }
        let id = try s.commitAndPush("a: 1\n")
        try s.mirror.git(["remote", "add", "upstream", s.remote.url.absoluteString])
        try s.mirror.git(["config", "remote.upstream.fetch", "+refs/heads/*:refs/heads/*"])
        try Repository(path: s.mirror.path).fetch("upstream", refspecs: [])
        #expect(try s.mirrorRefs() == ["refs/heads/main": id])
    }

    @Test("a remote that is not there is a typed error that names it")
    func badRemote() throws {
        let mirror = try GitFixture(bare: true, label: "fetch-bad")
        defer { mirror.remove() }
        let missing = mirror.url.deletingLastPathComponent().appendingPathComponent("no-such-repository-\(UUID())")
        let repository = try Repository(path: mirror.path)
        for remote in [missing.path, missing.absoluteString, "unknown-scheme://example.invalid/x.git"] {
            #expect {
                try repository.fetch(remote, refspecs: Repository.mirrorRefspecs)
            } throws: { error in
                guard case GitError.fetchFailed(let shown, let code, let message) = error else { return false }
                return shown == remote && code < 0 && !message.isEmpty && "\(error)".contains(remote)
            }
        }
    }

    @Test("credentials in a URL never appear in the error: user and password are redacted")
    func credentialsRedacted() throws {
        let mirror = try GitFixture(bare: true, label: "fetch-secret")
        defer { mirror.remove() }
        // Nothing listens on port 9 of the loopback: the fetch fails at once, after libgit2 has the URL.
        let url = "http://deploy-bot:s3cr3t-t0ken@127.0.0.1:9/shop-config.git"
        #expect(GitError.redactingCredentials(in: url) == "http://***@127.0.0.1:9/shop-config.git")
        #expect(GitError.redactingCredentials(in: "/srv/git/a@b.git") == "/srv/git/a@b.git")
        #expect(
            GitError.redactingCredentials(in: "https://github.com/o/r@v1.git") == "https://github.com/o/r@v1.git")
        do {
            try Repository(path: mirror.path).fetch(url, refspecs: Repository.mirrorRefspecs)
            Issue.record("the fetch must fail")
        } catch {
            let text = "\(error)"
            #expect(!text.contains("s3cr3t"), "\(text)")
            #expect(!text.contains("deploy-bot"), "\(text)")
            #expect(text.contains("http://***@127.0.0.1:9/shop-config.git"), "\(text)")
        }
    }
}
