/// How many bytes of config files one decision may read from git, summed over every blob it reads
/// (both sides of each selected file, and the earlier versions the revert look-back reads).
///
/// The per-file limit (``ReaderLimits/maxFileSize``) alone lets a change of many files just under it
/// take the gate's memory and time — and the hook's 5 s — without bound. Sizes come from the objects'
/// headers, so a change over the bound is refused before any of its files is read.
public enum ReadBudget {
    /// 32 MiB: two sides of two files at the per-file limit, and many times any real config change.
    public static let defaultMaxBytes = 32 << 20
}

/// A decision refused because what it would read passes ``ReadBudget``: the files, their sizes,
/// the bound and what to do.
public struct ReadBudgetExceeded: Error, Sendable, Hashable, CustomStringConvertible {
    /// One blob the decision would read: the path it is read as and its size.
    public struct Read: Sendable, Hashable {
        public var path: String
        public var side: String
        public var bytes: Int
    }

    /// What was to be read, largest first.
    public var reads: [Read]
    /// What was read before these (the change's own files, when the look-back passes the bound).
    public var alreadyRead: Int
    public var maxBytes: Int
    /// True when the revert look-back's earlier versions pass the bound, not the change's own files.
    public var lookBack: Bool

    /// How many reads the message names; the rest are counted.
    static let named = 10

    public var total: Int { alreadyRead + reads.reduce(0) { $0 + $1.bytes } }

    public var description: String {
        let listed = reads.prefix(Self.named).map { "\($0.path) (\($0.side): \(Self.short($0.bytes)))" }
        let more = reads.count > Self.named ? " and \(reads.count - Self.named) more" : ""
        if lookBack {
            return "the revert look-back would read \(listed.joined(separator: ", "))\(more) after "
                + "\(Self.text(alreadyRead)) already read, \(Self.text(total)) in all: over the bound of "
                + "\(Self.text(maxBytes)) one decision reads. Nothing more was read and the change is refused: "
                + "shorten the policy's look-back (`reverts within … over N commits`), keep the file smaller, "
                + "or raise the bound where the gate runs (`changegate check --max-read-bytes`)."
        }
        return "this change's config files add up to \(Self.text(total)) to read (both sides of each), over the "
            + "bound of \(Self.text(maxBytes)) one decision reads: \(listed.joined(separator: ", "))\(more). None "
            + "of them was read and the change is refused: split it into pushes that each stay under the bound, "
            + "or raise the bound where the gate runs (`changegate check --max-read-bytes`)."
    }

    /// `7.9 MiB`, or `617 bytes` below 1 MiB.
    static func short(_ bytes: Int) -> String {
        guard bytes >= 1 << 20 else { return "\(bytes) bytes" }
        let tenths = (bytes * 10 + (1 << 19)) >> 20
        return "\(tenths / 10).\(tenths % 10) MiB"
    }

    /// `8,300,000 bytes (7.9 MiB)`.
    static func text(_ bytes: Int) -> String {
        let digits = String(bytes)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        guard bytes >= 1 << 20 else { return "\(grouped) bytes" }
        let tenths = (bytes * 10 + (1 << 19)) >> 20
        return "\(grouped) bytes (\(tenths / 10).\(tenths % 10) MiB)"
    }
}
