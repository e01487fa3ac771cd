import Foundation

/// Where and how often the hook publishes a signed checkpoint of its trail, from the repository's
/// own git config (`git -C REPO config changegate.checkpoint.key /etc/changegate/shop.key`):
///
/// | key | value |
/// |---|---|
/// | `changegate.checkpoint.key` | the signer key (absolute path, mode 0600, owned by the hook's user) |
/// | `changegate.checkpoint.path` | where the checkpoint is written (absolute path) |
/// | `changegate.checkpoint.every` | after this many new records (default 1, when no interval is set) |
/// | `changegate.checkpoint.interval` | or when the last is this old: `90s`, `15m`, `2h`, `1d`, or minutes |
/// | `changegate.checkpoint.origin` | the origin line (default: the key's name) |
///
/// Only the repository's own config is read: a pusher cannot write it, and the global or system
/// config of the hook's user is not the repository's to decide.
public struct CheckpointPublishing: Sendable, Hashable {
    /// The config keys, under `changegate.checkpoint.`.
    public static let keyConfig = "changegate.checkpoint.key"
    public static let pathConfig = "changegate.checkpoint.path"
    public static let everyConfig = "changegate.checkpoint.every"
    public static let intervalConfig = "changegate.checkpoint.interval"
    public static let originConfig = "changegate.checkpoint.origin"

    /// The signer key's path.
    public var keyPath: String
    /// Where the checkpoint is written.
    public var path: String
    /// Publish once this many records were appended since the last checkpoint; nil: not by count.
    public var everyRecords: Int?
    /// Publish once the last checkpoint is this many seconds old (and records were appended); nil:
    /// not by time.
    public var intervalSeconds: Int?
    /// The origin line; nil for the key's name.
    public var origin: String?

    /// A configuration; with neither a count nor an interval, a checkpoint follows every new record.
    ///
    /// - Parameters:
    ///   - keyPath: The signer key.
    ///   - path: Where the checkpoint is written.
    ///   - everyRecords: After how many new records.
    ///   - intervalSeconds: Or after how many seconds.
    ///   - origin: The origin line; nil for the key's name.
    public init(
        keyPath: String, path: String, everyRecords: Int? = nil, intervalSeconds: Int? = nil, origin: String? = nil
    ) {
        self.keyPath = keyPath
        self.path = path
        self.everyRecords = everyRecords ?? (intervalSeconds == nil ? 1 : nil)
        self.intervalSeconds = intervalSeconds
        self.origin = origin
    }

    /// Reads the configuration through `value` (the repository's own config).
    ///
    /// - Parameter value: The value of a config key, nil when unset.
    /// - Returns: The configuration; nil when neither the key nor the path is set (publishing off).
    /// - Throws: ``CheckpointError/Kind/key`` for a configuration that is half there, a relative
    ///   path or a count or interval that does not parse, naming the config key.
    public static func read(_ value: (String) throws -> String?) throws(CheckpointError) -> CheckpointPublishing? {
        func get(_ key: String) throws(CheckpointError) -> String? {
            do {
                return try value(key)?.trimmingCharacters(in: .whitespaces)
            } catch {
                throw CheckpointError(.key, "cannot read \(key) from the repository's config: \(error)")
            }
        }
        let key = try get(keyConfig)
        let path = try get(pathConfig)
        if key == nil, path == nil { return nil }
        func bad(_ name: String, _ why: String) -> CheckpointError {
            CheckpointError(.key, "\(name) \(why); set it with `git -C REPO config \(name) …` (docs/audit.md)")
        }
        guard let key, !key.isEmpty else { throw bad(keyConfig, "is not set, but \(pathConfig) is") }
        guard let path, !path.isEmpty else { throw bad(pathConfig, "is not set, but \(keyConfig) is") }
        // Relative to what the hook's working directory happens to be is no place for a key.
        guard key.hasPrefix("/") else { throw bad(keyConfig, "must be an absolute path, not \(key)") }
        guard path.hasPrefix("/") else { throw bad(pathConfig, "must be an absolute path, not \(path)") }
        var every: Int?
        if let text = try get(everyConfig) {
            guard let count = Int(text), count >= 1 else {
                throw bad(everyConfig, "must be a number of records, 1 or more, not \(text)")
            }
            every = count
        }
        var interval: Int?
        if let text = try get(intervalConfig) {
            guard let seconds = parseInterval(text) else {
                throw bad(
                    intervalConfig, "must be a time such as 90s, 15m, 2h or 1d (a bare number is minutes), not \(text)")
            }
            interval = seconds
        }
        let origin = try get(originConfig)
        return CheckpointPublishing(
            keyPath: key, path: path, everyRecords: every, intervalSeconds: interval,
            origin: origin?.isEmpty == true ? nil : origin)
    }

    /// `90s`, `15m`, `2h`, `1d`, or a bare number of minutes, in seconds; nil for anything else.
    ///
    /// - Parameter text: The interval as configured.
    /// - Returns: Seconds, above 0.
    public static func parseInterval(_ text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text)
        var unit = 60
        if let last = text.last, let seconds = units[last] {
            unit = seconds
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let count = Int(digits), count > 0,
            count <= Int.max / unit
        else { return nil }
        return count * unit
    }
}

/// Publishes the trail's checkpoint when it is due, after the hook recorded: signed with the
/// configured key, proven to extend the checkpoint at the path before it is replaced (a checkpoint
/// of a forked chain is never published), written to a temporary file and renamed over the old,
/// all under a lock on `PATH.lock` so that two pushes at once do not put an older one back.
///
/// A failure is reported, never fatal: the decision is recorded either way, and the old checkpoint
/// stays as it was.
public struct CheckpointPublisher: Sendable {
    /// Where and how often.
    public var publishing: CheckpointPublishing

    /// A publisher.
    ///
    /// - Parameter publishing: Where and how often.
    public init(publishing: CheckpointPublishing) {
        self.publishing = publishing
    }

    /// What a run did.
    public enum Outcome: Sendable, Hashable {
        /// Not due yet (or nothing new since the last), and the trail still holds the last.
        case notDue
        /// Written to the path.
        case published(AuditCheckpoint)
        /// Not published, and why; the path is unchanged.
        case failed(String)
    }

    /// Publishes a checkpoint of `store` when due.
    ///
    /// - Parameters:
    ///   - store: The trail the hook writes.
    ///   - now: Seconds since the epoch.
    /// - Returns: What was done.
    public func publishIfDue(_ store: any AuditStore, now: Int) -> Outcome {
        do {
            return try CheckpointFiles.withLock(on: publishing.path, wait: Self.lockWait) {
                () throws(CheckpointError) in try publish(store, now: now)
            }
        } catch {
            return .failed(error.message)
        }
    }

    /// How long a run waits for another publishing the same path: signing is milliseconds, so a
    /// longer wait means a stuck holder, and the next run publishes anyway.
    static let lockWait = Duration.seconds(2)

    private func publish(_ store: any AuditStore, now: Int) throws(CheckpointError) -> Outcome {
        let path = publishing.path
        // The key first: a key others can read or swap is refused even when nothing is due.
        let key = try CheckpointFiles.readSignerKey(publishing.keyPath)
        let origin = publishing.origin ?? key.name
        var previous: AuditCheckpoint?
        if CheckpointFiles.exists(path) {
            let text = try CheckpointFiles.read(path, what: "published checkpoint")
            let signed = try SignedCheckpoint(parsing: text, source: path)
            // Only a checkpoint this key signed counts as the last one: anything else there is
            // evidence of someone else's writing, which is not overwritten.
            do throws(CheckpointError) {
                _ = try signed.verify(keys: [key.verifierKey], source: path)
            } catch {
                throw CheckpointError(
                    .signature, "\(error.message); the hook leaves \(path) as it is: move it away to publish again")
            }
            guard signed.checkpoint.origin == origin else {
                throw CheckpointError(
                    .fork,
                    "\(path) holds a checkpoint of origin \(signed.checkpoint.origin), not \(origin); the hook "
                        + "leaves it as it is: set \(CheckpointPublishing.pathConfig) to another file")
            }
            previous = signed.checkpoint
        }
        let head: AuditHead?
        do {
            head = try store.head()
        } catch {
            throw CheckpointError(.trail, "cannot read the audit trail: \(error)")
        }
        guard let head else { return .notDue }
        if let previous {
            let new = head.sequence - previous.size
            let byCount = publishing.everyRecords.map { new >= $0 } ?? false
            let age = now - (CheckpointFiles.modificationTime(path) ?? 0)
            let byTime = publishing.intervalSeconds.map { age >= $0 && new > 0 } ?? false
            if !byCount, !byTime {
                // Not due; still, a trail that no longer holds the published checkpoint is said at once.
                try holds(previous, in: store, head: head, origin: origin)
                return .notDue
            }
        }
        let checkpoint = try store.checkpoint(origin: origin, since: previous)
        let signed = try SignedCheckpoint(signing: checkpoint, with: key)
        try CheckpointFiles.writeAtomically(signed.serialized, to: path)
        return .published(checkpoint)
    }

    private func holds(_ previous: AuditCheckpoint, in store: any AuditStore, head: AuditHead, origin: String)
        throws(CheckpointError)
    {
        guard previous.size > 0 else { return }
        let entry: AuditEntry?
        do {
            entry = head.sequence >= previous.size ? try store.entry(sequence: previous.size) : nil
        } catch {
            throw CheckpointError(.trail, "cannot read the audit trail: \(error)")
        }
        guard let entry else {
            throw CheckpointError(
                .fork,
                CheckpointRules.notExtending(previous, because: .cutBack(trailSize: head.sequence), origin: origin))
        }
        guard entry.hash == previous.hash else {
            throw CheckpointError(
                .fork,
                CheckpointRules.notExtending(previous, because: .rewritten(trailHash: entry.hash), origin: origin))
        }
    }

    /// The line for the pusher (escaped); nil when there is nothing to say.
    ///
    /// - Parameter outcome: What ``publishIfDue(_:now:)`` did.
    /// - Returns: The line, or nil.
    public func message(_ outcome: Outcome) -> String? {
        switch outcome {
        case .notDue:
            return nil
        case .published(let checkpoint):
            return TerminalText.escape(
                "changegate: published a signed checkpoint of \(checkpoint.size) records (\(checkpoint.origin)) to "
                    + publishing.path)
        case .failed(let why):
            return TerminalText.escape(
                "changegate: WARNING: no checkpoint was published: \(why) (the push itself is not affected; the "
                    + "audit trail holds its records)")
        }
    }
}
