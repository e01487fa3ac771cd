import Foundation

/// Where the tests find the package, the built `changegate`, shared test data and scratch space.
enum Paths {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `../shared/testdata` beside the checkout (CI puts it there), or `CHANGEGATE_TESTDATA`.
    static var testdata: URL? {
        if let override = ProcessInfo.processInfo.environment["CHANGEGATE_TESTDATA"] {
            return URL(fileURLWithPath: override)
        }
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The `changegate` executable built beside the test bundle.
    static var changegate: URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("changegate")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return packageRoot.appendingPathComponent(".build/debug/changegate")
    }

    /// A fresh empty directory, removed by the caller's `defer`.
    static func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("changegate-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Files under `directory` (recursively) whose names end with one of `extensions`, sorted.
    static func files(under directory: URL, extensions: [String]) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            return []
        }
        var out: [URL] = []
        for case let url as URL in enumerator where extensions.contains(where: { url.lastPathComponent.hasSuffix($0) })
        {
            out.append(url)
        }
        return out.sorted { $0.path < $1.path }
    }
}
