import Foundation

/// One client connection of the loopback server: the request head being read, then the bytes
/// waiting to be written. Only the server's poll thread touches it.
final class Connection {
    enum Phase {
        /// Reading the request head.
        case readingHead
        /// A live event stream: receives every publish.
        case streaming
        /// A complete answer is queued: once written, half-close and read until the client
        /// closes, so unread request bytes never turn the close into a reset that eats it.
        case answered
        /// Dropped: write what is queued (events sent before the drop), then close without
        /// the final chunk.
        case closingAfterWrite
    }

    let fd: Int32
    var phase = Phase.readingHead
    var head: [UInt8] = []
    private var output: [UInt8] = []
    private var written = 0
    var halfClosed = false

    init(fd: Int32) {
        self.fd = fd
    }

    var wantsWrite: Bool {
        written < output.count
    }

    func queue(_ bytes: [UInt8]) {
        output.append(contentsOf: bytes)
    }

    /// Queues one chunk of a `Transfer-Encoding: chunked` body.
    func queueChunk(_ bytes: [UInt8]) {
        queue(Array("\(String(bytes.count, radix: 16))\r\n".utf8))
        queue(bytes)
        queue(Array("\r\n".utf8))
    }

    /// Writes what the socket takes now; `false` when the client is gone.
    func flush() -> Bool {
        while written < output.count {
            guard let count = Socket.write(fd, output[written...]) else { return false }
            if count == 0 { return true }
            written += count
        }
        output.removeAll(keepingCapacity: true)
        written = 0
        return true
    }

    /// The request head, once the blank line that ends it has arrived.
    func completeHead() -> Request? {
        guard let end = Request.endOfHead(head) else { return nil }
        return Request(head: head[..<end])
    }
}

/// What the server reads from a request: method, path and `Last-Event-ID`.
struct Request {
    let method: String
    let path: String
    let lastEventID: String?

    /// Largest request head accepted (tether-testkit's default); larger is answered 431.
    static let maxHead = 32 * 1024

    /// The index just past the head's terminating blank line.
    static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    init(head: ArraySlice<UInt8>) {
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        method = requestLine.count > 0 ? String(requestLine[0]) : ""
        path = requestLine.count > 1 ? String(requestLine[1]) : "/"
        var lastEventID: String?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == "last-event-id" {
                lastEventID = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        self.lastEventID = lastEventID
    }

    /// The log line `tether serve` prints for a request, which the tests wait on:
    /// `GET /events last-event-id="evt-3"` (the query string cut, header values never shown).
    var logLine: String {
        let shownPath: String
        if let query = path.firstIndex(of: "?") {
            shownPath = String(path[..<query]) + "?…"
        } else {
            shownPath = path
        }
        let shownID = lastEventID.map { "\"\(Placeholders.jsonEscaped($0))\"" } ?? "-"
        return "\(method) \(shownPath) last-event-id=\(shownID)"
    }
}
