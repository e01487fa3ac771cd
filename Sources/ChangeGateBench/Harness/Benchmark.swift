/// One benchmark case: what ChangeGate does, optionally the reference it is compared with (run
/// alternately with it, so that drift on a shared machine hits both alike), and its target.
struct Benchmark {
    enum Target {
        /// The median must be under this many milliseconds.
        case milliseconds(Double)
        /// ChangeGate's median over the reference's must be at most this.
        case ratio(Double)
    }

    var name: String
    var target: Target?
    var warmUp = 3
    var runs = 21
    /// Runs untimed before every timed run of either side (resetting a ref, say).
    var setUp: () throws -> Void = {}
    var subject: () throws -> Void
    var reference: (name: String, run: () throws -> Void)?
    /// Records (or other units) one run handles: the table then also gives the rate at the median.
    var unitsPerRun: Int? = nil
    /// Said under the table: what the case measured and anything the numbers alone do not show.
    var note: String?
}

struct Measurement: Sendable {
    var name: String
    var median: Double
    var p10: Double
    var p90: Double
    /// The ratio of each round (ChangeGate's run over the reference's run next to it): its 10th
    /// and 90th percentiles are the spread of the ratio.
    var ratioP10: Double? = nil
    var ratioP90: Double? = nil
    var runs: Int
    var referenceName: String?
    var referenceMedian: Double?
    var targetText: String
    var met: Bool?
    var note: String?
    var unitsPerRun: Int? = nil

    var ratio: Double? { referenceMedian.map { median / $0 } }
    /// Units a second at the median run.
    var rate: Double? { unitsPerRun.map { Double($0) / (median / 1_000) } }
}

extension Benchmark {
    func measure() throws -> Measurement {
        let clock = ContinuousClock()
        func time(_ body: () throws -> Void) throws -> Double {
            try setUp()
            let start = clock.now
            try body()
            let elapsed = clock.now - start
            return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
        }
        for _ in 0..<warmUp {
            try setUp()
            try subject()
            if let reference {
                try setUp()
                try reference.run()
            }
        }
        var subjectTimes: [Double] = []
        var referenceTimes: [Double] = []
        for _ in 0..<runs {
            subjectTimes.append(try time(subject))
            if let reference { referenceTimes.append(try time(reference.run)) }
        }
        let median = Self.median(subjectTimes)
        var result = Measurement(
            name: name, median: median, p10: Self.percentile(subjectTimes, 0.1),
            p90: Self.percentile(subjectTimes, 0.9),
            runs: runs,
            referenceName: reference?.name, referenceMedian: referenceTimes.isEmpty ? nil : Self.median(referenceTimes),
            targetText: "(no target)", met: nil, note: note, unitsPerRun: unitsPerRun)
        if !referenceTimes.isEmpty {
            let ratios = zip(subjectTimes, referenceTimes).map { $0 / $1 }
            result.ratioP10 = Self.percentile(ratios, 0.1)
            result.ratioP90 = Self.percentile(ratios, 0.9)
        }
        switch target {
        case .milliseconds(let limit):
            result.targetText = "< \(Report.milliseconds(limit))"
            result.met = median < limit
        case .ratio(let limit):
            result.targetText = "≤ \(Report.ratio(limit))"
            result.met = result.ratio.map { $0 <= limit }
        case nil:
            break
        }
        return result
    }

    static func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted[Int((Double(sorted.count - 1) * fraction).rounded())]
    }
}
