import Foundation

/// Parsed config files that requests share, across repositories: a blob id names its bytes
/// wherever they are, so a file two repositories (or two requests, or a mirror and its source)
/// hold is parsed once.
///
/// An entry is keyed by everything its reading depends on (`BlobReadingKey`: the blob, the
/// format, what of the path the readers look at, the reader's limits), never by the blob alone:
/// the same bytes read as another format, or under other limits, are another reading, and one
/// request's must never answer for another's. Only what parsing the bytes gave is kept; whether a
/// request may read a blob at all (its size against the request's limits and read budget) is
/// decided by the request each time.
///
/// Bounded by entries and by bytes (the blobs' sizes plus a share per setting, a measure of what
/// the parsed settings hold); past a bound, entries are evicted by the clock algorithm (an entry
/// read since the hand last passed gets a second chance). Safe to use from any number of tasks.
public final class BlobSettingsCache: @unchecked Sendable {
    /// The most entries held.
    public let maxEntries: Int
    /// The most bytes held, as ``bytes`` counts them.
    public let maxBytes: Int

    private struct Slot {
        var key: BlobReadingKey
        var reading: BlobReading
        var cost: Int
        var referenced = false
    }

    // Guarded by `lock`.
    private let lock = NSLock()
    private var slots: [Slot?] = []
    private var index: [BlobReadingKey: Int] = [:]
    private var free: [Int] = []
    private var hand = 0
    private var held = 0
    private var hitCount = 0
    private var missCount = 0

    /// - Parameters:
    ///   - maxEntries: the most parsed files held (at least 1).
    ///   - maxBytes: the most bytes held: a file's size plus 64 bytes per setting it has.
    public init(maxEntries: Int = 4_096, maxBytes: Int = 256 << 20) {
        self.maxEntries = max(1, maxEntries)
        self.maxBytes = max(0, maxBytes)
    }

    /// Entries held now.
    public var count: Int { lock.withLock { index.count } }
    /// Bytes held now (see ``init(maxEntries:maxBytes:)``).
    public var bytes: Int { lock.withLock { held } }
    /// Lookups that found their reading, since the cache was made.
    public var hits: Int { lock.withLock { hitCount } }
    /// Lookups that did not.
    public var misses: Int { lock.withLock { missCount } }

    /// Forgets every entry (the counts of hits and misses stay).
    public func removeAll() {
        let dropped = lock.withLock { () -> [Slot?] in
            defer {
                slots = []
                index = [:]
                free = []
                hand = 0
                held = 0
            }
            return slots
        }
        withExtendedLifetime(dropped) {}  // released outside the lock
    }

    func reading(for key: BlobReadingKey) -> BlobReading? {
        lock.withLock {
            guard let position = index[key] else {
                missCount += 1
                return nil
            }
            hitCount += 1
            slots[position]!.referenced = true
            return slots[position]!.reading
        }
    }

    /// Keeps `reading` of a blob of `size` bytes; an entry larger than ``maxBytes`` is not kept.
    func insert(_ reading: BlobReading, for key: BlobReadingKey, size: Int) {
        let cost = Self.cost(of: reading, size: size)
        guard cost <= maxBytes else { return }
        var evicted: [Slot] = []
        lock.withLock {
            if let position = index[key] {
                held += cost - slots[position]!.cost
                slots[position] = Slot(key: key, reading: reading, cost: cost, referenced: true)
            } else {
                while !index.isEmpty, index.count >= maxEntries || held + cost > maxBytes {
                    evicted.append(evictOne())
                }
                let slot = Slot(key: key, reading: reading, cost: cost)
                let position: Int
                if let reused = free.popLast() {
                    position = reused
                    slots[position] = slot
                } else {
                    position = slots.count
                    slots.append(slot)
                }
                index[key] = position
                held += cost
            }
            while held > maxBytes, !index.isEmpty { evicted.append(evictOne()) }
        }
        withExtendedLifetime(evicted) {}  // released outside the lock
    }

    /// Removes the first entry the hand finds not read since it last passed. Holding the lock, with
    /// at least one entry.
    private func evictOne() -> Slot {
        while true {
            if hand >= slots.count { hand = 0 }
            defer { hand += 1 }
            guard let slot = slots[hand] else { continue }
            if slot.referenced {
                slots[hand]!.referenced = false
                continue
            }
            slots[hand] = nil
            index[slot.key] = nil
            free.append(hand)
            held -= slot.cost
            return slot
        }
    }

    private static func cost(of reading: BlobReading, size: Int) -> Int {
        switch reading {
        case .settings(let settings, _, _): size + 64 * settings.count
        case .failed: size
        }
    }
}
