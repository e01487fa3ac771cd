import Foundation

/// A configuration repository for the trust tests: a policy on the base side that watches `**.ttl`
/// in every format and asks a DBA to review any change of it, and the real `changegate`.
struct TrustRepository {
    static let policy = """
        policy "trust"
        files "db/**/*.yaml", "db/**/*.json", "db/**/*.toml", "db/**/*.conf"
        group dba = ["alice@example.com"]
        watch "**.ttl" weight 20 tag failover
        require "failover changes reviewed" when any change (tags has "failover") {
          reviewers >= 1 from dba
        }
        """

    var repo: GitFixture
    /// The base commit: the policy and `files` as given.
    var base: String

    init(label: String, files: [String: [UInt8]]) throws {
        repo = try GitFixture(label: label)
        try repo.write("policies/trust.policy", Self.policy)
        for (path, bytes) in files { try repo.write(path, Data(bytes)) }
        base = try repo.commit("base", author: "Alice <alice@example.com>")
    }

    init(label: String, files: [String: String]) throws {
        try self.init(label: label, files: files.mapValues { Array($0.utf8) })
    }

    /// Commits `files` as the pusher's change; returns the head.
    @discardableResult
    mutating func change(_ files: [String: [UInt8]], message: String = "tune the ttl") throws -> String {
        for (path, bytes) in files { try repo.write(path, Data(bytes)) }
        return try repo.commit(message, author: "Frank <frank@example.com>")
    }

    @discardableResult
    mutating func change(_ files: [String: String], message: String = "tune the ttl") throws -> String {
        try change(files.mapValues { Array($0.utf8) }, message: message)
    }

    func changegate(_ arguments: [String], environment: [String: String] = [:]) throws -> Shell.Result {
        var env = GitFixture.baseEnvironment
        for (key, value) in environment { env[key] = value }
        return try Shell.run([Paths.changegate.path] + arguments, environment: env)
    }

    /// `changegate check` of base..HEAD, not recorded.
    func check(_ extra: [String] = []) throws -> Shell.Result {
        try changegate(
            ["check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--now", "2024-06-04T13:55:00Z"]
                + (extra.contains("--audit") ? [] : ["--no-audit"]) + extra)
    }

    /// `changegate diff` of base..HEAD.
    func diff(_ extra: [String] = []) throws -> Shell.Result {
        try changegate(["diff", "--repo", repo.path] + extra + [base, "HEAD"])
    }

    func remove() { repo.remove() }
}

/// The JSON object a command printed.
func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw Shell.Failure(command: "parse JSON", result: Shell.Result(status: 0, stdout: text, stderr: ""))
    }
    return object
}
