import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An approval recorded by the hook: a reviewer pushed `commit` to `refs/changegate/approvals/…`.
public struct Approval: Sendable, Hashable, Codable {
    public var commit: String
    public var approver: String
    /// Seconds since the Unix epoch.
    public var time: Int
    public var ref: String

    public init(commit: String, approver: String, time: Int, ref: String) {
        self.commit = commit
        self.approver = approver
        self.time = time
        self.ref = ref
    }
}

/// Where the hook keeps what it must remember: approvals (trusted evidence) and its decisions.
///
/// The audit trail will implement this over its hash-chained store; until then ``FileHookJournal``
/// keeps JSON lines beside the repository.
public protocol HookJournal: Sendable {
    func approvals(of commit: ObjectID) throws(HookError) -> [Approval]
    /// Appends approvals and decision records together; throws when they cannot be kept (the hook
    /// then refuses the push).
    func append(approvals: [Approval], decisions: [JSONValue]) throws(HookError)
}

/// JSON lines under `DIR` (by default `$GIT_DIR/changegate/`): `approvals.jsonl`, `decisions.jsonl`.
/// Each append is one `write` under an exclusive `flock`, so concurrent hooks never interleave.
public struct FileHookJournal: HookJournal {
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func approvals(of commit: ObjectID) throws(HookError) -> [Approval] {
        let path = directory + "/approvals.jsonl"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .store("cannot read \(path)")
        }
        var approvals: [Approval] = []
        let decoder = JSONDecoder()
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            guard let approval = try? decoder.decode(Approval.self, from: Data(line)) else {
                throw .store("\(path):\(index + 1): not an approval record")
            }
            if approval.commit == commit.hex { approvals.append(approval) }
        }
        return approvals
    }

    public func append(approvals: [Approval], decisions: [JSONValue]) throws(HookError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .store("cannot create \(directory): \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var approvalLines = ""
        for approval in approvals {
            guard let data = try? encoder.encode(approval) else { throw .store("cannot encode an approval") }
            approvalLines += String(decoding: data, as: UTF8.self) + "\n"
        }
        if !approvalLines.isEmpty { try appendLocked(approvalLines, to: directory + "/approvals.jsonl") }
        let decisionLines = decisions.map { $0.serialized() + "\n" }.joined()
        if !decisionLines.isEmpty { try appendLocked(decisionLines, to: directory + "/decisions.jsonl") }
    }

    private func appendLocked(_ text: String, to path: String) throws(HookError) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .store("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw .store("cannot lock \(path): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { throw .store("cannot write \(path): \(String(cString: strerror(errno)))") }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw .store("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}
