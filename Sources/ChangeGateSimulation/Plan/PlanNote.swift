/// A difference between the file and what runs, in one sentence: a timer shortened, a generic key
/// translated, a value rewritten to the local cluster's.
public struct PlanNote: Sendable, Hashable {
    public var key: String
    public var text: String

    public init(key: String, text: String) {
        self.key = key
        self.text = text
    }
}
