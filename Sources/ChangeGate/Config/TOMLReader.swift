/// Reads TOML 1.0.0 with ChangeGate's own parser (``TOMLParser``): every key keeps its line and
/// column, and nothing outlives the read (TOMLKit, used before, leaked each file's C++ tree).
///
/// Keys keep the order of the document. A key or table defined twice is an error, as TOML requires.
struct TOMLReader {
    let path: String
    let limits: ReaderLimits

    init(path: String, limits: ReaderLimits) {
        self.path = path
        self.limits = limits
    }

    /// `content` is valid UTF-8 without a byte-order mark: ``ConfigReader`` checks and strips it first.
    func read(_ content: UnsafeBufferPointer<UInt8>) throws(ConfigError) -> ParsedConfig {
        var parser = TOMLParser(bytes: content, path: path, limits: limits)
        let root = try parser.parseDocument()
        return ParsedConfig(path: path, format: .toml, documents: [root])
    }
}
