import ChangeGate
import Foundation
import Testing

/// Rename pairing against git on real repositories named by `CHANGEGATE_RENAME_REPOS` (paths
/// separated by spaces; clones of cloudnative-pg, postgres-operator, git itself…): every commit
/// that adds and deletes files, against its first parent. Opt-in: real clones are not part of the
/// checkout.
@Suite(
    "Rename pairing vs git on real histories",
    .enabled(
        if: ProcessInfo.processInfo.environment["CHANGEGATE_RENAME_REPOS"] != nil,
        "CHANGEGATE_RENAME_REPOS is not set: real histories skipped"))
struct RealHistoryRenameTests {
    static var repositories: [String] {
        (ProcessInfo.processInfo.environment["CHANGEGATE_RENAME_REPOS"] ?? "").split(separator: " ").map(String.init)
    }

    /// (parent, commit) for each non-merge commit with both an addition and a deletion.
    static func candidates(_ path: String) throws -> [(String, String)] {
        let log = try Shell.check(
            [
                "git", "-C", path, "log", "-n", "30000", "--no-merges", "--format=@%H %P", "--no-renames",
                "--name-status", "--diff-filter=AD",
            ],
            environment: GitFixture.baseEnvironment)
        var found: [(String, String)] = []
        var current: (String, String)?
        var statuses = Set<Character>()
        func flush() {
            if let current, statuses.isSuperset(of: ["A", "D"]) { found.append(current) }
        }
        for line in log.split(separator: "\n") {
            if line.hasPrefix("@") {
                flush()
                let ids = line.dropFirst().split(separator: " ").map(String.init)
                current = ids.count > 1 ? (ids[1], ids[0]) : nil
                statuses = []
            } else if let status = line.first {
                statuses.insert(status)
            }
        }
        flush()
        return found
    }

    @Test("every commit that adds and deletes files pairs as git diff -M, scores included", arguments: repositories)
    func everyCommit(path: String) throws {
        let repository = try Repository(path: path)
        let commits = try Self.candidates(path)
        for (base, head) in commits {
            let ours = try RenamePairingTests.ours(repository, base, head)
            let git = try Shell.check(
                ["git", "-C", path, "diff", "--name-status", "-M", base, head], environment: GitFixture.baseEnvironment
            ).split(separator: "\n").map(String.init).sorted()
            #expect(ours == git, "\(base.prefix(7))..\(head.prefix(7))")
        }
        #expect(!commits.isEmpty)
    }
}
