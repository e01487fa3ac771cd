/// One line of git's pre-receive input: a ref moving from `old` to `new`.
public struct RefUpdate: Sendable, Hashable {
    /// Nil when the ref is created (git writes all zeros).
    public var old: ObjectID?
    /// Nil when the ref is deleted.
    public var new: ObjectID?
    public var ref: String

    public init(old: ObjectID?, new: ObjectID?, ref: String) {
        self.old = old
        self.new = new
        self.ref = ref
    }

    public enum Kind: String, Sendable {
        case create, delete, update
    }

    public var kind: Kind {
        if old == nil { return .create }
        if new == nil { return .delete }
        return .update
    }

    /// Parses `<old-oid> <new-oid> <refname>` lines, as git writes them to a pre-receive hook.
    public static func parse(_ text: String) throws(HookError) -> [RefUpdate] {
        var updates: [RefUpdate] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, let old = ObjectID(hex: String(parts[0])),
                let new = ObjectID(hex: String(parts[1])), !parts[2].isEmpty
            else {
                throw .badInput(line: index + 1, text: String(line))
            }
            updates.append(
                RefUpdate(old: old.isZero ? nil : old, new: new.isZero ? nil : new, ref: String(parts[2])))
        }
        return updates
    }

    /// From the update hook's arguments `REF OLD NEW`.
    public static func fromArguments(ref: String, old: String, new: String) throws(HookError) -> RefUpdate {
        guard let oldID = ObjectID(hex: old), let newID = ObjectID(hex: new) else {
            throw .badInput(line: 1, text: "\(ref) \(old) \(new)")
        }
        return RefUpdate(old: oldID.isZero ? nil : oldID, new: newID.isZero ? nil : newID, ref: ref)
    }
}

/// Why the hook could not even start judging.
public enum HookError: Error, Sendable, Hashable, CustomStringConvertible {
    case badInput(line: Int, text: String)
    case store(String)

    public var description: String {
        switch self {
        case .badInput(let line, let text):
            "line \(line) of the hook's input is not `<old-oid> <new-oid> <ref>`: \(text)"
        case .store(let message): message
        }
    }
}
