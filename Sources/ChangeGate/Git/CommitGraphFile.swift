import Foundation

/// Which commits a commit-graph file (git's `commit-graph-format`: a header, a chunk table, the
/// ids' fanout and their sorted list) holds: enough to tell whether a walk from a commit would
/// find it there, without asking libgit2, which has no call for it.
///
/// Only the ids are read; a file that is not one (too short, another signature, no fanout or id
/// chunk, a count that does not fit) reads as nil, and the caller treats it as no graph.
public struct CommitGraphFile: Sendable {
    /// The file, mapped; read in place (a copy of a 100,000-commit graph cost 5 ms).
    private let file: Data
    /// Where the ids (20 bytes each, in order) start in `file`.
    private let ids: Int
    /// Where each commit's data starts (36 bytes, in the ids' order: tree, two parent fields,
    /// generation and time).
    private let commitData: Int
    /// How many commits the file holds.
    public let count: Int

    /// Reads the file at `path`; nil when there is none or it is not a commit-graph.
    ///
    /// - Parameter path: The file, `…/info/commit-graph`.
    public init?(path: String) {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            return nil
        }
        self.init(data: data)
    }

    /// Reads a commit-graph from its bytes; nil when they are not one.
    ///
    /// - Parameter data: The file's bytes.
    public init?(data: Data) {
        let bytes = [UInt8](data.prefix(8))
        // "CGPH", version 1, SHA-1 ids.
        guard bytes.count == 8, bytes[0..<4] == [0x43, 0x47, 0x50, 0x48], bytes[4] == 1, bytes[5] == 1 else {
            return nil
        }
        let chunks = Int(bytes[6])
        // Big-endian numbers of `width` bytes at `at`; nil past the end.
        func number(_ at: Int, width: Int) -> UInt64? {
            guard at >= 0, at + width <= data.count else { return nil }
            return data[data.startIndex + at..<data.startIndex + at + width].reduce(0) { $0 << 8 | UInt64($1) }
        }
        var fanout: Int?
        var lookup: Int?
        var commits: Int?
        for chunk in 0..<chunks {
            let entry = 8 + 12 * chunk
            guard let name = number(entry, width: 4), let offset = number(entry + 4, width: 8) else { return nil }
            switch name {
            case 0x4F49_4446: fanout = Int(exactly: offset)  // OIDF
            case 0x4F49_444C: lookup = Int(exactly: offset)  // OIDL
            case 0x4344_4154: commits = Int(exactly: offset)  // CDAT
            default: continue
            }
        }
        // The fanout's last entry is the number of commits; the ids follow at `lookup`.
        guard let fanout, let lookup, let commits, let last = number(fanout + 255 * 4, width: 4) else {
            return nil
        }
        let total = Int(last)
        guard lookup >= 0, lookup + total * 20 <= data.count, commits >= 0, commits + total * 36 <= data.count else {
            return nil
        }
        count = total
        file = data
        ids = lookup
        commitData = commits
    }

    /// What a walk needs of a commit the graph holds: its committer time and whether it is a merge.
    public struct Summary: Sendable, Equatable {
        /// Seconds since the epoch.
        public var time: Int64
        /// Two parents or more.
        public var isMerge: Bool
    }

    /// The time and merge flag the graph holds for `commit`; nil when it does not hold it.
    ///
    /// - Parameter commit: A commit id.
    /// - Returns: What the graph says of it.
    public func summary(of commit: ObjectID) -> Summary? {
        guard let index = position(of: commit) else { return nil }
        return file.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Summary in
            let at = commitData + index * 36
            let second = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: at + 24, as: UInt32.self))
            let high = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: at + 28, as: UInt32.self))
            let low = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: at + 32, as: UInt32.self))
            // The time's top two bits share a word with the generation; a second parent field of
            // 0x70000000 means none.
            return Summary(time: Int64(high & 0x3) << 32 | Int64(low), isMerge: second != 0x7000_0000)
        }
    }

    /// The committer time the graph holds for `commit` (seconds since the epoch); nil when the
    /// graph does not hold the commit.
    ///
    /// - Parameter commit: A commit id.
    /// - Returns: Its time, from the graph.
    public func commitTime(of commit: ObjectID) -> Int64? { summary(of: commit)?.time }

    /// Whether the file holds `commit`.
    ///
    /// - Parameter commit: A commit id.
    /// - Returns: True when it is among the file's ids.
    public func contains(_ commit: ObjectID) -> Bool { position(of: commit) != nil }

    /// Where `commit` is in the sorted ids; nil when it is not there.
    private func position(of commit: ObjectID) -> Int? {
        let wanted = commit.bytes
        return file.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int? in
            var low = 0
            var high = count
            while low < high {
                let middle = (low + high) / 2
                let order = memcmp(raw.baseAddress! + ids + middle * 20, wanted, 20)
                if order == 0 { return middle }
                if order < 0 { low = middle + 1 } else { high = middle }
            }
            return nil
        }
    }
}
