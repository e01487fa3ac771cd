import Foundation
import Testing

/// `changegate diff` as a user runs it: the real executable, exit codes, text and JSON.
@Suite("changegate diff")
struct DiffCommandTests {
    private func fixture() throws -> (GitFixture, String, String) {
        var repo = try GitFixture(label: "cli")
        try repo.write("db/prod/patroni.yml", "bootstrap:\n  dcs:\n    ttl: 30\nfailover:\n  mode: automatic\n")
        try repo.write("services/a/database.toml", "[database]\npool_size = 10\n")
        let base = try repo.commit("base")
        try repo.write(
            "db/prod/patroni.yml", "bootstrap:\n  dcs:\n    ttl: \"30\"\nfailover:\n  mode: manual\n  new: 1\n")
        try repo.write("services/a/database.toml", "[database]\n")
        let head = try repo.commit("head")
        return (repo, base, head)
    }

    private func changegate(_ arguments: [String], in directory: URL? = nil) throws -> Shell.Result {
        try Shell.run([Paths.changegate.path] + arguments, in: directory, environment: GitFixture.baseEnvironment)
    }

    @Test("--format json prints the documented object with native JSON values")
    func json() throws {
        let (repo, base, head) = try fixture()
        defer { repo.remove() }
        let result = try changegate(["diff", "--repo", repo.path, "--format", "json", base, head])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["base"] as? String == base)
        #expect(object["head"] as? String == head)
        #expect((object["errors"] as? [Any])?.isEmpty == true)
        let changes = try #require(object["changes"] as? [[String: Any]])
        let byKey = Dictionary(uniqueKeysWithValues: changes.map { ($0["key"] as! String, $0) })
        // `[database]` left empty is itself a setting now: an empty table.
        #expect(
            Set(byKey.keys) == ["bootstrap.dcs.ttl", "failover.mode", "failover.new", "database.pool_size", "database"])
        #expect((byKey["database"]?["new"] as? [String: Any])?.isEmpty == true)
        #expect(byKey["bootstrap.dcs.ttl"]?["old"] as? Int == 30)
        #expect(byKey["bootstrap.dcs.ttl"]?["new"] as? String == "30")
        #expect(byKey["failover.new"]?["kind"] as? String == "added")
        #expect(byKey["failover.new"]?["old"] is NSNull)
        #expect(byKey["failover.new"]?["baseLine"] is NSNull)
        #expect(byKey["failover.new"]?["headLine"] as? Int == 6)
        #expect(byKey["database.pool_size"]?["kind"] as? String == "removed")
        #expect(byKey["database.pool_size"]?["file"] as? String == "services/a/database.toml")
        for change in changes {
            #expect(Set(change.keys).isSuperset(of: ["file", "key", "kind", "old", "new", "baseLine", "headLine"]))
        }
    }

    @Test("text output is aligned and uncoloured when not on a terminal; --files limits the files")
    func text() throws {
        let (repo, base, head) = try fixture()
        defer { repo.remove() }
        let result = try changegate(["diff", base, head], in: repo.url)
        #expect(result.status == 0)
        #expect(!result.stdout.contains("\u{1B}["))
        #expect(result.stdout.contains("~ bootstrap.dcs.ttl"))
        #expect(result.stdout.contains("30 → \"30\"  (integer → string)"))
        #expect(result.stdout.contains("- database.pool_size"))
        let limited = try changegate(["diff", "--files", "db/**/*.yml", "--repo", repo.path, base, head])
        #expect(limited.stdout.contains("failover.mode"))
        #expect(!limited.stdout.contains("database.pool_size"))
    }

    @Test("--files GLOB BASE HEAD, as README gives it: the glob does not swallow the revisions (issue 16)")
    func filesBeforeRevisions() throws {
        let (repo, base, head) = try fixture()
        defer { repo.remove() }
        for arguments in [
            ["--files", "db/**/*.yml", base, head], ["--files=db/**/*.yml", base, head],
            ["--files", "db/**/*.yml", "--files", "nothing/*.json", base, head],
        ] {
            let result = try changegate(["diff"] + arguments, in: repo.url)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains("failover.mode"), "\(arguments)")
            #expect(!result.stdout.contains("database.pool_size"), "\(arguments)")
        }
        let both = try changegate(
            ["diff", "--files", "db/**/*.yml", "--files", "services/**", base, head], in: repo.url)
        #expect(both.stdout.contains("failover.mode") && both.stdout.contains("database.pool_size"))
    }

    @Test("exit 2 on an unknown revision, a non-repository, an unparsable file or bad usage")
    func exitCodes() throws {
        var (repo, base, _) = try fixture()
        defer { repo.remove() }
        let unknown = try changegate(["diff", "--repo", repo.path, base, "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown revision `nope`"))

        let plain = try Paths.temporaryDirectory("not-a-repo")
        defer { try? FileManager.default.removeItem(at: plain) }
        let notRepo = try changegate(["diff", "--repo", plain.path, "a", "b"])
        #expect(notRepo.status == 2)
        #expect(notRepo.stderr.contains("not a git repository"))

        try repo.write("db/prod/patroni.yml", "failover: [unclosed\n")
        let broken = try repo.commit("broken")
        let unparsable = try changegate(["diff", "--repo", repo.path, "--format", "json", base, broken])
        #expect(unparsable.status == 2)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(unparsable.stdout.utf8)) as? [String: Any])
        let errors = try #require(object["errors"] as? [[String: Any]])
        #expect(errors.first?["file"] as? String == "db/prod/patroni.yml")
        #expect(errors.first?["line"] as? Int == 2)

        let usage = try changegate(["diff", "--repo", repo.path])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("Missing expected argument"))
        let badFormat = try changegate(["diff", "--format", "xml", "a", "b"])
        #expect(badFormat.status == 2)
    }
}
