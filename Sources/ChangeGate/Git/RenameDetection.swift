internal import CGit2

/// Rename detection that pairs files as `git diff -M` does (git's `diffcore_rename` and the span
/// hashes of `diffcore-delta.c`, as of git 2.39), reimplemented here because libgit2's similarity
/// metric is not git's and pairs files git does not (and misses some git pairs).
///
/// In git's order: exact renames (same blob id), then files whose basename is unique on both sides
/// and that are at least 75% similar, then every remaining deletion against every remaining
/// addition (unless there are more than `renameLimit`² of them), best scores first. Copies and
/// `--break` are not detected, as `-M` alone does not.
struct RenameDetection {
    /// git's `MAX_SCORE`: a score is the share of the larger file that came from the source.
    static let maxScore = 60_000
    /// `-M`'s default 50%.
    static let minimumScore = 30_000
    /// Files matched by basename must pass a higher bar: halfway from the minimum to identical.
    static let minimumBasenameScore = minimumScore + (maxScore - minimumScore) / 2
    /// git's `diff.renameLimit` default for `git diff` (not read from the repository's config, so
    /// the gate pairs the same way wherever it runs).
    static let renameLimit = 1_000
    /// git stops looking through identical sources after this many.
    static let identicalCandidates = 100

    /// The deltas of one tree diff, in git's order, with each addition git pairs with a deletion
    /// replaced by a rename (at the addition's place) and the paired deletion dropped.
    static func pair(_ deltas: [FileDelta], in repository: Repository) throws(GitError) -> [FileDelta] {
        var sources = deltas.indices.filter { deltas[$0].status == .deleted }
        let destinations = deltas.indices.filter { deltas[$0].status == .added }
        guard !sources.isEmpty, !destinations.isEmpty else { return deltas }
        var sourceUsed = [Bool](repeating: false, count: deltas.count)
        // Destination delta index → (source delta index, score).
        var paired: [Int: (source: Int, score: Int)] = [:]

        // 1. Exact renames: for each destination in order, the first unused source with the same
        // blob (and the same mode unless both are regular files), preferring one with the same basename.
        var sourcesByBlob: [ObjectID: [Int]] = [:]
        for source in sources { sourcesByBlob[deltas[source].oldBlob!, default: []].append(source) }
        for destination in destinations {
            let target = deltas[destination]
            guard let candidates = sourcesByBlob[target.newBlob!] else { continue }
            var best: Int?
            var bestScore = -1
            var budget = identicalCandidates
            for source in candidates {
                let candidate = deltas[source]
                if !(isRegular(candidate.oldMode) && isRegular(target.newMode)), candidate.oldMode != target.newMode {
                    continue
                }
                if sourceUsed[source] { continue }
                let score = 1 + (basenameSame(candidate.oldPath!, target.newPath!) ? 1 : 0)
                if score > bestScore {
                    best = source
                    bestScore = score
                    if score == 2 { break }
                }
                budget -= 1
                if budget == 0 { break }
            }
            if let best {
                sourceUsed[best] = true
                paired[destination] = (best, maxScore)
            }
        }
        sources.removeAll { sourceUsed[$0] }
        var remaining = destinations.filter { paired[$0] == nil }

        // The rest compares names and contents many times: names become numbers, sizes and span
        // counts are read once per file and only when a pair needs them.
        var similarity = Similarity(repository: repository, deltas: deltas)
        var nameIDs: [Substring: Int] = [:]
        var nameID = [Int](repeating: -1, count: deltas.count)
        for index in sources + remaining {
            let name = basename((deltas[index].status == .deleted ? deltas[index].oldPath : deltas[index].newPath)!)
            nameID[index] = nameIDs[name] ?? nameIDs.count
            nameIDs[name] = nameID[index]
        }
        // 2. Basename matches: a source and a destination that are the only ones with their basename
        // on their side, if similar enough.
        if !sources.isEmpty, !remaining.isEmpty {
            var sourceByName: [Int: Int] = [:]
            for source in sources {
                sourceByName[nameID[source]] = sourceByName[nameID[source]] == nil ? source : -1
            }
            var destinationByName: [Int: Int] = [:]
            for destination in remaining {
                destinationByName[nameID[destination]] =
                    destinationByName[nameID[destination]] == nil ? destination : -1
            }
            for source in sources {
                guard sourceByName[nameID[source]] == source, let destination = destinationByName[nameID[source]],
                    destination >= 0, paired[destination] == nil
                else { continue }
                let score = try similarity.estimate(source, destination, minimumScore: minimumBasenameScore)
                guard score >= minimumBasenameScore else { continue }
                sourceUsed[source] = true
                paired[destination] = (source, score)
            }
            sources.removeAll { sourceUsed[$0] }
            remaining.removeAll { paired[$0] != nil }
        }

        // 3. Every remaining pair, within the limit: the best four sources of each destination, then
        // all of them by score (ties: same basename first, then destination order), taken greedily.
        if !sources.isEmpty, !remaining.isEmpty, sources.count * remaining.count <= renameLimit * renameLimit {
            var candidates: [Candidate] = []
            candidates.reserveCapacity(remaining.count * Candidate.perDestination)
            for destination in remaining {
                var best = [Candidate](repeating: .unused, count: Candidate.perDestination)
                for source in sources {
                    let score = try similarity.estimate(source, destination, minimumScore: minimumScore)
                    let candidate = Candidate(
                        source: source, destination: destination, score: score,
                        sameBasename: nameID[source] == nameID[destination])
                    Candidate.recordIfBetter(candidate, in: &best)
                }
                candidates += best
            }
            // git sorts stably; the position breaks the ties a stable sort would keep.
            let sorted = candidates.enumerated().sorted { a, b in
                let order = Candidate.compare(a.element, b.element)
                return order != 0 ? order < 0 : a.offset < b.offset
            }
            for (_, candidate) in sorted {
                if candidate.destination < 0 || candidate.score < minimumScore { break }
                if paired[candidate.destination] != nil || sourceUsed[candidate.source] { continue }
                sourceUsed[candidate.source] = true
                paired[candidate.destination] = (candidate.source, candidate.score)
            }
        }

        guard !paired.isEmpty else { return deltas }
        var out: [FileDelta] = []
        out.reserveCapacity(deltas.count - paired.count)
        for (index, delta) in deltas.enumerated() {
            if delta.status == .deleted, sourceUsed[index] { continue }
            guard let (source, score) = paired[index] else {
                out.append(delta)
                continue
            }
            let old = deltas[source]
            out.append(
                FileDelta(
                    status: .renamed, oldPath: old.oldPath, newPath: delta.newPath, oldBlob: old.oldBlob,
                    newBlob: delta.newBlob, oldMode: old.oldMode, newMode: delta.newMode,
                    similarity: score * 100 / maxScore))
        }
        return out
    }

    /// One of a destination's best sources (git's `diff_score`); `destination` −1 marks an empty slot.
    struct Candidate {
        static let perDestination = 4
        static let unused = Candidate(source: -1, destination: -1, score: 0, sameBasename: false)

        var source: Int
        var destination: Int
        var score: Int
        var sameBasename: Bool

        /// git's `score_compare`: negative when `a` comes first (empty slots last, then higher
        /// score, then same basename).
        static func compare(_ a: Candidate, _ b: Candidate) -> Int {
            if a.destination < 0 { return b.destination >= 0 ? 1 : 0 }
            if b.destination < 0 { return -1 }
            if a.score == b.score { return (b.sameBasename ? 1 : 0) - (a.sameBasename ? 1 : 0) }
            return b.score - a.score
        }

        /// git's `record_if_better`: replaces the first of the worst slots when `candidate` beats it.
        static func recordIfBetter(_ candidate: Candidate, in slots: inout [Candidate]) {
            var worst = 0
            for i in 1..<slots.count where compare(slots[i], slots[worst]) > 0 { worst = i }
            if compare(slots[worst], candidate) > 0 { slots[worst] = candidate }
        }
    }

    /// S_ISREG: either permission of a regular file.
    static func isRegular(_ mode: UInt32) -> Bool { mode & 0o170000 == 0o100000 }

    static func basename(_ path: String) -> Substring {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path[...] }
        return path[path.utf8.index(after: slash)...]
    }

    /// git's `basename_same`: the parts after the last "/" are equal.
    static func basenameSame(_ a: String, _ b: String) -> Bool { basename(a) == basename(b) }
}

/// git's `estimate_similarity` between the old side of one delta and the new side of another, with
/// each side's size and span counts worked out once per detection and only when a pair needs them.
struct Similarity {
    let repository: Repository
    private let blobs: [ObjectID?]
    private let regular: [Bool]
    /// −1 until read.
    private var sizes: [Int]
    private var counts: [SpanCounts?]

    init(repository: Repository, deltas: [FileDelta]) {
        self.repository = repository
        blobs = deltas.map { $0.status == .deleted ? $0.oldBlob : $0.newBlob }
        regular = deltas.map { RenameDetection.isRegular($0.status == .deleted ? $0.oldMode : $0.newMode) }
        sizes = [Int](repeating: -1, count: deltas.count)
        counts = [SpanCounts?](repeating: nil, count: deltas.count)
    }

    /// The score (0…60,000) of `destination` as an edit of `source` (indexes of the deltas); 0 for
    /// anything but two regular files, or sizes too far apart to reach `minimumScore`.
    mutating func estimate(_ source: Int, _ destination: Int, minimumScore: Int) throws(GitError) -> Int {
        guard regular[source], regular[destination] else { return 0 }
        let sourceSize = try size(source)
        let destinationSize = try size(destination)
        let maxSize = max(sourceSize, destinationSize)
        let delta = maxSize - min(sourceSize, destinationSize)
        // git computes these in floating point (MAX_SCORE is a double); exact at these magnitudes.
        let maxScore = Double(RenameDetection.maxScore)
        if Double(maxSize) * (maxScore - Double(minimumScore)) < Double(delta) * maxScore { return 0 }
        guard destinationSize > 0 else { return 0 }
        let copied = try spanCounts(source).copied(into: try spanCounts(destination))
        return Int(Double(copied) * maxScore / Double(maxSize))
    }

    private mutating func size(_ index: Int) throws(GitError) -> Int {
        if sizes[index] >= 0 { return sizes[index] }
        sizes[index] = try repository.blobSize(blobs[index]!)
        return sizes[index]
    }

    private mutating func spanCounts(_ index: Int) throws(GitError) -> SpanCounts {
        if let counts = counts[index] { return counts }
        let blob = blobs[index]!
        var oid = blob.oid
        var blobPointer: OpaquePointer?
        try GitError.check(git_blob_lookup(&blobPointer, repository.pointer, &oid), "reading blob \(blob.short)")
        let handle = BlobHandle(blobPointer!)
        // The content borrows from the blob: hash it before the handle goes.
        let result = withExtendedLifetime(handle) { () -> SpanCounts in
            let length = Int(git_blob_rawsize(handle.pointer))
            guard length > 0, let raw = git_blob_rawcontent(handle.pointer) else { return SpanCounts(spans: []) }
            return SpanCounts(UnsafeRawBufferPointer(start: raw, count: length))
        }
        counts[index] = result
        return result
    }
}

/// git's span hashes of a blob (`hash_chars` in diffcore-delta.c): the content cut after each
/// newline or every 64 bytes, each piece hashed into one of 107,927 values, and the bytes of all
/// pieces with the same value added up. Sorted by value, as git sorts them to compare.
struct SpanCounts: Sendable {
    /// Value in the high 32 bits, byte count in the low 32.
    let spans: [UInt64]

    init(spans: [UInt64]) { self.spans = spans }

    init(_ bytes: UnsafeRawBufferPointer) {
        // git's text test (a NUL in the first 8,000 bytes means binary): only text drops a CR before LF.
        let isText = !bytes.prefix(8000).contains(0)
        var pieces: [UInt64] = []
        pieces.reserveCapacity(bytes.count / 32 + 1)
        var accumulator1: UInt32 = 0
        var accumulator2: UInt32 = 0
        var length: UInt32 = 0
        let count = bytes.count
        var index = 0
        while index < count {
            let byte = bytes[index]
            index += 1
            if isText, byte == 0x0D, index < count, bytes[index] == 0x0A { continue }
            let previous = accumulator1
            accumulator1 = (accumulator1 << 7) ^ (accumulator2 >> 25)
            accumulator2 = (accumulator2 << 7) ^ (previous >> 25)
            accumulator1 &+= UInt32(byte)
            length += 1
            if length < 64, byte != 0x0A { continue }
            let value = (accumulator1 &+ accumulator2 &* 0x61) % 107_927
            pieces.append(UInt64(value) << 32 | UInt64(length))
            length = 0
            accumulator1 = 0
            accumulator2 = 0
        }
        // A last piece with neither a newline nor 64 bytes is not counted, as in git up to 2.43.1
        // (the git this pairs like); 2.43.2 and later count it.
        pieces.sort()
        var merged: [UInt64] = []
        merged.reserveCapacity(pieces.count)
        for piece in pieces {
            if let last = merged.last, last >> 32 == piece >> 32 {
                merged[merged.count - 1] = last + (piece & 0xFFFF_FFFF)
            } else {
                merged.append(piece)
            }
        }
        spans = merged
    }

    /// git's `src_copied`: for each value both have, the smaller byte count.
    func copied(into destination: SpanCounts) -> Int {
        // The inner loop of the rename matrix: plain buffers, no bounds checks per step.
        spans.withUnsafeBufferPointer { a in
            destination.spans.withUnsafeBufferPointer { b in
                var copied = 0
                var i = 0
                var j = 0
                while i < a.count, j < b.count {
                    let x = a[i] >> 32
                    let y = b[j] >> 32
                    if x < y {
                        i += 1
                    } else if y < x {
                        j += 1
                    } else {
                        copied += Int(min(a[i] & 0xFFFF_FFFF, b[j] & 0xFFFF_FFFF))
                        i += 1
                        j += 1
                    }
                }
                return copied
            }
        }
    }
}
