/// One segment of a TOML key (`a`, `"b c"`, `'d'` in `a."b c".'d'`) and where it is written.
struct TOMLKey {
    var name: String
    var position: SourcePosition
}

/// The tables of a TOML document while it is read, and TOML's rules on where a table may be defined
/// and extended; turned into one ``ConfigNode`` tree at the end.
///
/// Tables live in an arena and refer to each other by index, so that `[a.b.c]` or `a.b.c = 1` adds
/// to a table deep in the tree without copying the maps above it.
struct TOMLTableTree {
    /// How a table came to exist, which decides who may still define or extend it.
    enum Origin {
        /// Created as a parent by a header (`[a.b]` creates `a`): a header or dotted keys may still define it.
        case implicit
        /// Defined by `[a]`, or an element of `[[a]]`: only its own section adds keys to it.
        case header
        /// Created by a dotted key (`a.b = 1`) or an inline table: no header may define it.
        case dotted
    }

    enum Slot {
        /// A scalar, a static array or an inline table: complete as written, nothing may extend it.
        case value(ConfigNode)
        case table(Int)
        case tableArray(Int)
    }

    struct Table {
        var origin: Origin
        var position: SourcePosition
        /// Nesting of maps and lists down to this table, the root being 1 (as the JSON reader counts).
        var depth: Int
        var names: [String] = []
        var slots: [Slot] = []
        /// Built once the table is large, so that lookups stay cheap without a dictionary per small table.
        var indexByName: [String: Int]? = nil
    }

    struct TableArray {
        var position: SourcePosition
        var elements: [Int]
    }

    static let root = 0
    private static let indexThreshold = 12

    let path: String
    let maxDepth: Int
    private var tables: [Table]
    private var tableArrays: [TableArray] = []

    init(path: String, maxDepth: Int) {
        self.path = path
        self.maxDepth = maxDepth
        tables = [Table(origin: .header, position: SourcePosition(line: 1, column: 1), depth: 1)]
    }

    func depth(of table: Int) -> Int { tables[table].depth }

    // MARK: - Headers

    /// `[a.b.c]`: defines the table, creating its parents; returns it as the section's table.
    mutating func defineTable(_ keys: ArraySlice<TOMLKey>, header: SourcePosition) throws(ConfigError) -> Int {
        let parent = try parentForHeader(keys, header: header)
        let key = keys.last!
        guard let slot = find(key.name, in: parent) else {
            return try addTable(key.name, origin: .header, at: header, in: parent)
        }
        let name = Self.display(keys)
        switch tables[parent].slots[slot] {
        case .table(let table):
            switch tables[table].origin {
            case .implicit:
                tables[table].origin = .header
                tables[table].position = header
                return table
            case .header:
                throw error(
                    "table [\(name)] is defined twice (first at line \(tables[table].position.line))", at: key)
            case .dotted:
                throw error(
                    "table [\(name)] was already created by dotted keys at line \(tables[table].position.line); a header cannot define it again",
                    at: key)
            }
        case .tableArray(let array):
            throw error(
                "`\(name)` is an array of tables (line \(tableArrays[array].position.line)), not a table; use [[\(name)]]",
                at: key)
        case .value(let node):
            throw error(
                "`\(name)` already has a value (line \(node.position.line)); a header cannot define it", at: key)
        }
    }

    /// `[[a.b]]`: appends a new table to the array of tables, creating the array and its parents.
    mutating func appendTableArrayElement(_ keys: ArraySlice<TOMLKey>, header: SourcePosition) throws(ConfigError)
        -> Int
    {
        let parent = try parentForHeader(keys, header: header)
        let key = keys.last!
        let elementDepth = tables[parent].depth + 2
        guard let slot = find(key.name, in: parent) else {
            try checkDepth(elementDepth, at: key)
            let element = newTable(origin: .header, at: header, depth: elementDepth)
            tableArrays.append(TableArray(position: header, elements: [element]))
            add(key.name, .tableArray(tableArrays.count - 1), to: parent)
            return element
        }
        let name = Self.display(keys)
        switch tables[parent].slots[slot] {
        case .tableArray(let array):
            let element = newTable(origin: .header, at: header, depth: elementDepth)
            tableArrays[array].elements.append(element)
            return element
        case .table(let table):
            throw error(
                "`\(name)` is a table (line \(tables[table].position.line)), not an array of tables", at: key)
        case .value(let node):
            if case .list = node.value {
                throw error(
                    "`\(name)` is a static array (line \(node.position.line)); [[\(name)]] cannot append to it", at: key
                )
            }
            throw error("`\(name)` already has a value (line \(node.position.line))", at: key)
        }
    }

    /// Walks a header's keys but the last, creating missing tables; an array of tables leads into its
    /// last element.
    private mutating func parentForHeader(_ keys: ArraySlice<TOMLKey>, header: SourcePosition) throws(ConfigError)
        -> Int
    {
        var table = Self.root
        for i in keys.indices.dropLast() {
            let key = keys[i]
            guard let slot = find(key.name, in: table) else {
                table = try addTable(key.name, origin: .implicit, at: header, in: table)
                continue
            }
            switch tables[table].slots[slot] {
            case .table(let child): table = child
            case .tableArray(let array): table = tableArrays[array].elements.last!
            case .value(let node): throw cannotExtend(node, named: Self.display(keys[...i]), at: key)
            }
        }
        return table
    }

    // MARK: - Key/value pairs

    /// `a.b.c = value` in `table` (a section's table or an inline table): creates the tables of a dotted
    /// key, refuses a key defined twice and tables that dotted keys may not extend.
    mutating func insert(_ keys: ArraySlice<TOMLKey>, _ value: ConfigNode, into target: Int) throws(ConfigError) {
        let keyPosition = keys.first!.position
        var table = target
        for i in keys.indices.dropLast() {
            let key = keys[i]
            guard let slot = find(key.name, in: table) else {
                table = try addTable(key.name, origin: .dotted, at: keyPosition, in: table)
                continue
            }
            switch tables[table].slots[slot] {
            case .table(let child):
                switch tables[child].origin {
                case .dotted: break
                case .implicit:
                    tables[child].origin = .dotted
                    tables[child].position = keyPosition
                case .header:
                    throw error(
                        "table `\(Self.display(keys[...i]))` is defined by a header (line \(tables[child].position.line)); dotted keys elsewhere cannot add to it",
                        at: key)
                }
                table = child
            case .tableArray(let array):
                throw error(
                    "`\(Self.display(keys[...i]))` is an array of tables (line \(tableArrays[array].position.line)); dotted keys cannot add to it",
                    at: key)
            case .value(let node):
                throw cannotExtend(node, named: Self.display(keys[...i]), at: key)
            }
        }
        let key = keys.last!
        if let slot = find(key.name, in: table) {
            let first: SourcePosition
            switch tables[table].slots[slot] {
            case .value(let node): first = node.position
            case .table(let child): first = tables[child].position
            case .tableArray(let array): first = tableArrays[array].position
            }
            throw error("key `\(Self.display(keys))` is defined twice (first at line \(first.line))", at: key)
        }
        add(key.name, .value(value), to: table)
    }

    // MARK: - Inline tables

    /// Starts an inline table; its keys go in with ``insert(_:_:into:)``.
    mutating func beginInlineTable(depth: Int, at position: SourcePosition) -> Int {
        newTable(origin: .dotted, at: position, depth: depth)
    }

    /// The finished inline table as a node; its tables leave the arena (nothing can reach them again).
    mutating func endInlineTable(_ table: Int) -> ConfigNode {
        let node = node(of: table)
        tables.removeSubrange(table...)
        return node
    }

    // MARK: - The result

    func rootNode() -> ConfigNode { node(of: Self.root) }

    private func node(of table: Int) -> ConfigNode {
        var map = ConfigMap()
        let names = tables[table].names
        let slots = tables[table].slots
        for i in names.indices {
            let child: ConfigNode
            switch slots[i] {
            case .value(let node): child = node
            case .table(let table): child = node(of: table)
            case .tableArray(let array):
                let tableArray = tableArrays[array]
                child = ConfigNode(.list(tableArray.elements.map(node(of:))), at: tableArray.position)
            }
            map.set(names[i], child, keyPosition: child.position)
        }
        return ConfigNode(.map(map), at: tables[table].position)
    }

    // MARK: - Arena

    private func find(_ name: String, in table: Int) -> Int? {
        if let index = tables[table].indexByName { return index[name] }
        return tables[table].names.firstIndex(of: name)
    }

    private mutating func add(_ name: String, _ slot: Slot, to table: Int) {
        tables[table].names.append(name)
        tables[table].slots.append(slot)
        let count = tables[table].names.count
        if tables[table].indexByName != nil {
            tables[table].indexByName![name] = count - 1
        } else if count > Self.indexThreshold {
            var index: [String: Int] = [:]
            for (i, name) in tables[table].names.enumerated() { index[name] = i }
            tables[table].indexByName = index
        }
    }

    private mutating func newTable(origin: Origin, at position: SourcePosition, depth: Int) -> Int {
        tables.append(Table(origin: origin, position: position, depth: depth))
        return tables.count - 1
    }

    private mutating func addTable(_ name: String, origin: Origin, at position: SourcePosition, in parent: Int)
        throws(ConfigError) -> Int
    {
        let depth = tables[parent].depth + 1
        if depth > maxDepth {
            throw ConfigError(.tooDeep, path: path, at: position, "nesting deeper than \(maxDepth) levels")
        }
        let table = newTable(origin: origin, at: position, depth: depth)
        add(name, .table(table), to: parent)
        return table
    }

    private func checkDepth(_ depth: Int, at key: TOMLKey) throws(ConfigError) {
        if depth > maxDepth {
            throw ConfigError(.tooDeep, path: path, at: key.position, "nesting deeper than \(maxDepth) levels")
        }
    }

    // MARK: - Errors

    private func error(_ message: String, at key: TOMLKey) -> ConfigError {
        ConfigError(.syntax, path: path, at: key.position, message)
    }

    private func cannotExtend(_ node: ConfigNode, named name: String, at key: TOMLKey) -> ConfigError {
        switch node.value {
        case .map:
            return error(
                "`\(name)` is an inline table (line \(node.position.line)); inline tables cannot be extended", at: key)
        case .list:
            return error("`\(name)` is an array (line \(node.position.line)), not a table", at: key)
        default:
            return error("`\(name)` is a \(node.value.typeName) (line \(node.position.line)), not a table", at: key)
        }
    }

    /// A key as TOML would write it: bare segments as they are, others quoted.
    static func display(_ keys: ArraySlice<TOMLKey>) -> String {
        keys.map { key in
            let isBare =
                !key.name.isEmpty
                && key.name.utf8.allSatisfy { b in
                    (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x5F
                        || b == 0x2D
                }
            if isBare { return key.name }
            var quoted = "\""
            for scalar in key.name.unicodeScalars {
                switch scalar {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                case "\n": quoted += "\\n"
                case "\t": quoted += "\\t"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F {
                        let hex = String(scalar.value, radix: 16, uppercase: true)
                        quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        quoted.unicodeScalars.append(scalar)
                    }
                }
            }
            return quoted + "\""
        }.joined(separator: ".")
    }
}
