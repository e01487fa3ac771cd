import ChangeGate
import Foundation
import Testing

@Suite("Git layer")
struct RepositoryTests {
    /// main: c1 ← c2 ← c3 (tagged v1, annotated) ← merge(c4 from feature) ← c5
    private func history() throws -> (GitFixture, [String: String]) {
        var repo = try GitFixture()
        var ids: [String: String] = [:]
        try repo.write("db/a.yaml", "a: 1\n")
        ids["c1"] = try repo.commit("first")
        try repo.write("db/a.yaml", "a: 2\n")
        ids["c2"] = try repo.commit("second")
        try repo.write("db/b.yaml", "b: 1\n")
        ids["c3"] = try repo.commit("third")
        try repo.git(["tag", "-a", "v1", "-m", "release"])
        try repo.git(["checkout", "-q", "-b", "feature"])
        try repo.write("db/feature.yaml", "f: 1\n")
        ids["c4"] = try repo.commit("feature work")
        try repo.git(["checkout", "-q", "main"])
        try repo.write("db/main.yaml", "m: 1\n")
        ids["c5"] = try repo.commit("main work")
        try repo.git(
            ["merge", "-q", "--no-ff", "feature", "-m", "merge feature"],
            environment: ["GIT_AUTHOR_DATE": "2024-06-02T00:00:00Z", "GIT_COMMITTER_DATE": "2024-06-02T00:00:00Z"])
        ids["merge"] = try repo.revParse("HEAD")
        return (repo, ids)
    }

    @Test("opens work trees, bare repositories, and refuses other paths with libgit2's reason")
    func open() throws {
        let (repo, _) = try history()
        defer { repo.remove() }
        #expect(try Repository(path: repo.path).isBare == false)
        let bare = try Paths.temporaryDirectory("bare")
        defer { try? FileManager.default.removeItem(at: bare) }
        try Shell.check(["git", "clone", "-q", "--bare", repo.path, bare.path])
        #expect(try Repository(path: bare.path).isBare)
        let notRepo = try Paths.temporaryDirectory("plain")
        defer { try? FileManager.default.removeItem(at: notRepo) }
        #expect {
            try Repository(path: notRepo.path)
        } throws: { error in
            guard case GitError.notARepository(let path, let reason) = error else { return false }
            return path == notRepo.path && !reason.isEmpty
        }
    }

    @Test("resolves every revision form git accepts, as git rev-parse does")
    func revisions() throws {
        let (repo, ids) = try history()
        defer { repo.remove() }
        let repository = try Repository(path: repo.path)
        for revision in [
            "main", "HEAD", "HEAD~2", "HEAD^2", "HEAD^1~1", "v1", "feature", ids["c2"]!, String(ids["c2"]!.prefix(8)),
            "main@{0}", ":/third", "refs/tags/v1",
        ] {
            // `:/text` searches messages, so peeling must not be appended to it.
            let expected = try repo.revParse(revision.hasPrefix(":/") ? revision : "\(revision)^{commit}")
            #expect(try repository.resolveCommit(revision).hex == expected, "\(revision)")
        }
        #expect {
            try repository.resolveCommit("no-such-branch")
        } throws: { error in
            guard case GitError.unknownRevision(let revision, _) = error else { return false }
            return revision == "no-such-branch" && "\(error)".contains("no-such-branch")
        }
        let treeID = try repo.revParse("HEAD^{tree}")
        #expect {
            try repository.resolveCommit(treeID)
        } throws: { error in
            if case GitError.notACommit(_, let type) = error { return type == "tree" }
            return false
        }
    }

    @Test("walks base..head like git rev-list, first-parent too, with authors and messages")
    func walk() throws {
        let (repo, ids) = try history()
        defer { repo.remove() }
        let repository = try Repository(path: repo.path)
        for (range, flags) in [
            ("\(ids["c2"]!)..main", [String]()), ("\(ids["c2"]!)..main", ["--first-parent"]), ("v1..feature", []),
        ] {
            let expected = try repo.git(["rev-list", "--topo-order"] + flags + [range]).split(separator: "\n").map(
                String.init)
            let walked = try repository.commits(inRange: range, firstParentOnly: !flags.isEmpty).map(\.id.hex)
            #expect(Set(walked) == Set(expected), "\(range) \(flags)")
            #expect(walked.count == expected.count)
        }
        let merge = try repository.commit(try repository.resolveCommit("main"))
        #expect(merge.isMerge)
        #expect(merge.subject == "merge feature")
        #expect(merge.author.email == "author@example.com")
        #expect(merge.committer.time == 1_717_286_400)
        #expect(throws: GitError.self) { try repository.commits(inRange: "main") }
        #expect(throws: GitError.self) { try repository.commits(inRange: "main...feature") }
        // Open ends mean HEAD, as in git.
        for range in ["..feature", "v1..", "\(ids["c2"]!)..HEAD"] {
            let expected = try repo.git(["rev-list", range]).split(separator: "\n").map(String.init)
            #expect(Set(try repository.commits(inRange: range).map(\.id.hex)) == Set(expected), "\(range)")
        }
        let head = try repository.resolveCommit("HEAD")
        #expect(try repository.commits(from: nil, to: head, limit: 0).isEmpty)
        #expect(try repository.commits(from: nil, to: head, limit: 2).count == 2)
    }

    @Test("trailers are read as git interpret-trailers --parse reads them")
    func trailers() throws {
        let messages = [
            "subject\n\nbody\n\nReviewed-by: Bob <bob@example.com>\nTested: failover-simulation\n",
            "subject\n\nReviewed-by: Alice <alice@example.com>\n",
            "only a subject line\n",
            "subject\n\nReviewed-by: not a trailer block\nbecause this line is prose\n",
            "subject\n\nbody\n\nSigned-off-by: A <a@example.com>\nsome prose line\nApproved-by: C <c@example.com>\n",
            "subject\n\nbody\n\nReviewed-by: Bob\n  continued value\nTested: x\n",
            "subject\n\nbody paragraph\n\nKey: value\n\n",
            "Key: value in subject\n",
        ]
        for message in messages {
            let output = try Shell.check(["git", "interpret-trailers", "--parse"], input: Data(message.utf8))
            let expected = output.split(separator: "\n").map { line -> Trailer in
                let parts = line.split(separator: ":", maxSplits: 1)
                return Trailer(
                    key: String(parts[0]), value: parts.count > 1 ? String(parts[1].drop(while: { $0 == " " })) : "")
            }
            #expect(try Repository.trailers(of: message) == expected, "\(message)")
        }
    }

    @Test("diffs trees limited to globs, detecting renames and reporting binary and large blobs")
    func diff() throws {
        var repo = try GitFixture()
        defer { repo.remove() }
        let body = (1...40).map { "key\($0): value \($0)" }.joined(separator: "\n") + "\n"
        try repo.write("db/prod/a.yaml", body)
        try repo.write("db/staging/b.yml", "b: 1\n")
        try repo.write("docs/readme.md", "hello\n")
        try repo.write("db/blob.yaml", Data([0x61, 0x00, 0x62]))
        let base = try repo.commit("base")
        try repo.git(["mv", "db/prod/a.yaml", "db/prod/renamed.yaml"])
        try repo.write("db/staging/b.yml", "b: 2\n")
        try repo.write("docs/readme.md", "changed\n")
        try repo.write("db/blob.yaml", Data([0x61, 0x00, 0x63]))
        let head = try repo.commit("head")
        let repository = try Repository(path: repo.path)
        let baseID = try repository.resolveCommit(base)
        let headID = try repository.resolveCommit(head)

        let all = try repository.diff(from: baseID, to: headID)
        #expect(all.count == 4)
        let rename = try #require(all.first { $0.status == .renamed })
        #expect(
            rename.oldPath == "db/prod/a.yaml" && rename.newPath == "db/prod/renamed.yaml" && rename.similarity == 100)

        let limited = try repository.diff(from: baseID, to: headID, paths: PathGlobs(["db/**/*.yml"]))
        #expect(limited.map(\.path) == ["db/staging/b.yml"])
        let prodOnly = try repository.diff(from: baseID, to: headID, paths: PathGlobs(["db/prod/*.yaml"]))
        #expect(prodOnly.map(\.status) == [.renamed])

        let blobDelta = try #require(all.first { $0.path == "db/blob.yaml" })
        #expect(try repository.blob(blobDelta.newBlob!, maxSize: 1000) == .binary(size: 3))
        let big = try #require(rename.newBlob)
        #expect(try repository.blob(big, maxSize: 10) == .tooLarge(size: body.utf8.count))
        #expect(try repository.blob(big, maxSize: 1 << 20) == .text(Array(body.utf8)))

        var differ = RepositorySettingsDiff(repository: repository)
        let report = try differ.diff(from: baseID, to: headID)
        #expect(report.errors.map(\.file).contains("db/blob.yaml"))
        #expect(report.changes.contains { $0.file == "db/staging/b.yml" && $0.key == "b" && $0.kind == .modified })
        #expect(!report.changes.contains { $0.file == "db/prod/renamed.yaml" })  // a pure rename changes no setting
    }

    @Test("a merge commit is diffed against its first parent; a root commit against the empty tree")
    func mergeAndRoot() throws {
        let (repo, ids) = try history()
        defer { repo.remove() }
        let repository = try Repository(path: repo.path)
        let merge = try repository.diff(ofCommit: try repository.resolveCommit(ids["merge"]!))
        #expect(merge.map(\.path) == ["db/feature.yaml"])
        let root = try repository.diff(ofCommit: try repository.resolveCommit(ids["c1"]!))
        #expect(root.map(\.status) == [.added])
        let empty = try repository.diff(from: nil, to: try repository.resolveCommit("main"))
        let files = try repo.git(["ls-tree", "-r", "--name-only", "main"]).split(separator: "\n")
        #expect(empty.count == files.count)
    }

    @Test("a file renamed out of the selection loses all its settings; one renamed in gains them all")
    func renamesAcrossTheSelection() throws {
        var repo = try GitFixture()
        defer { repo.remove() }
        let body = (1...30).map { "key\($0): \($0)" }.joined(separator: "\n") + "\n"
        try repo.write("db/patroni.yaml", body)
        try repo.write("db/notes.txt", body.replacingOccurrences(of: "key", with: "other"))
        let base = try repo.commit("base")
        try repo.git(["mv", "db/patroni.yaml", "db/patroni.yaml.disabled"])
        try repo.git(["mv", "db/notes.txt", "db/notes.yaml"])
        let head = try repo.commit("disable and enable")
        let repository = try Repository(path: repo.path)
        var differ = RepositorySettingsDiff(repository: repository)
        let report = try differ.diff(from: try repository.resolveCommit(base), to: try repository.resolveCommit(head))
        #expect(report.errors.isEmpty)
        let removed = report.changes.filter { $0.file == "db/patroni.yaml" }
        #expect(removed.count == 30 && removed.allSatisfy { $0.kind == .removed && $0.previousFile == nil })
        let added = report.changes.filter { $0.file == "db/notes.yaml" }
        #expect(added.count == 30 && added.allSatisfy { $0.kind == .added && $0.previousFile == nil })
    }

    @Test("each side is read in its own format, and the parse cache keeps formats apart")
    func formatsPerSide() throws {
        var repo = try GitFixture()
        defer { repo.remove() }
        let padding = (1...30).map { "\"k\($0)\": \($0)," }.joined(separator: "\n")
        try repo.write("svc/a.json", "{\n\(padding)\n\"scale\": 1e5\n}\n")
        let base = try repo.commit("json")
        try repo.git(["mv", "svc/a.json", "svc/a.yaml"])
        try repo.write("svc/app.conf", "[db]\nfailover = off\n")
        try repo.write("svc/app.yaml", "[db]\nfailover = off\n")
        let head = try repo.commit("yaml")
        let repository = try Repository(path: repo.path)
        var differ = RepositorySettingsDiff(repository: repository)
        let report = try differ.diff(from: try repository.resolveCommit(base), to: try repository.resolveCommit(head))
        // JSON's 1e5 is a float; PyYAML reads the same text as the string "1e5".
        let scale = report.changes.first { $0.key == "scale" }
        #expect(scale?.old == .float(100_000) && scale?.new == .string("1e5"))
        #expect(scale?.previousFile == "svc/a.json")
        #expect(
            report.changes.contains { $0.file == "svc/app.conf" && $0.key == "db.failover" && $0.new == .bool(false) })
        // The same bytes as YAML are a flow list holding a plain scalar, not an INI section.
        #expect(!report.changes.contains { $0.file == "svc/app.yaml" && $0.key == "db.failover" })
    }

    @Test("a renamed config file keeps its identity: its settings compare old path against new")
    func renamedFileSettings() throws {
        var repo = try GitFixture()
        defer { repo.remove() }
        let body = (1...30).map { "key\($0): \($0)" }.joined(separator: "\n")
        try repo.write("old/db.yaml", body + "\nttl: 30\n")
        let base = try repo.commit("base")
        try repo.remove("old/db.yaml")
        try repo.write("new/db.yaml", body + "\nttl: 15\n")
        let head = try repo.commit("move and edit")
        let repository = try Repository(path: repo.path)
        var differ = RepositorySettingsDiff(repository: repository)
        let report = try differ.diff(from: try repository.resolveCommit(base), to: try repository.resolveCommit(head))
        #expect(report.changes.count == 1)
        #expect(report.changes.first?.file == "new/db.yaml")
        #expect(report.changes.first?.previousFile == "old/db.yaml")
        #expect(report.changes.first?.key == "ttl")
    }
}
