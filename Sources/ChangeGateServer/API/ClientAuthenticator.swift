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
        let token = authorization.dropFirst(7)
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var found: ServerConfiguration.Client?
        for client in clients where ConstantTime.equal(client.tokenSHA256, digest) && found == nil {
            found = client
        }
        return found
    }
}
