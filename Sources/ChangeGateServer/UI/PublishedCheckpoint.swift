import ChangeGate
import Foundation

/// What the integrity page says of the configured checkpoint file: whose signatures it carries
/// (the trail's and each witness's, every one required), and whether the trail still holds the
/// history it names. A signature that is missing or does not verify, and a trail cut back or
/// rewritten below it, are problems the page shows in red.
struct PublishedCheckpoint: Sendable {
    /// The checkpoint, or why there is none to show.
    var summary: String
    /// One line per verified signature.
    var signatures: [String]
    /// What is wrong, plainly; nil when the checkpoint verifies and the trail holds it.
    var problem: String?

    /// Reads and checks the checkpoint at `configured.path` against `store`.
    ///
    /// - Parameters:
    ///   - configured: The checkpoint file and the keys that must have signed it.
    ///   - store: The trail.
    ///   - head: The trail's head, read once by the page.
    /// - Returns: What the page shows.
    static func read(_ configured: ServerConfiguration.Checkpoint, store: any AuditStore, head: AuditHead?)
        -> PublishedCheckpoint
    {
        let path = configured.path
        guard CheckpointFiles.exists(path) else {
            return .init(
                summary: "No checkpoint at \(path) yet: publish one (docs/audit.md, Checkpoints).", signatures: [],
                problem: nil)
        }
        let signed: SignedCheckpoint
        do {
            signed = try SignedCheckpoint(parsing: try CheckpointFiles.read(path, what: "checkpoint"), source: path)
        } catch {
            return .init(summary: "The checkpoint at \(path)", signatures: [], problem: error.message)
        }
        let checkpoint = signed.checkpoint
        let summary =
            "\(checkpoint.origin): \(checkpoint.size) records, hash \(checkpoint.hash)"
            + (CheckpointFiles.modificationTime(path).map { ", written \(WebView.time($0))" } ?? "")
        let verified: [SignedCheckpoint.Verified]
        do {
            verified = try signed.verify(keys: configured.keys, source: path)
        } catch {
            return .init(summary: summary, signatures: [], problem: error.message)
        }
        let signatures = verified.map { piece in
            let key = "\(piece.key.name) (key \(String(format: "%08x", piece.key.keyID)))"
            if case .cosigned(let timestamp) = piece.check {
                return "co-signed by \(key) at \(WebView.time(Int(clamping: timestamp)))"
            }
            return "signed by \(key)"
        }
        guard checkpoint.size > 0 else {
            return .init(summary: summary, signatures: signatures, problem: nil)
        }
        let size = checkpoint.size
        // The trail holds the checkpoint's history when its record at the checkpoint's size has the
        // checkpoint's hash: each hash covers every record before it. The chain above is `verify`'s.
        do {
            guard let head, head.sequence >= size, let entry = try store.entry(sequence: size) else {
                return .init(
                    summary: summary, signatures: signatures,
                    problem:
                        "The trail holds \(head?.sequence ?? 0) records, fewer than the \(size) the checkpoint "
                        + "signed: records were removed from its end.")
            }
            guard entry.hash == checkpoint.hash else {
                return .init(
                    summary: summary, signatures: signatures,
                    problem:
                        "Record \(size)'s hash is \(entry.hash), not the \(checkpoint.hash) the checkpoint signed: "
                        + "the trail was rewritten at or before record \(size).")
            }
        } catch {
            return .init(summary: summary, signatures: signatures, problem: "The trail cannot be read: \(error)")
        }
        return .init(
            summary: summary + "; the trail holds it (record \(size)'s hash is the one signed)",
            signatures: signatures, problem: nil)
    }
}
