import Foundation

extension Repository {
    /// `path` relative to the work tree ("" for the work tree itself) when it lies inside it, symlinks
    /// and `..` resolved first; nil when it lies outside or the repository is bare. Files in the work
    /// tree are the checked-out change's own, so what judges a change must not come from there.
    ///
    /// - Parameter path: Any path, absolute or relative to the working directory.
    /// - Returns: The path relative to the work tree, or nil.
    public func workTreeRelativePath(of path: String) -> String? {
        guard let tree = workingDirectory else { return nil }
        func resolved(_ path: String) -> String {
            URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        }
        let target = resolved(path)
        let root = resolved(tree)
        if target == root { return "" }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return target.hasPrefix(prefix) ? String(target.dropFirst(prefix.count)) : nil
    }
}
