/// One line of git's pre-receive input: a ref moving from `old` to `new`.
public struct RefUpdate: Sendable, Hashable {
    /// Nil when the ref is created (git writes all zeros).
    public var old: ObjectID?
    /// Nil when the ref is deleted.
    public var new: ObjectID?
    public var ref: String

    /// An update.
    ///
    /// - Parameters:
    ///   - old: The ref's commit before; nil when the ref is created.
    ///   - new: Its commit after; nil when it is deleted.
    ///   - ref: The full ref name.
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
    ///
    /// - Parameter text: The hook's standard input.
    /// - Returns: The updates, in order.
    /// - Throws: ``HookError`` for anything git itself would never write.
    public static func parse(_ text: String) throws(HookError) -> [RefUpdate] {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses the hook's input as git wrote it, byte for byte. Anything git itself would never
    /// write fails closed: a line that is not exactly `<old> <new> <ref>`, an empty line in the
    /// middle, bytes that are not UTF-8, and a ref name git refuses (``RefName/problem(_:)``);
    /// each would otherwise become a ref that no `--protect` pattern names, and pass unjudged.
    ///
    /// - Parameter bytes: The hook's standard input.
    /// - Returns: The updates, in order.
    /// - Throws: ``HookError`` for anything git itself would never write.
    public static func parse(bytes: [UInt8]) throws(HookError) -> [RefUpdate] {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // git ends every line, the last one too, with a newline.
        if lines.last?.isEmpty == true { lines.removeLast() }
        var updates: [RefUpdate] = []
        for (index, line) in lines.enumerated() {
            let number = index + 1
            guard let text = String(validating: line, as: UTF8.self) else {
                throw .badInput(line: number, text: String(decoding: line, as: UTF8.self), why: "it is not UTF-8")
            }
            let parts = text.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3 else {
                throw .badInput(
                    line: number, text: text,
                    why: parts.count < 3
                        ? "it has \(parts.count) of the 3 fields" : "it has \(parts.count) fields, not 3")
            }
            guard let old = ObjectID(hex: String(parts[0])) else {
                throw .badInput(line: number, text: text, why: "the old id is not a 40-digit hex object id")
            }
            guard let new = ObjectID(hex: String(parts[1])) else {
                throw .badInput(line: number, text: text, why: "the new id is not a 40-digit hex object id")
            }
            let ref = String(parts[2])
            if let problem = RefName.problem(ref) {
                throw .badInput(line: number, text: text, why: problem)
            }
            updates.append(RefUpdate(old: old.isZero ? nil : old, new: new.isZero ? nil : new, ref: ref))
        }
        return updates
    }

    /// From the update hook's arguments `REF OLD NEW`.
    ///
    /// - Parameters:
    ///   - ref: The ref name.
    ///   - old: The old id (all zeros when created).
    ///   - new: The new id (all zeros when deleted).
    /// - Returns: The update.
    /// - Throws: ``HookError`` for an id that is not 40 hex digits or a ref name git refuses.
    public static func fromArguments(ref: String, old: String, new: String) throws(HookError) -> RefUpdate {
        let text = "\(ref) \(old) \(new)"
        guard let oldID = ObjectID(hex: old), let newID = ObjectID(hex: new) else {
            throw .badInput(line: 1, text: text, why: "an id is not a 40-digit hex object id")
        }
        if let problem = RefName.problem(ref) { throw .badInput(line: 1, text: text, why: problem) }
        return RefUpdate(old: oldID.isZero ? nil : oldID, new: newID.isZero ? nil : newID, ref: ref)
    }
}

/// Why the hook could not even start judging.
public enum HookError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `why` says what is wrong with the line.
    case badInput(line: Int, text: String, why: String)
    case store(String)
    /// The hook's deadline passed before its records could be committed: nothing was kept.
    case deadline

    public var description: String {
        switch self {
        case .badInput(let line, let text, let why):
            "line \(line) of the hook's input is not `<old-oid> <new-oid> <ref>` (\(why)): "
                + TerminalText.escape(text)
        case .store(let message): message
        case .deadline: "the deadline passed before the records could be committed; nothing was recorded"
        }
    }
}
