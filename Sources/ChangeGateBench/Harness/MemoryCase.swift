/// The peak resident memory of a whole process (`ru_maxrss`), beside a reference's: measured once,
/// since a peak does not drift the way a time does.
struct MemoryCase {
    var name: String
    /// Runs the process; returns its peak in KiB.
    var subject: () throws -> Int
    var reference: (name: String, run: () throws -> Int)?
    var note: String?

    func measure() throws -> MemoryMeasurement {
        MemoryMeasurement(
            name: name, peakKiB: try subject(), referenceName: reference?.name,
            referencePeakKiB: try reference?.run(), note: note)
    }
}

struct MemoryMeasurement: Sendable {
    var name: String
    var peakKiB: Int
    var referenceName: String?
    var referencePeakKiB: Int?
    var note: String?

    var ratio: Double? { referencePeakKiB.map { Double(peakKiB) / Double($0) } }
}
