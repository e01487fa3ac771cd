import ChangeGate
import Foundation
import Testing

/// ChangeGate's TOML reader against Python's `tomllib` (TOML 1.0.0): the same tree — keys in the same
/// order, the same types and values — for valid documents, and an error for invalid ones.
@Suite("TOML reader vs Python tomllib")
struct TOMLDifferentialTests {
    @Test("valid documents read as tomllib reads them, keys in document order")
    func validDocuments() throws {
        #expect(TOMLDocuments.valid.count >= 60)
        let results = try TomllibOracle.read(TOMLDocuments.valid.map(\.text))
        for (index, document) in TOMLDocuments.valid.enumerated() {
            guard case .tree(let expected) = results[index] else {
                Issue.record("\(document.name): tomllib rejects it: \(results[index])")
                continue
            }
            do {
                let parsed = try ConfigReader().read(Array(document.text.utf8), path: "valid.toml")
                let ours = TOMLShape(parsed.documents[0])
                #expect(ours == expected, "\(document.name):\n ours:    \(ours)\n tomllib: \(expected)")
            } catch {
                Issue.record("\(document.name): rejected: \(error)")
            }
        }
    }

    @Test("invalid documents are rejected by both, at the line of the mistake")
    func invalidDocuments() throws {
        #expect(TOMLDocuments.invalid.count >= 40)
        let results = try TomllibOracle.read(TOMLDocuments.invalid.map(\.text))
        for (index, document) in TOMLDocuments.invalid.enumerated() {
            switch results[index] {
            case .tree: Issue.record("\(document.name): tomllib accepts it")
            case .error(let line?, _): #expect(line == document.line, "\(document.name): tomllib says line \(line)")
            case .error(nil, _): break  // "at end of document"
            }
            guard let error = readError(document.text, .toml) else {
                Issue.record("\(document.name): accepted")
                continue
            }
            #expect(error.kind == .syntax, "\(document.name): \(error)")
            #expect(error.position?.line == document.line, "\(document.name): \(error)")
        }
    }
}

/// A TOML tree as both sides can write it: tables with their keys in order, arrays, and typed
/// scalars (dates and times as ChangeGate's strings, floats in ChangeGate's spelling).
indirect enum TOMLShape: Equatable, CustomStringConvertible {
    struct Entry: Equatable {
        var key: String
        var value: TOMLShape
    }

    case table([Entry])
    case array([TOMLShape])
    case scalar(type: String, text: String)

    init(_ node: ConfigNode) {
        switch node.value {
        case .map(let map): self = .table(map.entries.map { Entry(key: $0.key, value: TOMLShape($0.node)) })
        case .list(let items): self = .array(items.map(TOMLShape.init))
        case .string(let s): self = .scalar(type: "string", text: s)
        case .integer(let i): self = .scalar(type: "integer", text: String(i))
        case .float, .bool, .null: self = .scalar(type: node.value.typeName, text: node.value.scalarText ?? "")
        }
    }

    var description: String {
        switch self {
        case .table(let entries):
            "{" + entries.map { "\($0.key.debugDescription): \($0.value)" }.joined(separator: ", ") + "}"
        case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .scalar(let type, let text): "\(type) \(text.debugDescription)"
        }
    }
}

/// Python's `tomllib`, run once over many documents.
enum TomllibOracle {
    enum Result: CustomStringConvertible {
        case tree(TOMLShape)
        case error(line: Int?, message: String)

        var description: String {
            switch self {
            case .tree(let tree): "\(tree)"
            case .error(let line, let message): "error at line \(line.map(String.init) ?? "?"): \(message)"
            }
        }
    }

    /// Writes dates and times as ChangeGate does (`T`, `Z` for a zero offset, fractions without
    /// trailing zeros); tables as lists of pairs, so that their order survives.
    private static let script = #"""
        import datetime, json, re, sys, tomllib

        def fraction(us):
            return "." + ("%06d" % us).rstrip("0") if us else ""

        def time_text(t):
            return "%02d:%02d:%02d" % (t.hour, t.minute, t.second) + fraction(t.microsecond)

        def shape(v):
            if isinstance(v, bool):
                return {"type": "bool", "text": "true" if v else "false"}
            if isinstance(v, int):
                return {"type": "integer", "text": str(v)}
            if isinstance(v, float):
                return {"type": "float", "text": repr(v)}
            if isinstance(v, str):
                return {"type": "string", "text": v}
            if isinstance(v, datetime.datetime):
                text = v.date().isoformat() + "T" + time_text(v.time())
                if v.tzinfo is not None:
                    minutes = int(v.utcoffset().total_seconds()) // 60
                    sign = "+" if minutes > 0 else "-"
                    text += "Z" if minutes == 0 else "%s%02d:%02d" % (sign, abs(minutes) // 60, abs(minutes) % 60)
                return {"type": "string", "text": text}
            if isinstance(v, datetime.date):
                return {"type": "string", "text": v.isoformat()}
            if isinstance(v, datetime.time):
                return {"type": "string", "text": time_text(v)}
            if isinstance(v, list):
                return {"array": [shape(x) for x in v]}
            if isinstance(v, dict):
                return {"table": [[k, shape(x)] for k, x in v.items()]}
            raise TypeError(type(v).__name__)

        for path in sys.argv[1:]:
            try:
                with open(path, "rb") as f:
                    result = {"ok": True, "tree": shape(tomllib.load(f))}
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
                line = re.search(r"line (\d+)", str(e))
                result = {"ok": False, "line": int(line.group(1)) if line else None, "error": str(e)}
            print(json.dumps(result))
        """#

    static func read(_ documents: [String]) throws -> [Result] {
        let directory = try Paths.temporaryDirectory("tomllib")
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (index, text) in documents.enumerated() {
            let url = directory.appendingPathComponent(String(format: "%03d.toml", index))
            try Data(text.utf8).write(to: url)
            paths.append(url.path)
        }
        let output = try Shell.check(["python3", "-c", script] + paths)
        let lines = output.split(separator: "\n")
        guard lines.count == documents.count else {
            throw Shell.Failure(
                command: "python3 tomllib", result: Shell.Result(status: 0, stdout: output, stderr: "line count"))
        }
        return try lines.map { line in
            let parsed = try ConfigReader().read(Array(line.utf8), path: "tomllib-output.json")
            guard case .map(let object) = parsed.documents[0].value else { return .error(line: nil, message: "?") }
            if case .bool(true)? = object["ok"]?.value, let tree = object["tree"] {
                return .tree(shape(tree))
            }
            let line: Int? = if case .integer(let n)? = object["line"]?.value { n } else { nil }
            return .error(line: line, message: object["error"]?.value.scalarText ?? "")
        }
    }

    /// The script's JSON back into a ``TOMLShape``; floats respelled as ChangeGate spells them.
    private static func shape(_ node: ConfigNode) -> TOMLShape {
        guard case .map(let object) = node.value else { return .scalar(type: "invalid", text: "") }
        if case .list(let pairs)? = object["table"]?.value {
            return .table(
                pairs.map { pair in
                    guard case .list(let kv) = pair.value, kv.count == 2, case .string(let key) = kv[0].value else {
                        return TOMLShape.Entry(key: "?", value: .scalar(type: "invalid", text: ""))
                    }
                    return TOMLShape.Entry(key: key, value: shape(kv[1]))
                })
        }
        if case .list(let items)? = object["array"]?.value { return .array(items.map(shape)) }
        guard case .string(let type)? = object["type"]?.value, case .string(let text)? = object["text"]?.value else {
            return .scalar(type: "invalid", text: "")
        }
        if type == "float", let value = Double(text) {
            return .scalar(type: "float", text: ConfigValue.float(value).scalarText!)
        }
        return .scalar(type: type, text: text)
    }
}
