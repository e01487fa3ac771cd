/// What a history scan worked out for one commit against its first parent, as the history index
/// keeps it: every settings change of the selected files (watched or not: the query picks at read
/// time), which files were a sole document, and the files that could not be read.
struct IndexedCommit: Sendable, Hashable {
    var changes: [SettingChange]
    var soleDocumentFiles: Set<String>
    var errors: [FileProblem]

    static let empty = IndexedCommit(changes: [], soleDocumentFiles: [], errors: [])
}

// A compact binary form (varints, length-prefixed UTF-8): written and read many times per scan,
// with no public Codable conformance on the config types. A decode that meets anything it does not
// expect fails, and the scan then reads the commit again rather than trust the bytes.
extension IndexedCommit {
    /// The bytes kept in the index.
    var encoded: [UInt8] {
        var out = IndexBytesWriter()
        out.varint(UInt64(changes.count))
        for change in changes {
            out.string(change.file)
            out.optionalString(change.previousFile)
            out.string(change.key)
            out.byte(UInt8(ChangeKind.allCases.firstIndex(of: change.kind)!))
            out.optionalValue(change.old)
            out.optionalValue(change.new)
            out.optionalInt(change.baseLine)
            out.optionalInt(change.headLine)
            out.byte(soleDocumentFiles.contains(change.file) ? 1 : 0)
        }
        out.varint(UInt64(errors.count))
        for error in errors {
            out.string(error.file)
            out.optionalInt(error.line)
            out.optionalInt(error.column)
            out.string(error.message)
        }
        return out.bytes
    }

    /// The commit's entry from its bytes; nil when they are not what ``encoded`` writes.
    init?(decoding bytes: [UInt8]) {
        var reader = IndexBytesReader(bytes)
        guard let count = reader.count() else { return nil }
        var changes: [SettingChange] = []
        changes.reserveCapacity(count)
        var sole = Set<String>()
        for _ in 0..<count {
            guard let file = reader.string(), let previous = reader.optionalString(), let key = reader.string(),
                let kindIndex = reader.byte(), Int(kindIndex) < ChangeKind.allCases.count,
                let old = reader.optionalValue(), let new = reader.optionalValue(),
                let baseLine = reader.optionalInt(), let headLine = reader.optionalInt(), let soleFlag = reader.byte()
            else { return nil }
            changes.append(
                SettingChange(
                    file: file, previousFile: previous, key: key, kind: ChangeKind.allCases[Int(kindIndex)], old: old,
                    new: new, baseLine: baseLine, headLine: headLine))
            if soleFlag == 1 { sole.insert(file) }
        }
        guard let errorCount = reader.count() else { return nil }
        var errors: [FileProblem] = []
        for _ in 0..<errorCount {
            guard let file = reader.string(), let line = reader.optionalInt(), let column = reader.optionalInt(),
                let message = reader.string()
            else { return nil }
            errors.append(FileProblem(file: file, line: line, column: column, message: message))
        }
        guard reader.atEnd else { return nil }
        self.init(changes: changes, soleDocumentFiles: sole, errors: errors)
    }
}

private struct IndexBytesWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Zigzag, so that small negative numbers stay short.
    mutating func int(_ value: Int) { varint(UInt64(bitPattern: Int64((value << 1) ^ (value >> 63)))) }

    mutating func string(_ value: String) {
        varint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func optionalString(_ value: String?) {
        guard let value else { return byte(0) }
        byte(1)
        string(value)
    }

    mutating func optionalInt(_ value: Int?) {
        guard let value else { return byte(0) }
        byte(1)
        int(value)
    }

    mutating func position(_ position: SourcePosition) {
        int(position.line)
        int(position.column)
    }

    mutating func optionalValue(_ value: ConfigValue?) {
        guard let value else { return byte(0) }
        byte(1)
        self.value(value)
    }

    mutating func value(_ value: ConfigValue) {
        switch value {
        case .null: byte(0)
        case .bool(let b): byte(b ? 2 : 1)
        case .integer(let i):
            byte(3)
            int(i)
        case .float(let d):
            byte(4)
            varint(d.bitPattern)
        case .string(let s):
            byte(5)
            string(s)
        case .list(let items):
            byte(6)
            varint(UInt64(items.count))
            for item in items { node(item) }
        case .map(let map):
            byte(7)
            varint(UInt64(map.count))
            for entry in map.entries {
                string(entry.key)
                position(entry.keyPosition)
                node(entry.node)
                varint(UInt64(entry.overriddenPositions.count))
                for overridden in entry.overriddenPositions { position(overridden) }
            }
        }
    }

    mutating func node(_ node: ConfigNode) {
        value(node.value)
        position(node.position)
    }
}

private struct IndexBytesReader {
    let bytes: [UInt8]
    var offset = 0
    /// Values nest at most this deep (the readers' own limit is lower): a corrupt entry cannot
    /// recurse without end.
    static let maxDepth = 512

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { offset == bytes.count }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while let next = byte() {
            result |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return result }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    /// A count no larger than the bytes left (each item takes at least one).
    mutating func count() -> Int? {
        guard let value = varint(), value <= UInt64(bytes.count - offset) else { return nil }
        return Int(value)
    }

    mutating func int() -> Int? {
        guard let raw = varint() else { return nil }
        return Int(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
    }

    mutating func string() -> String? {
        guard let length = count(), offset + length <= bytes.count else { return nil }
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }

    mutating func optionalString() -> String?? {
        switch byte() {
        case 0: return .some(nil)
        case 1: return string().map { .some($0) }
        default: return nil
        }
    }

    mutating func optionalInt() -> Int?? {
        switch byte() {
        case 0: return .some(nil)
        case 1: return int().map { .some($0) }
        default: return nil
        }
    }

    mutating func position() -> SourcePosition? {
        guard let line = int(), let column = int() else { return nil }
        return SourcePosition(line: line, column: column)
    }

    mutating func optionalValue() -> ConfigValue?? {
        switch byte() {
        case 0: return .some(nil)
        case 1: return value(depth: 0).map { .some($0) }
        default: return nil
        }
    }

    mutating func value(depth: Int) -> ConfigValue? {
        guard depth < Self.maxDepth, let tag = byte() else { return nil }
        switch tag {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return int().map { .integer($0) }
        case 4: return varint().map { .float(Double(bitPattern: $0)) }
        case 5: return string().map { .string($0) }
        case 6:
            guard let itemCount = count() else { return nil }
            var items: [ConfigNode] = []
            items.reserveCapacity(itemCount)
            for _ in 0..<itemCount {
                guard let item = node(depth: depth + 1) else { return nil }
                items.append(item)
            }
            return .list(items)
        case 7:
            guard let entryCount = count() else { return nil }
            var map = ConfigMap()
            for _ in 0..<entryCount {
                guard let key = string(), let keyPosition = position(), let node = node(depth: depth + 1),
                    let overriddenCount = count()
                else { return nil }
                var overridden: [SourcePosition] = []
                for _ in 0..<overriddenCount {
                    guard let position = position() else { return nil }
                    overridden.append(position)
                }
                // Keys are unique in an encoded map; a repeat means the bytes are not ours.
                guard map.set(key, node, keyPosition: keyPosition, recordDuplicate: false) == nil else { return nil }
                if !overridden.isEmpty { map.markOverridden(key, overridden) }
            }
            return .map(map)
        default: return nil
        }
    }

    mutating func node(depth: Int) -> ConfigNode? {
        guard let value = value(depth: depth), let position = position() else { return nil }
        return ConfigNode(value, at: position)
    }
}
