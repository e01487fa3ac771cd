import Hummingbird

/// A request's context: Hummingbird's, with the API client its bearer token names (set by
/// ``AccessMiddleware``; nil for `/healthz` and the webhooks, which a signature authenticates).
struct ServerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var client: ServerConfiguration.Client?

    init(source: Source) {
        coreContext = .init(source: source)
        client = nil
    }
}
