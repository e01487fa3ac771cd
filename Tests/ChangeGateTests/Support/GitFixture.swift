import Foundation

/// A real git repository built with the `git` CLI, with fixed identities and dates so that runs
/// are reproducible and independent of the user's configuration.
struct GitFixture {
    let url: URL
    var path: String { url.path }
    private var tick = 0

    static let baseEnvironment: [String: String] = [
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C", "TZ": "UTC",
    ]

    init(bare: Bool = false, label: String = "repo") throws {
        url = try Paths.temporaryDirectory(label)
        try git(["init", "-q", "-b", "main"] + (bare ? ["--bare"] : []))
        if !bare {
            try git(["config", "user.name", "Test Author"])
            try git(["config", "user.email", "author@example.com"])
            try git(["config", "commit.gpgsign", "false"])
        }
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func git(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws -> String {
        var env = Self.baseEnvironment
        for (key, value) in environment { env[key] = value }
        return try Shell.check(["git"] + arguments, in: url, environment: env, input: input)
    }

    func write(_ relativePath: String, _ content: String) throws {
        try write(relativePath, Data(content.utf8))
    }

    func write(_ relativePath: String, _ data: Data) throws {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    func remove(_ relativePath: String) throws {
        try FileManager.default.removeItem(at: url.appendingPathComponent(relativePath))
    }

    /// Commits everything with a deterministic date (or `date`, ISO 8601); returns the new commit's id.
    @discardableResult
    mutating func commit(
        _ message: String, author: String = "Test Author <author@example.com>",
        committer: (name: String, email: String)? = nil, date fixed: String? = nil
    ) throws -> String {
        tick += 1
        let date =
            fixed
            ?? "2024-06-01T12:00:00+00:00".replacingOccurrences(
                of: "12:00:00", with: String(format: "12:%02d:%02d", tick / 60 % 60, tick % 60))
        try git(["add", "-A"])
        var env = ["GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date]
        if let committer {
            env["GIT_COMMITTER_NAME"] = committer.name
            env["GIT_COMMITTER_EMAIL"] = committer.email
        }
        try git(
            ["commit", "-q", "--allow-empty", "--author", author, "-F", "-"], environment: env,
            input: Data(message.utf8))
        return try revParse("HEAD")
    }

    func revParse(_ revision: String) throws -> String {
        try git(["rev-parse", revision]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
