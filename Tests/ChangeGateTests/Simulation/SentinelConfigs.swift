/// The `sentinel.conf` files the Sentinel simulation tests run: a production-shaped file with the
/// short timers a test affords, and the same with a quorum no three Sentinels reach.
enum SentinelConfigs {
    /// `quorum` over three Sentinels (this one and two `known-sentinel` lines, as Sentinel writes
    /// them), down-after-milliseconds 1000; `extra` lines appended.
    static func file(quorum: Int, extra: [String] = []) -> [UInt8] {
        let lines =
            [
                "port 26379",
                "dir /var/lib/redis",
                "sentinel monitor mymaster 10.0.0.5 6379 \(quorum)",
                "sentinel down-after-milliseconds mymaster 1000",
                "sentinel failover-timeout mymaster 60000",
                "sentinel parallel-syncs mymaster 1",
                "sentinel known-sentinel mymaster 10.0.0.6 26379 8f2b1c6d0e4a4f1b9c3d2e5f6a7b8c9d0e1f2a3b",
                "sentinel known-sentinel mymaster 10.0.0.7 26379 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
            ] + extra
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }
}
