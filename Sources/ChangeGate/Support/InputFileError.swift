/// A problem in a file the user hands over (an evidence file, a JUnit report, a policy test file),
/// with where it is: `path:line:column: error: message`.
public struct InputFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var column: Int?
    public var message: String

    /// An error.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - line: The line, when at one place.
    ///   - column: The column.
    ///   - message: What is wrong.
    public init(path: String, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = path
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): error: \(message)"
    }
}

/// A problem in an evidence file or a JUnit report.
public typealias EvidenceError = InputFileError

/// A problem in a policy test file.
public typealias PolicyTestError = InputFileError
