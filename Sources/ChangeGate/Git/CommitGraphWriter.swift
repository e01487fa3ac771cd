import Crypto
import Foundation

/// One commit as a commit-graph holds it: its tree, parents and committer time.
public struct CommitGraphEntry: Sendable, Equatable {
    public var id: ObjectID
    public var tree: ObjectID
    public var parents: [ObjectID]
    public var time: Int64

    public init(id: ObjectID, tree: ObjectID, parents: [ObjectID], time: Int64) {
        self.id = id
        self.tree = tree
        self.parents = parents
        self.time = time
    }
}

/// Writes git's commit-graph format (version 1, SHA-1: the header, the chunk table, the ids'
/// fanout, their sorted list, each commit's data, the extra edges of octopus merges, and a SHA-1
/// of it all as the trailer), which both git and libgit2 read.
///
/// ChangeGate writes its own because libgit2 1.5's writer numbers generations wrongly (`git
/// commit-graph verify`: "generation for commit … is 1 < 251"), and libgit2 orders merge-base
/// searches by them. Every generation here is zero, which the format defines as "not computed":
/// readers then order by commit time, exactly as they do without a graph.
public enum CommitGraphWriter {
    /// Why a graph could not be written.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The file's bytes for `commits`.
    ///
    /// - Parameter commits: Every commit of the graph; each parent must be among them.
    /// - Returns: The commit-graph file.
    /// - Throws: ``Failure`` for a parent that is not among them, a commit time the format cannot
    ///   hold (before 1970 or past 2^34 s), or more commits than it can number.
    public static func encode(_ commits: [CommitGraphEntry]) throws(Failure) -> Data {
        let sorted = commits.sorted { $0.id < $1.id }
        guard sorted.count < 0x7000_0000 else { throw Failure(reason: "too many commits for a commit-graph") }
        var position: [ObjectID: UInt32] = [:]
        position.reserveCapacity(sorted.count)
        for (index, commit) in sorted.enumerated() { position[commit.id] = UInt32(index) }

        var fanout = [UInt32](repeating: 0, count: 256)
        var lookup = Data(capacity: sorted.count * 20)
        var data = Data(capacity: sorted.count * 36)
        var edges = Data()
        for commit in sorted {
            fanout[Int(commit.id.bytes[0])] += 1
            lookup.append(contentsOf: commit.id.bytes)
            data.append(contentsOf: commit.tree.bytes)
            var parents: [UInt32] = []
            for parent in commit.parents {
                guard let index = position[parent] else {
                    throw Failure(reason: "commit \(commit.id.short): parent \(parent.short) is not in the graph")
                }
                parents.append(index)
            }
            let none: UInt32 = 0x7000_0000
            append(&data, parents.first ?? none)
            if parents.count <= 2 {
                append(&data, parents.count == 2 ? parents[1] : none)
            } else {
                // Past two parents, the second field points into the extra edges; the last is flagged.
                append(&data, 0x8000_0000 | UInt32(edges.count / 4))
                for (offset, parent) in parents.dropFirst().enumerated() {
                    append(&edges, offset == parents.count - 2 ? parent | 0x8000_0000 : parent)
                }
            }
            guard commit.time >= 0, commit.time < 1 << 34 else {
                throw Failure(reason: "commit \(commit.id.short): its time \(commit.time) does not fit a commit-graph")
            }
            // Generation zero (30 bits) and the time's top 2 bits, then its low 32.
            append(&data, UInt32(commit.time >> 32))
            append(&data, UInt32(truncatingIfNeeded: commit.time))
        }
        var running: UInt32 = 0
        var fanoutBytes = Data(capacity: 1024)
        for count in fanout {
            running += count
            append(&fanoutBytes, running)
        }

        var chunks: [(name: UInt32, bytes: Data)] = [
            (0x4F49_4446, fanoutBytes),  // OIDF
            (0x4F49_444C, lookup),  // OIDL
            (0x4344_4154, data),  // CDAT
        ]
        if !edges.isEmpty { chunks.append((0x4544_4745, edges)) }  // EDGE
        var file = Data([0x43, 0x47, 0x50, 0x48, 1, 1, UInt8(chunks.count), 0])
        var offset = UInt64(8 + 12 * (chunks.count + 1))
        for chunk in chunks {
            append(&file, chunk.name)
            append(&file, offset)
            offset += UInt64(chunk.bytes.count)
        }
        append(&file, UInt32(0))
        append(&file, offset)
        for chunk in chunks { file.append(chunk.bytes) }
        file.append(contentsOf: Insecure.SHA1.hash(data: file))
        return file
    }

    /// Writes `commits` as the commit-graph at `path`: to a temporary file beside it, renamed into
    /// place, so that a reader sees the old graph or the new one, never half of one.
    ///
    /// - Parameters:
    ///   - commits: Every commit of the graph.
    ///   - path: The file, `…/info/commit-graph`; its folder is made when missing.
    /// - Throws: ``Failure`` when the graph cannot be encoded or written.
    public static func write(_ commits: [CommitGraphEntry], to path: String) throws(Failure) {
        let bytes = try encode(commits)
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = folder + "/.commit-graph-\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try bytes.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                throw Failure(reason: "renaming it into place: \(String(cString: strerror(errno)))")
            }
        } catch let failure as Failure {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Failure(reason: "\(path): \(failure.reason)")
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Failure(reason: "\(path): \(error)")
        }
    }

    private static func append(_ data: inout Data, _ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) }
    }

    private static func append(_ data: inout Data, _ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) }
    }
}
