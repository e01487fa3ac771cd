import CYAML

/// Builds ``ConfigNode`` trees straight from libyaml's event stream (the only code importing CYAML).
///
/// Going through events, not a document model, keeps the parse ~20× cheaper than a full composer
/// and gives us every node's mark. Composition follows PyYAML's SafeLoader: anchors and aliases,
/// `<<` merge keys, YAML 1.1 plain scalars, and the last duplicate key wins.
struct YAMLReader {
    let path: String
    let limits: ReaderLimits

    init(path: String, limits: ReaderLimits) {
        self.path = path
        self.limits = limits
    }

    func read(_ content: UnsafeBufferPointer<UInt8>) throws(ConfigError) -> ParsedConfig {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw ConfigError(.syntax, path: path, at: nil, "libyaml could not start (out of memory)")
        }
        defer { yaml_parser_delete(parser) }
        // libyaml wants a non-null pointer even for an empty input.
        let emptyByte: [UInt8] = [0]
        emptyByte.withUnsafeBufferPointer { empty in
            yaml_parser_set_input_string(parser, content.baseAddress ?? empty.baseAddress, content.count)
        }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        var builder = YAMLTreeBuilder(path: path, limits: limits)
        // Most files have no tab at all: then nothing below is recorded or scanned.
        let hasTab = content.contains(UInt8(ascii: "\t"))
        var scalars: [TabCheck.Span] = []
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else {
                throw syntaxError(parser.pointee, content)
            }
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { break }
            if hasTab, event.type == YAML_SCALAR_EVENT {
                scalars.append(TabCheck.Span(event))
            }
            try builder.handle(event)
        }
        if hasTab, let tab = TabCheck.firstRefused(in: content, scalars: scalars) {
            throw ConfigError(
                .syntax, path: path, at: tab,
                "a tab here: PyYAML's safe_load (which Patroni uses) refuses a tab outside comments, quoted "
                    + "values and block scalars, although libyaml accepts it; use spaces")
        }
        return ParsedConfig(path: path, format: .yaml, documents: builder.documents, warnings: builder.warnings)
    }

    private func syntaxError(_ parser: yaml_parser_t, _ content: UnsafeBufferPointer<UInt8>) -> ConfigError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            message = "\(problem) \(context) at line \(parser.context_mark.line + 1)"
        }
        if parser.error == YAML_READER_ERROR {
            // libyaml's reader gives no mark, only the byte offset of the character: the position
            // is counted from it. The input is valid UTF-8 by now, so what it refuses is a control
            // character (PyYAML refuses the same ones).
            let offset = min(Int(parser.problem_offset), content.count)
            let position = UTF8Validation.position(ofOffset: offset, in: content)
            guard parser.problem_value >= 0 else { return ConfigError(.invalidUTF8, path: path, at: position, message) }
            let hex = String(parser.problem_value, radix: 16, uppercase: true)
            let code = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            let escape = parser.problem_value <= 0xFF ? "\\x\(code.suffix(2))" : "\\u\(code)"
            return ConfigError(
                .syntax, path: path, at: position,
                "control character U+\(code) is not allowed in YAML (PyYAML refuses it too): remove it, or write "
                    + "it as the escape `\(escape)` inside a double-quoted string")
        }
        return ConfigError(.syntax, path: path, at: mark(parser.problem_mark), message)
    }
}

/// PyYAML's pure-Python scanner (`yaml.safe_load`) takes only spaces between tokens, and a plain
/// scalar stops at a tab; libyaml takes tabs as separation too. So a tab is refused unless it is in a
/// comment, inside a quoted scalar (after its opening quote) or in a block scalar's content, which
/// is what PyYAML accepts (pinned by the tab cases of the differential tests).
enum TabCheck {
    struct Span {
        enum Style { case plain, quoted, block }
        var start: (line: Int, column: Int)
        var end: (line: Int, column: Int)
        var style: Style

        init(_ event: yaml_event_t) {
            start = (Int(event.start_mark.line), Int(event.start_mark.column))
            end = (Int(event.end_mark.line), Int(event.end_mark.column))
            switch event.data.scalar.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .quoted
            case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: style = .block
            default: style = .plain
            }
        }
    }

    /// Where the first refused tab is (1-based), walking the text once with libyaml's line and
    /// column counting (CR, LF, CRLF, NEL, LS and PS break lines; columns count characters).
    /// `scalars` are in document order and do not overlap.
    static func firstRefused(in bytes: UnsafeBufferPointer<UInt8>, scalars: [Span]) -> SourcePosition? {
        var line = 0
        var column = 0
        var next = 0  // the first scalar that does not end before the current character
        var commentOnLine = false  // a `#` outside scalars seen on this line
        var opened = false  // inside the current scalar: past its opening quote or block header
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            var breakLength = 0
            if b == 0x0A {
                breakLength = 1
            } else if b == 0x0D {
                breakLength = i + 1 < n && bytes[i + 1] == 0x0A ? 2 : 1
            } else if b == 0xC2, i + 1 < n, bytes[i + 1] == 0x85 {
                breakLength = 2
            } else if b == 0xE2, i + 2 < n, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                breakLength = 3
            }
            while next < scalars.count, scalars[next].end <= (line, column) {
                next += 1
                opened = false
            }
            let inside = next < scalars.count && scalars[next].start <= (line, column)
            if breakLength > 0 {
                if inside, scalars[next].style == .block { opened = true }
                commentOnLine = false
                line += 1
                column = 0
                i += breakLength
                continue
            }
            if inside {
                switch scalars[next].style {
                case .plain:
                    if b == 0x09 { return SourcePosition(line: line + 1, column: column + 1) }
                case .quoted:
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { opened = true }
                    if b == 0x09, !opened { return SourcePosition(line: line + 1, column: column + 1) }
                case .block:
                    // The header line (`|`, `>-`, a comment) takes spaces only, as PyYAML scans it.
                    if b == UInt8(ascii: "#") { commentOnLine = true }
                    if b == 0x09, !opened, !commentOnLine { return SourcePosition(line: line + 1, column: column + 1) }
                }
            } else {
                if b == UInt8(ascii: "#") { commentOnLine = true }
                if b == 0x09, !commentOnLine { return SourcePosition(line: line + 1, column: column + 1) }
            }
            if b & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return nil
    }
}

func mark(_ mark: yaml_mark_t) -> SourcePosition {
    SourcePosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
}

private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
    pointer.map { String(cString: $0) }
}

/// Turns events into trees. One value per file read.
private struct YAMLTreeBuilder {
    private static let yamlTag = "tag:yaml.org,2002:"

    let path: String
    let limits: ReaderLimits
    private(set) var documents: [ConfigNode] = []
    private(set) var warnings: [ConfigDiagnostic] = []

    private struct Anchored {
        var node: ConfigNode
        var size: Int
    }

    /// A node as it is handed to its parent: the value plus what keys and merges need.
    private struct Built {
        var node: ConfigNode
        var size: Int
        var isMergeKey: Bool
        /// Set for scalars PyYAML accepts only as map keys (`<<`, `=`): why, for the error.
        var keyOnly: String? = nil
    }

    /// The open collections, innermost last. Their frames live in two arrays of their own so
    /// that a delivery mutates the innermost one in place (an enum payload would be copied out
    /// and back for every node).
    private enum FrameKind {
        case sequence
        case mapping
    }

    private struct SequenceFrame {
        var items: [ConfigNode] = []
        var start: SourcePosition
        var anchor: String?
        var size = 1
    }

    private struct MappingFrame {
        var explicit = ConfigMap()
        var merges: [ConfigNode] = []
        var pendingKey: (text: String, position: SourcePosition, isMerge: Bool)?
        /// Key text by PyYAML's notion of key equality (`1`, `1.0` and `true` are one key to it),
        /// and back; nil while every key is a string, which cannot clash (most maps, never built).
        var identities: (textByIdentity: [String: String], identityByText: [String: String])?
        var start: SourcePosition
        var anchor: String?
        var size = 1
    }

    private var frames: [FrameKind] = []
    private var sequences: [SequenceFrame] = []
    private var mappings: [MappingFrame] = []
    private var anchors: [String: Anchored] = [:]
    private var openAnchors: Set<String> = []
    private var aliasExpansion = 0

    init(path: String, limits: ReaderLimits) {
        self.path = path
        self.limits = limits
    }

    private func error(_ kind: ConfigError.Kind, _ at: SourcePosition, _ message: String) -> ConfigError {
        ConfigError(kind, path: path, at: at, message)
    }

    private func error(_ at: SourcePosition, _ message: String) -> ConfigError {
        ConfigError(.syntax, path: path, at: at, message)
    }

    mutating func handle(_ event: yaml_event_t) throws(ConfigError) {
        let start = mark(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            // Anchors do not cross documents.
            anchors.removeAll(keepingCapacity: true)
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let bytes = UnsafeBufferPointer(start: s.value, count: s.length)
            let tag = string(s.tag)
            let plain = s.style == YAML_PLAIN_SCALAR_STYLE
            let value = try scalarValue(bytes, tag: tag, plainImplicit: s.plain_implicit != 0, at: start)
            let node = ConfigNode(value, at: start)
            var keyOnly: String? = nil
            var isMergeKey = false
            if plain && tag == nil && bytes.count <= 2 {
                if bytes.elementsEqual("<<".utf8) {
                    isMergeKey = true
                    keyOnly = "`<<` is a merge key and cannot be a value (PyYAML refuses it); quote it for the text"
                } else if bytes.elementsEqual("=".utf8) {
                    keyOnly = "a plain `=` cannot be a value (PyYAML refuses it); quote it for the text"
                }
            }
            if let anchor = string(s.anchor) {
                try checkNewAnchor(anchor, at: start)
                anchors[anchor] = Anchored(node: node, size: 1)
            }
            try deliver(Built(node: node, size: 1, isMergeKey: isMergeKey, keyOnly: keyOnly))
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                if openAnchors.contains(name) {
                    throw error(
                        .unsupported, start, "alias *\(name) refers to a node that contains it (recursive alias)")
                }
                throw error(start, "alias *\(name) names no anchor defined before it")
            }
            aliasExpansion += target.size
            if aliasExpansion > limits.maxAliasExpansion {
                throw error(
                    .aliasExpansion, start,
                    "aliases expand to more than \(limits.maxAliasExpansion) nodes (a \"billion laughs\" file?)")
            }
            try deliver(Built(node: relocated(target.node, to: start), size: target.size, isMergeKey: false))
        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            try checkCollectionTag(string(s.tag), sequence: true, at: start)
            try checkDepth(at: start)
            let anchor = string(s.anchor)
            if let anchor {
                try checkNewAnchor(anchor, at: start)
                openAnchors.insert(anchor)
            }
            frames.append(.sequence)
            sequences.append(SequenceFrame(start: start, anchor: anchor))
        case YAML_SEQUENCE_END_EVENT:
            guard frames.popLast() == .sequence, let frame = sequences.popLast() else {
                throw error(start, "unbalanced sequence end")
            }
            let node = ConfigNode(.list(frame.items), at: frame.start)
            register(frame.anchor, node, frame.size)
            try deliver(Built(node: node, size: frame.size, isMergeKey: false))
        case YAML_MAPPING_START_EVENT:
            let m = event.data.mapping_start
            try checkCollectionTag(string(m.tag), sequence: false, at: start)
            try checkDepth(at: start)
            let anchor = string(m.anchor)
            if let anchor {
                try checkNewAnchor(anchor, at: start)
                openAnchors.insert(anchor)
            }
            frames.append(.mapping)
            mappings.append(MappingFrame(start: start, anchor: anchor))
        case YAML_MAPPING_END_EVENT:
            guard frames.popLast() == .mapping, let frame = mappings.popLast() else {
                throw error(start, "unbalanced mapping end")
            }
            let node = ConfigNode(.map(try merged(frame)), at: frame.start)
            register(frame.anchor, node, frame.size)
            try deliver(Built(node: node, size: frame.size, isMergeKey: false))
        default:
            break
        }
    }

    /// The aliased tree with every node, and every key of its maps, at the alias: a value reached
    /// through `*x` is reported where the alias writes it (the key holding `*x`, or the `<<: *x` that
    /// merges it), not at the anchor, which is another setting. The duplicate positions recorded inside
    /// the anchor stay: they name where the anchor repeats a key. Bounded by the alias expansion limit.
    private func relocated(_ node: ConfigNode, to position: SourcePosition) -> ConfigNode {
        switch node.value {
        case .list(let items):
            return ConfigNode(.list(items.map { relocated($0, to: position) }), at: position)
        case .map(let map):
            var moved = ConfigMap()
            for entry in map.entries {
                moved.set(entry.key, relocated(entry.node, to: position), keyPosition: position, recordDuplicate: false)
                if !entry.overriddenPositions.isEmpty { moved.markOverridden(entry.key, entry.overriddenPositions) }
            }
            return ConfigNode(.map(moved), at: position)
        default:
            return ConfigNode(node.value, at: position)
        }
    }

    /// PyYAML refuses an anchor defined twice in one document; so does the gate (readers disagree on it).
    private func checkNewAnchor(_ anchor: String, at position: SourcePosition) throws(ConfigError) {
        if anchors[anchor] != nil || openAnchors.contains(anchor) {
            throw error(position, "anchor &\(anchor) is defined twice in this document")
        }
    }

    private mutating func register(_ anchor: String?, _ node: ConfigNode, _ size: Int) {
        guard let anchor else { return }
        openAnchors.remove(anchor)
        anchors[anchor] = Anchored(node: node, size: size)
    }

    private func checkDepth(at position: SourcePosition) throws(ConfigError) {
        if frames.count >= limits.maxDepth {
            throw error(.tooDeep, position, "nesting deeper than \(limits.maxDepth) levels")
        }
    }

    private func checkCollectionTag(_ tag: String?, sequence: Bool, at position: SourcePosition) throws(ConfigError) {
        guard let tag, tag != "!" else { return }
        if tag == Self.yamlTag + (sequence ? "seq" : "map") { return }
        throw error(.unsupported, position, "unsupported tag \(display(tag)) (PyYAML's safe loader rejects it too)")
    }

    private func display(_ tag: String) -> String {
        tag.hasPrefix(Self.yamlTag) ? "!!" + tag.dropFirst(Self.yamlTag.count) : tag
    }

    /// Hands a finished node to the enclosing collection, or makes it a document.
    private mutating func deliver(_ built: Built) throws(ConfigError) {
        if let reason = built.keyOnly, !isKeyPosition {
            throw error(.unsupported, built.node.position, reason)
        }
        switch frames.last {
        case nil:
            documents.append(built.node)
        case .sequence:
            let top = sequences.count - 1
            sequences[top].items.append(built.node)
            sequences[top].size += built.size
        case .mapping:
            let top = mappings.count - 1
            mappings[top].size += built.size
            if let key = mappings[top].pendingKey {
                mappings[top].pendingKey = nil
                if key.isMerge {
                    mappings[top].merges.append(built.node)
                } else if let previous = mappings[top].explicit.set(key.text, built.node, keyPosition: key.position) {
                    warnings.append(
                        ConfigDiagnostic(
                            .duplicateKey, path: path, position: key.position, earlier: previous.keyPosition,
                            key: key.text,
                            message:
                                "duplicate key `\(key.text)` (also at line \(previous.keyPosition.line)); the last one wins"
                        ))
                }
            } else {
                // The text a scalar reads as when it is a key; made here, not for every value.
                guard let text = keyText(of: built.node.value) else {
                    throw error(
                        .unsupported, built.node.position, "a map or list used as a key is not supported")
                }
                if !built.isMergeKey, mappings[top].identities != nil || !isString(built.node.value) {
                    var frame = mappings.removeLast()
                    defer { mappings.append(frame) }
                    try checkKeyIdentity(text, built.node, in: &frame)
                }
                mappings[top].pendingKey = (text, built.node.position, built.isMergeKey)
            }
        }
    }

    private func isString(_ value: ConfigValue) -> Bool {
        if case .string = value { return true }
        return false
    }

    /// True when the next node delivered is a map key.
    private var isKeyPosition: Bool {
        frames.last == .mapping && mappings[mappings.count - 1].pendingKey == nil
    }

    /// Refuses keys that PyYAML and key paths would group differently: `1` and `"1"` are two keys to
    /// PyYAML but one key path; `1` and `true` are one key to PyYAML but two key paths.
    private func checkKeyIdentity(_ text: String, _ key: ConfigNode, in frame: inout MappingFrame) throws(ConfigError) {
        if frame.identities == nil {
            // Strings are equal to PyYAML exactly when their key paths are: nothing to check.
            if case .string = key.value { return }
            // The first key of another type: the string keys before it are the map's keys so far.
            var textByIdentity: [String: String] = [:]
            var identityByText: [String: String] = [:]
            for entry in frame.explicit.entries {
                textByIdentity["s:" + entry.key] = entry.key
                identityByText[entry.key] = "s:" + entry.key
            }
            frame.identities = (textByIdentity, identityByText)
        }
        let identity: String
        switch key.value {
        case .string(let s): identity = "s:" + s
        case .bool(let b): identity = b ? "n:1" : "n:0"
        case .integer(let i): identity = "n:\(i)"
        case .float(let d):
            if d.rounded() == d, let i = Int(exactly: d) { identity = "n:\(i)" } else { identity = "f:\(d)" }
        default: identity = "null"
        }
        if let other = frame.identities?.textByIdentity[identity], other != text {
            throw error(
                .unsupported, key.position,
                "keys `\(other)` and `\(text)` are the same key to PyYAML but different settings here; keep one")
        }
        if let other = frame.identities?.identityByText[text], other != identity {
            throw error(
                .unsupported, key.position,
                "key `\(text)` appears both quoted and unquoted (as different types) in this map; keep one")
        }
        frame.identities?.textByIdentity[identity] = text
        frame.identities?.identityByText[text] = identity
    }

    /// Applies `<<` merges as PyYAML's `flatten_mapping` does: merged entries first (in a list of
    /// maps, earlier maps win), then the map's own keys override them.
    private func merged(_ frame: MappingFrame) throws(ConfigError) -> ConfigMap {
        guard !frame.merges.isEmpty else { return frame.explicit }
        var sources: [ConfigMap] = []
        for merge in frame.merges {
            switch merge.value {
            case .map(let map):
                sources.append(map)
            case .list(let items):
                var group: [ConfigMap] = []
                for item in items {
                    guard case .map(let map) = item.value else {
                        throw error(
                            item.position,
                            "a merge key `<<` takes a map or a list of maps, found a \(item.value.typeName)")
                    }
                    group.append(map)
                }
                sources.append(contentsOf: group.reversed())
            default:
                throw error(
                    merge.position, "a merge key `<<` takes a map or a list of maps, found a \(merge.value.typeName)")
            }
        }
        var result = ConfigMap()
        for source in sources {
            for entry in source.entries {
                result.set(entry.key, entry.node, keyPosition: entry.keyPosition, recordDuplicate: false)
            }
        }
        for entry in frame.explicit.entries {
            result.set(entry.key, entry.node, keyPosition: entry.keyPosition, recordDuplicate: false)
            if !entry.overriddenPositions.isEmpty {
                // Keep the duplicate facts of the map's own keys.
                result.markOverridden(entry.key, entry.overriddenPositions)
            }
        }
        return result
    }

    private func keyText(of value: ConfigValue) -> String? {
        switch value {
        case .string(let s): s
        case .null, .bool, .integer, .float: value.scalarText
        case .list, .map: nil
        }
    }

    private func scalarValue(
        _ bytes: UnsafeBufferPointer<UInt8>, tag: String?, plainImplicit: Bool, at position: SourcePosition
    ) throws(ConfigError) -> ConfigValue {
        // PyYAML resolves a scalar tagged `!` as if it were plain, even a quoted one (`! "12"` is 12).
        guard let tag, tag != "!" else {
            guard plainImplicit || tag == "!" else { return .string(String(decoding: bytes, as: UTF8.self)) }
            switch YAMLScalarResolver.resolvePlain(bytes) {
            case .value(let value): return value
            case .invalid(let message): throw error(.unsupported, position, message)
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        switch tag {
        case Self.yamlTag + "str", Self.yamlTag + "timestamp":
            return .string(text)
        case Self.yamlTag + "null":
            return .null
        case Self.yamlTag + "bool":
            guard let value = YAMLScalarResolver.explicitBool(text) else {
                throw error(position, "`\(text)` is not a bool")
            }
            return .bool(value)
        case Self.yamlTag + "int":
            let bytes = Array(text.utf8)
            guard !bytes.isEmpty, let value = YAMLScalarResolver.constructInt(bytes) else {
                throw error(position, "`\(text)` is not an integer")
            }
            return .integer(value)
        case Self.yamlTag + "float":
            let bytes = Array(text.utf8)
            guard !bytes.isEmpty, let value = YAMLScalarResolver.constructFloat(bytes) else {
                throw error(position, "`\(text)` is not a float")
            }
            return .float(value)
        default:
            throw error(.unsupported, position, "unsupported tag \(display(tag)) (PyYAML's safe loader rejects it too)")
        }
    }
}
