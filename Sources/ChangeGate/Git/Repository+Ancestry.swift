/// How a base revision relates to a head: whether the head was branched from it, or the base moved
/// on since (or the head is already part of it), and where their histories meet.
public struct Ancestry: Sendable, Hashable {
    public var base: ObjectID
    public var head: ObjectID
    /// The best common ancestor (`git merge-base BASE HEAD`); nil when the histories are unrelated.
    public var mergeBase: ObjectID?

    /// An ancestry.
    ///
    /// - Parameters:
    ///   - base: The target branch's commit.
    ///   - head: The change's tip.
    ///   - mergeBase: Their best common ancestor; nil when the histories are unrelated.
    public init(base: ObjectID, head: ObjectID, mergeBase: ObjectID?) {
        self.base = base
        self.head = head
        self.mergeBase = mergeBase
    }

    /// True when the head descends from the base (or is it): `BASE..HEAD` and `BASE...HEAD` agree.
    public var baseIsAncestor: Bool { mergeBase == base }

    /// True when the base already contains the head (and is not it): nothing would land.
    public var headIsAncestor: Bool { mergeBase == head && base != head }

    /// What a report says when the base is not an ancestor of the head; nil when it is.
    public var note: String? {
        guard !baseIsAncestor else { return nil }
        guard let mergeBase else {
            return "\(base.short) and \(head.short) share no history (no merge base)"
        }
        if headIsAncestor {
            return "\(head.short) (the head) is already contained in \(base.short) (the base), so it adds "
                + "nothing: check that the base and the head are not swapped"
        }
        return "\(base.short) (the base) is not an ancestor of \(head.short) (the head): they diverged at "
            + "\(mergeBase.short), their merge base"
    }
}

extension Repository {
    /// How `base` relates to `head` (see ``Ancestry``).
    ///
    /// - Parameters:
    ///   - base: The target branch's commit.
    ///   - head: The change's tip.
    /// - Returns: Their merge base and which is an ancestor of which.
    /// - Throws: ``GitError`` when the history cannot be read.
    public func ancestry(of base: ObjectID, and head: ObjectID) throws(GitError) -> Ancestry {
        Ancestry(base: base, head: head, mergeBase: base == head ? base : try mergeBase(base, head))
    }
}
