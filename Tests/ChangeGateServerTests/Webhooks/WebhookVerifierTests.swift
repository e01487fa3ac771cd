import Testing

@testable import ChangeGateServer

@Suite("Server: webhook signatures")
struct WebhookVerifierTests {
    // GitHub's documented test vector (docs.github.com, "Validating webhook deliveries").
    static let secret = Array("It's a Secret to Everybody".utf8)
    static let body = Array("Hello, World!".utf8)
    static let signature = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    @Test("GitHub's test vector: the HMAC, and X-Hub-Signature-256 verifying with and only with it")
    func githubVector() throws {
        #expect(Hex.string(WebhookVerifier.hmac(Self.body, secret: Self.secret)) == Self.signature)
        try WebhookVerifier.verify(
            kind: .github, body: Self.body, signature: "sha256=" + Self.signature, secret: Self.secret)
        // Upper-case hex is the same signature.
        try WebhookVerifier.verify(
            kind: .github, body: Self.body, signature: "sha256=" + Self.signature.uppercased(), secret: Self.secret)
        var flipped = Array(Self.signature)
        flipped[63] = flipped[63] == "7" ? "8" : "7"
        for wrong in [
            "sha256=" + String(flipped), Self.signature, "sha1=" + Self.signature, "sha256=", "sha256=zz",
            "sha256=" + Self.signature + "00",
        ] {
            #expect(throws: WebhookVerifier.Failure.badSignature(header: "X-Hub-Signature-256")) {
                try WebhookVerifier.verify(kind: .github, body: Self.body, signature: wrong, secret: Self.secret)
            }
        }
        #expect(throws: WebhookVerifier.Failure.badSignature(header: "X-Hub-Signature-256")) {
            try WebhookVerifier.verify(
                kind: .github, body: Self.body + [0x0A], signature: "sha256=" + Self.signature, secret: Self.secret)
        }
        #expect(throws: WebhookVerifier.Failure.missingSignature(header: "X-Hub-Signature-256")) {
            try WebhookVerifier.verify(kind: .github, body: Self.body, signature: nil, secret: Self.secret)
        }
    }

    @Test("Gitea: the bare hex HMAC in X-Gitea-Signature; GitLab: the secret itself in X-Gitlab-Token")
    func giteaAndGitLab() throws {
        try WebhookVerifier.verify(kind: .gitea, body: Self.body, signature: Self.signature, secret: Self.secret)
        #expect(throws: WebhookVerifier.Failure.badSignature(header: "X-Gitea-Signature")) {
            try WebhookVerifier.verify(
                kind: .gitea, body: Self.body, signature: "sha256=" + Self.signature, secret: Self.secret)
        }
        try WebhookVerifier.verify(
            kind: .gitlab, body: Self.body, signature: "It's a Secret to Everybody", secret: Self.secret)
        for wrong in ["It's a Secret to Everybod", "It's a Secret to Everybody ", "", Self.signature] {
            #expect(throws: WebhookVerifier.Failure.self) {
                try WebhookVerifier.verify(kind: .gitlab, body: Self.body, signature: wrong, secret: Self.secret)
            }
        }
    }

    @Test("the constant-time comparison: equal only for the same bytes and length")
    func constantTime() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equal([UInt8](), [UInt8]()))
    }

    @Test("the delivery ledger refuses a replay, forgets the oldest past its capacity, and a forgotten id")
    func ledger() {
        let ledger = DeliveryLedger(capacity: 2)
        #expect(ledger.admit("a"))
        #expect(!ledger.admit("a"))
        #expect(ledger.admit("b"))
        #expect(ledger.admit("c"))
        // Bounded: "a" fell out, "b" and "c" are remembered.
        #expect(ledger.admit("a"))
        #expect(!ledger.admit("c"))
        ledger.forget("c")
        #expect(ledger.admit("c"))
    }
}
