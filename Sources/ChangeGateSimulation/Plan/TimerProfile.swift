/// Which timers a simulation runs with.
public enum TimerProfile: String, Sendable, Hashable, CaseIterable {
    /// The file's own `loop_wait` and `retry_timeout`.
    case file
    /// `loop_wait` at most 2 s and `retry_timeout` at most 5 s, for CI: each only ever shortened,
    /// so `loop_wait + 2 × retry_timeout <= ttl` still holds. `ttl` (the leader key's lifetime, the
    /// largest term of a node's loss) and `primary_start_timeout` stay the file's: they are what a
    /// scenario measures. The report says each value changed.
    case fast

    /// The shortened ceiling of a timer, or nil when this profile keeps it.
    func ceiling(of key: String) -> Int? {
        guard self == .fast else { return nil }
        switch key {
        case "loop_wait": return 2
        case "retry_timeout": return 5
        default: return nil
        }
    }
}
