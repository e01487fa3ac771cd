import Crypto
import Foundation

/// The forges' example payloads, read from the shared test data, with the example commit ids
/// replaced by the test repository's (a payload names commits of the forge's own example
/// repository, which the server's mirror cannot hold), and signed as each forge signs.
enum Payloads {
    static func read(_ relative: String, replacing: [String: String] = [:]) throws -> [UInt8] {
        guard let root = Processes.forgePayloads else { throw Missing() }
        var text = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
        for (old, new) in replacing { text = text.replacingOccurrences(of: old, with: new) }
        return Array(text.utf8)
    }

    struct Missing: Error {}

    static func hmacHex(_ body: [UInt8], secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    /// GitHub's head commit in `pull_request-*.payload.json` and `pull_request_review-*`.
    static let githubHead = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    static let githubBase = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    static let gitlabHead = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    static let giteaHead = "48e773f892a831faa47c0a160d1b7f0cd369ae2a"

    static func githubHeaders(event: String, delivery: String, body: [UInt8], secret: String) -> [String: String] {
        [
            "X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json",
            "X-Hub-Signature-256": "sha256=" + hmacHex(body, secret: secret),
        ]
    }
}
