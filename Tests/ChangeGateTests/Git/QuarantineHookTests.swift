import ChangeGate
import Foundation
import Testing

/// A real `git push` into a bare repository whose pre-receive hook runs `changegate diff`: the
/// pushed objects are still in git's quarantine area, which only an environment-aware open sees.
@Suite("Pre-receive quarantine")
struct QuarantineHookTests {
    @Test("inside a pre-receive hook, the repository opened from the environment reads the pushed commit")
    func pushedCommitIsVisible() throws {
        var work = try GitFixture(label: "push-work")
        defer { work.remove() }
        let server = try GitFixture(bare: true, label: "push-server")
        defer { server.remove() }
        let out = try Paths.temporaryDirectory("hook-out")
        defer { try? FileManager.default.removeItem(at: out) }

        try work.write("db/prod/patroni.yml", "failover:\n  enabled: true\n  mode: automatic\n")
        try work.commit("base")
        try work.git(["push", "-q", server.path, "main"])
        try work.write("db/prod/patroni.yml", "failover:\n  enabled: false\n  mode: automatic\n")
        let pushed = try work.commit("turn failover off")

        // The hook records what it saw and rejects the push, so nothing leaves quarantine.
        let hook = """
            #!/bin/sh
            env | grep -q '^GIT_QUARANTINE_PATH=' && echo yes > "\(out.path)/quarantined"
            while read old new ref; do
              "\(Paths.changegate.path)" diff --format json "$old" "$new" > "\(out.path)/from-env.json" 2> "\(out.path)/from-env.err"
              echo $? > "\(out.path)/from-env.status"
              "\(Paths.changegate.path)" diff --repo "$PWD" --format json "$old" "$new" > /dev/null 2> "\(out.path)/by-path.err"
              echo $? > "\(out.path)/by-path.status"
            done
            echo "rejected by test hook" >&2
            exit 1
            """
        let hookURL = server.url.appendingPathComponent("hooks/pre-receive")
        try hook.write(to: hookURL, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hookURL.path)

        let push = try Shell.run(
            ["git", "push", server.path, "main"], in: work.url, environment: GitFixture.baseEnvironment)
        #expect(push.status != 0)
        #expect(push.stderr.contains("rejected by test hook"))

        func read(_ name: String) -> String {
            (try? String(contentsOf: out.appendingPathComponent(name), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "(missing)"
        }
        #expect(read("quarantined") == "yes")
        #expect(read("from-env.status") == "0", "\(read("from-env.err"))")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(read("from-env.json").utf8)) as? [String: Any])
        #expect(json["head"] as? String == pushed)
        let changes = try #require(json["changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes.first?["key"] as? String == "failover.enabled")
        #expect(changes.first?["old"] as? Bool == true)
        #expect(changes.first?["new"] as? Bool == false)
        // Opened by path, without the quarantine environment, the same commit is not there.
        #expect(read("by-path.status") == "2")
        #expect(read("by-path.err").contains("unknown revision"))
        // The rejected push moved nothing.
        #expect(try server.git(["rev-parse", "main"]).trimmingCharacters(in: .whitespacesAndNewlines) != pushed)
    }
}
