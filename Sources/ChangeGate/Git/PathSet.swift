/// A set of file paths held as a tree of their folders, so that two git trees can be compared on
/// those paths alone: a folder whose tree id did not change is skipped whole.
public struct PathSet: Sendable {
    final class Node: @unchecked Sendable {
        // Built once in `init` and only read afterwards.
        var children: [String: Node] = [:]
        var isFile = false
        /// The name as a C string, made once: libgit2 looks it up in every tree compared.
        var cName: ContiguousArray<CChar> = []
    }

    let root = Node()
    public let paths: [String]

    public init<S: Sequence>(_ paths: S) where S.Element == String {
        var all: [String] = []
        for path in paths {
            all.append(path)
            var node = root
            for component in path.split(separator: "/") {
                let name = String(component)
                if let child = node.children[name] {
                    node = child
                } else {
                    let child = Node()
                    child.cName = name.utf8CString
                    node.children[name] = child
                    node = child
                }
            }
            node.isFile = true
        }
        self.paths = all
    }

    public var isEmpty: Bool { paths.isEmpty }
}

/// A file of a ``PathSet`` whose blob differs between two trees; nil where it is absent (or is not
/// a file there).
public struct PathChange: Sendable, Hashable {
    public var path: String
    public var old: ObjectID?
    public var new: ObjectID?
}
