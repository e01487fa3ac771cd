import Hummingbird

/// Lets through `/healthz` and the webhooks (each authenticated by its signature) and, for every
/// other path, only a request with a client's bearer token: an unauthenticated request learns
/// nothing else, not even whether a path exists (a 404 comes only after the token). The web view
/// (`/ui/…`) also takes HTTP basic credentials, a browser's login, and answers a request without
/// them with a login hint and nothing else.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let authenticator: ClientAuthenticator

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        // The web view's style sheet is the same for everyone and says nothing about the trail.
        if path == "/healthz" || path.hasPrefix("/v1/webhooks/") || path == "/ui/style.css" {
            return try await next(request, context)
        }
        let authorization = request.headers[.authorization]
        let isWebView = path == "/ui" || path.hasPrefix("/ui/")
        let client =
            authenticator.client(authorization: authorization)
            ?? (isWebView ? authenticator.client(basic: authorization) : nil)
        guard let client else {
            if isWebView { return WebResponse.loginHint() }
            return Response(
                status: .unauthorized, headers: [.wwwAuthenticate: "Bearer", .contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"a bearer token is needed"}"# + "\n")))
        }
        var context = context
        context.client = client
        return try await next(request, context)
    }
}
