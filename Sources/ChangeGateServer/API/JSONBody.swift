import Foundation
import Hummingbird

/// JSON answers: keys sorted, one line, a newline at the end (as the CLI's JSON ends).
enum JSONBody {
    static func response(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return text(String(decoding: data, as: UTF8.self) + "\n", status: status)
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok, type: String = "application/json")
        -> Response
    {
        Response(
            status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ message: String, status: HTTPResponse.Status) -> Response {
        response(["error": message], status: status)
    }
}
