import Hummingbird

/// Lets through `/healthz` and the webhooks (each authenticated by its signature) and, for every
/// other path, only a request with a client's bearer token: an unauthenticated request learns
/// nothing else, not even whether a path exists (a 404 comes only after the token).
struct AccessMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let authenticator: ClientAuthenticator

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" || path.hasPrefix("/v1/webhooks/") { return try await next(request, context) }
        guard let client = authenticator.client(authorization: request.headers[.authorization]) else {
            return Response(
                status: .unauthorized, headers: [.wwwAuthenticate: "Bearer", .contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"a bearer token is needed"}"# + "\n")))
        }
        var context = context
        context.client = client
        return try await next(request, context)
    }
}
