import Crypto
import Foundation
import GRDB

/// The history index: what a scan worked out for each commit (its settings changes against its
/// first parent), kept in a SQLite file beside the audit trail (`GIT_DIR/changegate/history-index.sqlite`),
/// so that asking the same history again reads the index and only the commits it has not seen.
///
/// It is a cache of what the repository's own objects say, and nothing more: an entry is keyed by
/// the commit id (a commit's content and first parent never change, so a force push that rewrites
/// the tip only adds new ids) and by the *selection* (which files, read how,
/// redacted with which key, by which version of the index); any of them changing starts a fresh set
/// of entries. The gate never reads it: a decision is always made on the objects themselves. An
/// entry whose bytes do not decode is read again from the repository.
///
/// A separate file rather than tables in the audit trail: the trail is append-only and verified
/// record by record, the index is a cache that may be deleted at any time.
public struct HistoryIndex: Sendable {
    /// The version of what an entry holds: bumped whenever a change to the readers, the flattener
    /// or the comparison would make an entry differ from a fresh scan's, so that old entries are
    /// no longer found.
    public static let formatVersion = 1

    private let database: DatabaseQueue
    /// Where the index is.
    public let path: String

    /// `GIT_DIR/changegate/history-index.sqlite`.
    ///
    /// - Parameter gitDirectory: The repository's git directory.
    /// - Returns: The index's default path.
    public static func defaultPath(gitDirectory: String) -> String {
        (gitDirectory as NSString).appendingPathComponent("changegate/history-index.sqlite")
    }

    /// Opens (and creates, with its folder) the index at `path`.
    ///
    /// - Parameter path: The index file.
    /// - Throws: ``HistoryIndexError`` when it cannot be opened or created.
    public init(path: String) throws(HistoryIndexError) {
        self.path = path
        do {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            var configuration = Configuration()
            // Scans at once wait a little for each other's writes; past it, a scan goes on unindexed.
            configuration.busyMode = .timeout(2)
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                // A cache: losing the last writes to a crash costs a rescan, not a record.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS history_commits (
                            selection TEXT NOT NULL,
                            commit_id TEXT NOT NULL,
                            entry BLOB NOT NULL,
                            PRIMARY KEY (selection, commit_id)
                        ) WITHOUT ROWID
                        """)
            }
        } catch {
            throw HistoryIndexError(path: path, reason: "\(error)")
        }
    }

    /// The selection key of a differ: everything that decides what a commit's entry holds.
    ///
    /// - Parameters:
    ///   - differ: The differ a scan reads commits with.
    ///   - redactionKey: The key secret values are redacted with.
    /// - Returns: A SHA-256, hex.
    static func selection(for differ: RepositorySettingsDiff, redactionKey: [UInt8]) -> String {
        var text = "changegate history index \(formatVersion)\n\(ChangeGateVersion.current)\n"
        for selector in differ.selectors {
            text +=
                "files\t\(selector.glob)\t\(selector.format?.rawValue ?? "-")\t\(selector.detect?.rawValue ?? "-")\t"
            text += selector.excluded.joined(separator: "\u{1F}") + "\n"
        }
        for pattern in differ.secretPatterns { text += "secret\t\(pattern.pattern)\n" }
        let limits = differ.reader.limits
        text +=
            "limits\t\(limits.maxFileSize)\t\(limits.maxDepth)\t\(limits.maxAliasExpansion)\t\(limits.maxFlattenedBytes)\n"
        text += "links \(differ.followsSymbolicLinks) moved \(differ.reportsMovedSettings)\n"
        // The redaction key decides the stand-ins of secret values: a new key, new entries.
        text += "key\t" + SHA256.hash(data: redactionKey).map { String(format: "%02x", $0) }.joined() + "\n"
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The entries of `commits` under `selection`, in one query; a commit without one, or whose
    /// entry does not decode, is left out.
    func entries(selection: String, commits: [ObjectID]) throws(HistoryIndexError) -> [ObjectID: IndexedCommit] {
        guard !commits.isEmpty else { return [:] }
        do {
            // One statement per batch size, compiled once: a scan asks once per batch of the walk
            // (a query per commit cost 60 µs each, a third of an indexed incident query).
            let marks = Array(repeating: "?", count: commits.count).joined(separator: ",")
            return try database.inDatabase { db in
                let statement = try db.cachedStatement(
                    sql: "SELECT commit_id, entry FROM history_commits WHERE selection = ? AND commit_id IN (\(marks))")
                var found: [ObjectID: IndexedCommit] = [:]
                let rows = try Row.fetchCursor(
                    statement, arguments: StatementArguments([selection] + commits.map(\.hex)))
                while let row = try rows.next() {
                    let hex: String = row[0]
                    let bytes: Data = row[1]
                    if let id = ObjectID(hex: hex), let entry = IndexedCommit(decoding: Array(bytes)) {
                        found[id] = entry
                    }
                }
                return found
            }
        } catch {
            throw HistoryIndexError(path: path, reason: "\(error)")
        }
    }

    /// Keeps the entries, in one transaction; an entry already there is left as it is (the same
    /// commit under the same selection has the same entry).
    func store(selection: String, _ entries: [(ObjectID, IndexedCommit)]) throws(HistoryIndexError) {
        guard !entries.isEmpty else { return }
        do {
            try database.write { db in
                let statement = try db.cachedStatement(
                    sql: "INSERT OR IGNORE INTO history_commits (selection, commit_id, entry) VALUES (?, ?, ?)")
                for (commit, entry) in entries {
                    try statement.execute(arguments: [selection, commit.hex, Data(entry.encoded)])
                }
            }
        } catch {
            throw HistoryIndexError(path: path, reason: "\(error)")
        }
    }

    /// How many commits the index holds under `selection`.
    func count(selection: String) throws(HistoryIndexError) -> Int {
        do {
            return try database.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM history_commits WHERE selection = ?", arguments: [selection])
                    ?? 0
            }
        } catch {
            throw HistoryIndexError(path: path, reason: "\(error)")
        }
    }
}

/// The history index could not be opened, read or written. A scan goes on without it.
public struct HistoryIndexError: Error, Sendable, CustomStringConvertible {
    /// The index file.
    public var path: String
    /// What went wrong.
    public var reason: String
    public var description: String { "the history index \(path): \(reason)" }
}
