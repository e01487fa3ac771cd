import Foundation

/// A real bare repository made with the `git` CLI, as a forge's mirror on the server holds it:
/// `master` (the branch the forges' example payloads target) with a policy and a Patroni-like
/// file, `failover` (a pull request's head changing a watched failover setting) and `notes` (a
/// head changing an unwatched one).
struct GateRepository {
    let folder: URL
    let bare: URL
    let master: String
    let failoverHead: String
    let notesHead: String

    static let policy = """
        policy "service test gate"

        files "db/**/*.yml"

        group dba = ["dba@example.com"]

        watch "**.failover.**" weight 20 tag failover

        require "DBA review and failover simulation" when any change (tags has "failover") {
          reviewers >= 1 from dba
          tests "failover-simulation" passed
        }

        """

    init(in parent: URL) throws {
        let folder = parent.appendingPathComponent("work")
        self.folder = folder
        bare = parent.appendingPathComponent("gate.git")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        @discardableResult
        func git(_ words: String...) throws -> String {
            try Processes.succeed(
                [
                    "git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "commit.gpgsign=false",
                    "-c", "init.defaultBranch=master",
                ] + words, in: folder)
        }
        func write(_ path: String, _ text: String) throws {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try git("init", "-q")
        try write("policies/gate.policy", Self.policy)
        try write(
            "db/prod/patroni.yml", "cluster:\n  failover:\n    mode: automatic\n    timeout: 30\n  comment: main\n")
        try git("add", "-A")
        try git("commit", "-q", "-m", "the gate and the cluster")
        master = try git("rev-parse", "HEAD")
        try git("checkout", "-q", "-b", "failover")
        try write("db/prod/patroni.yml", "cluster:\n  failover:\n    mode: manual\n    timeout: 30\n  comment: main\n")
        try git("commit", "-q", "-am", "failover: manual")
        failoverHead = try git("rev-parse", "HEAD")
        try git("checkout", "-q", "master")
        try git("checkout", "-q", "-b", "notes")
        try write(
            "db/prod/patroni.yml", "cluster:\n  failover:\n    mode: automatic\n    timeout: 30\n  comment: notes\n")
        try git("commit", "-q", "-am", "a comment")
        notesHead = try git("rev-parse", "HEAD")
        try Processes.succeed(["git", "clone", "-q", "--bare", folder.path, bare.path])
    }
}
