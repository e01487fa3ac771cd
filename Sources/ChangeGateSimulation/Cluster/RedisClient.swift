import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One Redis command over a TCP connection of its own to 127.0.0.1, with a deadline: the client
/// side of a Sentinel simulation. A socket rather than `redis-cli`: a hung master (`DEBUG SLEEP`)
/// must cost a scenario a fraction of a second, not a process started and killed each poll, and
/// `redis-cli` exits 0 on an error reply (`READONLY`).
enum RedisClient {
    /// A reply as RESP 2 gives it.
    enum Reply: Sendable, Hashable {
        case status(String)
        case error(String)
        case integer(Int)
        case bulk(String?)
        case array([Reply])

        /// The text of a status or bulk reply.
        var text: String? {
            switch self {
            case .status(let s): s
            case .bulk(let s): s
            default: nil
            }
        }
    }

    /// Runs `arguments` on 127.0.0.1:`port`; nil when it cannot connect or no reply comes within
    /// `timeout` seconds.
    static func command(_ arguments: [String], port: Int, timeout: Double = 0.5) -> Reply? {
        guard let fd = connect(port: port, timeout: timeout) else { return nil }
        defer { close(fd) }
        var request = "*\(arguments.count)\r\n"
        for argument in arguments { request += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
        guard send(fd, Array(request.utf8)) else { return nil }
        var reader = Reader(fd: fd)
        return reader.reply()
    }

    /// Sends `arguments` and does not wait for the reply: `DEBUG SLEEP` answers only when it ends.
    static func send(_ arguments: [String], port: Int) -> Bool {
        guard let fd = connect(port: port, timeout: 0.5) else { return false }
        defer { close(fd) }
        var request = "*\(arguments.count)\r\n"
        for argument in arguments { request += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
        return send(fd, Array(request.utf8))
    }

    private static func connect(port: Int, timeout: Double) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        // Loopback: a refused connection fails at once, and a listening server (even one asleep in
        // DEBUG SLEEP: the kernel completes the handshake) accepts at once, so a blocking connect
        // under the send timeout is enough.
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Reads replies from a socket, a buffer at a time.
    private struct Reader {
        let fd: Int32
        var buffer: [UInt8] = []
        var position = 0

        init(fd: Int32) { self.fd = fd }

        mutating func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }

        mutating func line() -> String? {
            while true {
                if let end = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                    var bytes = buffer[position..<end]
                    if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
                    position = end + 1
                    return String(decoding: bytes, as: UTF8.self)
                }
                guard fill() else { return nil }
            }
        }

        mutating func bytes(_ count: Int) -> String? {
            while buffer.count - position < count + 2 { guard fill() else { return nil } }
            let text = String(decoding: buffer[position..<position + count], as: UTF8.self)
            position += count + 2
            return text
        }

        mutating func reply() -> Reply? {
            guard let line = line(), let kind = line.first else { return nil }
            let rest = String(line.dropFirst())
            switch kind {
            case "+": return .status(rest)
            case "-": return .error(rest)
            case ":": return Int(rest).map(Reply.integer)
            case "$":
                guard let count = Int(rest) else { return nil }
                if count < 0 { return .bulk(nil) }
                return bytes(count).map { .bulk($0) }
            case "*":
                guard let count = Int(rest) else { return nil }
                var items: [Reply] = []
                for _ in 0..<max(0, count) {
                    guard let item = reply() else { return nil }
                    items.append(item)
                }
                return .array(items)
            default: return nil
            }
        }
    }
}
