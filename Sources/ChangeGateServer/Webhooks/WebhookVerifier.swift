import Crypto
import Foundation

/// Whether a webhook delivery comes from the forge: each forge's rule
/// (`../shared/testdata/forges/README.md`), always compared in constant time.
enum WebhookVerifier {
    /// Why a delivery is refused before its body is read as an event.
    enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The header that carries the signature or the token is absent.
        case missingSignature(header: String)
        /// The header is there and is not the body's signature (or the secret).
        case badSignature(header: String)

        var description: String {
            switch self {
            case .missingSignature(let header): "no \(header) header"
            case .badSignature(let header): "\(header) does not match the configured secret"
            }
        }
    }

    /// The header each forge signs with.
    static func signatureHeader(_ kind: ServerConfiguration.ForgeKind) -> String {
        switch kind {
        case .github: "X-Hub-Signature-256"
        case .gitlab: "X-Gitlab-Token"
        case .gitea: "X-Gitea-Signature"
        }
    }

    /// Checks `signature` (the header's value, nil when absent) against `body` and the secret.
    ///
    /// - GitHub: `sha256=` and the hex HMAC-SHA256 of the raw body.
    /// - Gitea: the hex HMAC-SHA256 of the raw body, no prefix.
    /// - GitLab: the secret itself (GitLab signs nothing); compared as SHA-256 digests so that
    ///   the comparison's length is fixed and the secret's length is not told by the time.
    static func verify(
        kind: ServerConfiguration.ForgeKind, body: [UInt8], signature: String?, secret: [UInt8]
    ) throws(Failure) {
        let header = signatureHeader(kind)
        guard let signature, !signature.isEmpty else { throw .missingSignature(header: header) }
        switch kind {
        case .github, .gitea:
            var text = Substring(signature)
            if kind == .github {
                guard text.hasPrefix("sha256=") else { throw .badSignature(header: header) }
                text = text.dropFirst("sha256=".count)
            }
            let expected = hmac(body, secret: secret)
            guard let given = Hex.bytes(text.lowercased()), ConstantTime.equal(given, expected) else {
                throw .badSignature(header: header)
            }
        case .gitlab:
            let given = Array(SHA256.hash(data: Array(signature.utf8)))
            let expected = Array(SHA256.hash(data: secret))
            guard ConstantTime.equal(given, expected) else { throw .badSignature(header: header) }
        }
    }

    /// HMAC-SHA256 of `body` under `secret`.
    static func hmac(_ body: [UInt8], secret: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret)))
    }
}
