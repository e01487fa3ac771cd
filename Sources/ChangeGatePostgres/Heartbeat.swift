import Synchronization

/// When a long read last heard from the server: the store's time limit is then on silence, so
/// that a server that keeps sending rows is never cut off, and one that stops answering still is.
final class Heartbeat: Sendable {
    private let last = Mutex(ContinuousClock.now)

    func beat() { last.withLock { $0 = .now } }

    /// How long since the last beat (or since the read began).
    func idle() -> Duration { ContinuousClock.now - last.withLock { $0 } }
}
