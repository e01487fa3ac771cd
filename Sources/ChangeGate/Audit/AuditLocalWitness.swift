import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The head this machine last appended, kept beside the trail in `<trail>.head` (`SEQ:HASH`).
///
/// A chain proves nothing about its own end: a trail deleted and started again, restored from an
/// older copy or cut back is a whole chain. The sidecar remembers the end, so the next append (and
/// `audit verify`) sees that the trail no longer holds it. It lives beside the trail because it must
/// be writable by every appender (the hook's user, CI's) with no configuration, and move with the
/// trail when the folder is copied; the price is that whoever deletes the whole folder deletes it
/// too — a head kept on another machine (`audit verify --expect`) still catches that.
///
/// Written only after a commit, while the appender holds the trail's lock file, so that appenders
/// write it in the order they committed (it never goes back to an older head) and a reader never
/// sees it ahead of the trail; it may lag behind when a writer dies between the two.
public struct AuditLocalWitness: Sendable, Hashable {
    /// `<trail>.head`.
    public let path: String

    /// The witness beside a trail.
    ///
    /// - Parameter trail: The trail's path.
    public init(trail: String) { path = trail + ".head" }

    /// The recorded head; nil when there is none yet.
    ///
    /// - Returns: The head, or nil.
    /// - Throws: ``AuditError`` when the file is there but cannot be read or parsed.
    public func read() throws(AuditError) -> AuditHead? {
        guard let data = FileManager.default.contents(atPath: path) else {
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            throw AuditError(.witness, "cannot read the trail's local witness \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // Empty is what a crash right after the rename can leave (it is not synced): as good as none,
        // and no weaker, since whoever could empty it could delete it.
        if text.isEmpty { return nil }
        guard let head = AuditHead(text) else {
            throw AuditError(
                .witness,
                "the trail's local witness \(path) does not hold SEQ:HASH; if nobody can say what it held, "
                    + "move it aside (keep it as evidence) and check the trail with `changegate audit verify --expect`")
        }
        return head
    }

    /// Replaces the file in one rename, so that a reader sees the old head or the new one.
    func write(_ head: AuditHead) throws(AuditError) {
        let temporary = path + ".tmp-\(getpid())"
        let bytes = Array("\(head)\n".utf8)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AuditError(.write, "cannot write the local witness \(temporary): \(String(cString: strerror(errno)))")
        }
        // Not synced: the trail's COMMIT is durable before this is written, so after a crash the
        // witness is the old head, empty or the new one — never ahead of the trail.
        let written = writeBytes(descriptor, bytes)
        close(descriptor)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw AuditError(.write, "cannot write the local witness \(path): \(reason)")
        }
    }

    /// Why a trail whose head is `trailHead` and whose record `witness.sequence` has `hash` (nil:
    /// it has none) does not hold the recorded head; nil when it does.
    func problem(recorded witness: AuditHead, hash: String?, trailHead: AuditHead?) -> String? {
        if hash == witness.hash { return nil }
        let now: String
        if let hash {
            now = "its record \(witness.sequence) has the hash \(hash)"
        } else if let trailHead {
            now = "this trail ends at record \(trailHead.sequence)"
        } else {
            now = "this trail is empty (it starts again at record 1)"
        }
        return "\(now), but this machine recorded head \(witness) in \(path): the trail was deleted, replaced "
            + "or cut back"
    }

    /// What to do about ``problem(recorded:hash:trailHead:)``.
    var recovery: String {
        "restore the trail from a copy that holds that head, or, if the trail was replaced knowingly, keep \(path) "
            + "as evidence of the lost head and move it aside (`mv \(path) \(path).lost`); appends are refused until then"
    }
}

/// `write(2)` outside the type, whose `write(_:)` would shadow it.
private func writeBytes(_ descriptor: Int32, _ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}
