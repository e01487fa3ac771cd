/// A person and a moment, as a commit records its author or committer.
public struct Signature: Sendable, Hashable {
    public var name: String
    public var email: String
    /// Seconds since the Unix epoch.
    public var time: Int64
    /// The signer's offset from UTC, in minutes.
    public var utcOffsetMinutes: Int

    /// A signature.
    ///
    /// - Parameters:
    ///   - name: The name.
    ///   - email: The e-mail address.
    ///   - time: Seconds since the Unix epoch.
    ///   - utcOffsetMinutes: The offset from UTC, in minutes.
    public init(name: String, email: String, time: Int64, utcOffsetMinutes: Int) {
        self.name = name
        self.email = email
        self.time = time
        self.utcOffsetMinutes = utcOffsetMinutes
    }
}

/// A `Key: value` line from the trailer block at the end of a commit message.
public struct Trailer: Sendable, Hashable {
    public var key: String
    public var value: String

    /// A trailer.
    ///
    /// - Parameters:
    ///   - key: Its name (`Reviewed-by`).
    ///   - value: Its value, continuation lines joined.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// What the gate needs of a commit, read once and detached from libgit2.
public struct CommitInfo: Sendable, Hashable {
    public var id: ObjectID
    public var parents: [ObjectID]
    public var tree: ObjectID
    public var author: Signature
    public var committer: Signature
    public var message: String
    /// Trailers parsed as `git interpret-trailers --parse` reads them.
    public var trailers: [Trailer]

    /// The first line of the message.
    public var subject: String {
        String(message.prefix { $0 != "\n" })
    }

    public var isMerge: Bool { parents.count > 1 }
}
