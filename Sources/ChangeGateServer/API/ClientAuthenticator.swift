import Crypto
import Foundation

/// Finds the API client a bearer token belongs to. Clients are stored as SHA-256 digests of their
/// tokens; the presented token is hashed and compared with every client's digest in constant
/// time, all of them each time, so that neither a digest's bytes nor which client matched shows in
/// the answer's timing.
struct ClientAuthenticator: Sendable {
    let clients: [ServerConfiguration.Client]

    init(_ clients: [String: ServerConfiguration.Client]) {
        self.clients = clients.keys.sorted().compactMap { clients[$0] }
    }

    /// The client of `authorization` (an `Authorization` header's value), or nil.
    func client(authorization: String?) -> ServerConfiguration.Client? {
        guard let authorization, authorization.count > 7,
            authorization.prefix(7).lowercased() == "bearer "
        else { return nil }
        return client(token: authorization.dropFirst(7))
    }

    /// The client of HTTP basic credentials (`Basic base64(NAME:TOKEN)`, a browser's login to the
    /// web view), or nil: the token must be the client's and the user name the client's name.
    func client(basic authorization: String?) -> ServerConfiguration.Client? {
        guard let authorization, authorization.count > 6, authorization.prefix(6).lowercased() == "basic ",
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { return nil }
        let name = String(decoding: decoded[..<colon], as: UTF8.self)
        let token = Substring(String(decoding: decoded[decoded.index(after: colon)...], as: UTF8.self))
        // The token is looked up first, in constant time; the name only picks among the matches.
        guard let client = client(token: token), client.name.utf8.elementsEqual(name.utf8) else { return nil }
        return client
    }

    private func client(token: Substring) -> ServerConfiguration.Client? {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var found: ServerConfiguration.Client?
        for client in clients where ConstantTime.equal(client.tokenSHA256, digest) && found == nil {
            found = client
        }
        return found
    }
}
