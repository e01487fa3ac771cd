import Foundation

/// The delivery ids this process has accepted, to refuse a replay: a delivery captured on the way
/// and sent again carries a valid signature, and only its id tells it from a new one.
///
/// Bounded: the oldest ids are forgotten past `capacity`, so memory stays flat under any load. A
/// replay of a delivery older than that is judged again, which posts the same status again (the
/// decision is the same; a second record says it was asked twice). Held in this process only:
/// replicas behind a load balancer each keep their own, until the ids move to the shared store.
final class DeliveryLedger: Sendable {
    private let state: LockedState
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        self.state = LockedState()
    }

    /// Records `id` and returns true when it is new; false when it was seen (a replay).
    func admit(_ id: String) -> Bool {
        state.withLock { seen, order in
            guard !seen.contains(id) else { return false }
            seen.insert(id)
            order.append(id)
            if order.count > capacity {
                seen.remove(order.removeFirst())
            }
            return true
        }
    }

    /// Forgets `id`: a delivery refused after it was admitted (a full queue) must be accepted when
    /// the forge retries it.
    func forget(_ id: String) {
        state.withLock { seen, order in
            guard seen.remove(id) != nil else { return }
            if let index = order.lastIndex(of: id) { order.remove(at: index) }
        }
    }

    /// The ids and their order behind a lock: many requests admit at once.
    private final class LockedState: @unchecked Sendable {
        // Guarded by `lock`; @unchecked because NSLock is the guard the compiler cannot see.
        private let lock = NSLock()
        private var seen: Set<String> = []
        private var order: [String] = []

        func withLock<T>(_ body: (inout Set<String>, inout [String]) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&seen, &order)
        }
    }
}
