import Darwin
import Dispatch
import Foundation

/// A scripted HTTP/1.1 SSE server on 127.0.0.1 playing a scenario: the Swift twin of
/// tether-testkit's server behind `tether serve`, which the Kotlin suite starts as a process
/// (the iOS simulator cannot start processes, so this suite serves in-process).
///
/// The same behaviour, for the actions the scenarios use: the truth is an append-only event
/// log; a stream request gets the events after its `Last-Event-ID` (its newest occurrence in
/// the log), or the whole log when the id is unknown or absent, then live events, in log
/// order, as chunks of a `text/event-stream` response. A `status` step answers the next
/// request instead of a stream. A `drop` closes every open stream abruptly, after the events
/// queued before it. Every answer carries `Connection: close`.
///
/// One thread does everything (accept, read, write, the scenario's clock) with `poll`, so the
/// server adds exactly one thread to the test process however many clients come and go: the
/// thread-count test counts this process's threads.
final class SSEServer: @unchecked Sendable {
    // @unchecked: everything below `port` is touched only by the poll thread, except `stopping`
    // (behind its lock) and the wake pipe's write end (a write is atomic).
    let port: UInt16
    private let listener: Int32
    private let wake: (read: Int32, write: Int32)
    private let stopping = LockedFlag()
    private let stopped = DispatchSemaphore(value: 0)
    private let onRequest: @Sendable (String) -> Void

    private var player: ScenarioPlayer
    private var connections: [Int32: Connection] = [:]
    private var log: [(id: String, wire: [UInt8])] = []
    private var plans: [Scenario.Action] = []

    /// Binds the port; call `start()` to serve. `onRequest` gets each request's log line, on
    /// the poll thread.
    init(scenario: Scenario, onRequest: @escaping @Sendable (String) -> Void) throws {
        let fd = try Socket.listenOnLoopback()
        do {
            port = try Socket.port(of: fd)
            wake = try Socket.wakePipe()
        } catch {
            close(fd)
            throw error
        }
        listener = fd
        player = ScenarioPlayer(scenario)
        self.onRequest = onRequest
    }

    func start() {
        let thread = Thread { [self] in
            serve()
            stopped.signal()
        }
        thread.name = "tether-test-server-\(port)"
        thread.start()
    }

    /// Stops serving and closes every socket; returns once the poll thread has closed them.
    func stop() {
        guard stopping.set() else { return }
        var byte: UInt8 = 1
        _ = Darwin.write(wake.write, &byte, 1)
        stopped.wait()
    }

    // MARK: - The poll loop

    private func serve() {
        defer { closeEverything() }
        player.start(at: now())
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        while !stopping.isSet {
            playDueSteps()
            let polled = Array(connections.values)
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            for connection in polled {
                let events = connection.wantsWrite ? POLLIN | POLLOUT : POLLIN
                fds.append(pollfd(fd: connection.fd, events: Int16(events), revents: 0))
            }
            let ready = poll(&fds, nfds_t(fds.count), player.millisecondsToNextStep(at: now()))
            if ready < 0 && errno != EINTR { return }
            if ready <= 0 { continue }
            if fds[1].revents != 0 {
                while case .bytes = Socket.read(wake.read, into: &scratch) {}
            }
            if fds[0].revents & Int16(POLLIN) != 0 {
                while let fd = Socket.accept(listener) {
                    connections[fd] = Connection(fd: fd)
                }
            }
            for (index, connection) in polled.enumerated() {
                // Closed meanwhile (a drop, an earlier error): its descriptor may be reused.
                guard connections[connection.fd] === connection else { continue }
                service(connection, revents: fds[index + 2].revents, scratch: &scratch)
            }
        }
    }

    private func service(_ connection: Connection, revents: Int16, scratch: inout [UInt8]) {
        if revents & Int16(POLLNVAL | POLLERR) != 0 {
            return disconnect(connection)
        }
        if revents & Int16(POLLIN | POLLHUP) != 0 {
            readLoop: while true {
                switch Socket.read(connection.fd, into: &scratch) {
                case .bytes(let count):
                    // After the head, whatever the client sends is ignored (as the testkit does).
                    if connection.phase == .readingHead {
                        connection.head.append(contentsOf: scratch[0..<count])
                    }
                case .wouldBlock:
                    break readLoop
                case .closed:
                    return disconnect(connection)
                }
            }
            if connection.phase == .readingHead {
                if let request = connection.completeHead() {
                    answer(connection, request)
                } else if connection.head.count > Request.maxHead {
                    respond(connection, status: 431, headers: [], body: "request head too large\n")
                }
            }
        }
        write(connection)
    }

    /// Writes what is queued, then does what the connection's phase asks once all is out.
    private func write(_ connection: Connection) {
        guard connection.flush() else { return disconnect(connection) }
        guard !connection.wantsWrite else { return }
        switch connection.phase {
        case .answered where !connection.halfClosed:
            connection.halfClosed = true
            shutdown(connection.fd, SHUT_WR)
        case .closingAfterWrite:
            disconnect(connection)
        default:
            break
        }
    }

    private func disconnect(_ connection: Connection) {
        close(connection.fd)
        connections[connection.fd] = nil
    }

    private func closeEverything() {
        for connection in connections.values {
            close(connection.fd)
        }
        connections = [:]
        close(listener)
        close(wake.read)
        close(wake.write)
    }

    // MARK: - Requests

    private func answer(_ connection: Connection, _ request: Request) {
        onRequest(request.logLine)
        let plan = plans.isEmpty ? nil : plans.removeFirst()
        switch plan {
        case .status(let code, let headers, let body)?:
            respond(connection, status: code, headers: headers, body: body, headOnly: request.method == "HEAD")
        default:
            openStream(connection, request)
        }
    }

    /// A complete answer: `Content-Length` body (none for 1xx, 204 and 304), then half-close.
    private func respond(_ connection: Connection, status: Int, headers: [Scenario.Header], body: String, headOnly: Bool = false) {
        let bodiless = status < 200 || status == 204 || status == 304
        var fields: [Scenario.Header] = []
        let named = { (name: String) in headers.contains { $0.name.lowercased() == name } }
        if !bodiless && !named("content-type") {
            fields.append(Scenario.Header(name: "Content-Type", value: "text/plain; charset=utf-8"))
        }
        if !bodiless && !named("content-length") {
            fields.append(Scenario.Header(name: "Content-Length", value: String(body.utf8.count)))
        }
        fields += headers
        fields.append(Scenario.Header(name: "Connection", value: "close"))
        connection.queue(SSEServer.head(status: status, fields))
        if !bodiless && !headOnly {
            connection.queue(Array(body.utf8))
        }
        connection.phase = .answered
    }

    /// Registers a live stream and queues its replay in the same step, so no publish can fall
    /// between the two.
    private func openStream(_ connection: Connection, _ request: Request) {
        connection.queue(SSEServer.head(status: 200, [
            Scenario.Header(name: "Content-Type", value: "text/event-stream"),
            Scenario.Header(name: "Cache-Control", value: "no-cache"),
            Scenario.Header(name: "Transfer-Encoding", value: "chunked"),
            Scenario.Header(name: "Connection", value: "close"),
        ]))
        if request.method == "HEAD" {
            connection.phase = .answered
            return
        }
        var start = 0
        if let wanted = request.lastEventID, let found = log.lastIndex(where: { $0.id == wanted }) {
            start = found + 1
        }
        for entry in log[start...] {
            connection.queueChunk(entry.wire)
        }
        connection.phase = .streaming
    }

    private static func head(status: Int, _ fields: [Scenario.Header]) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(reason(status))\r\n"
        for field in fields {
            text += "\(oneLine(field.name)): \(oneLine(field.value))\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    private static func oneLine(_ s: String) -> String {
        s.filter { $0 != "\r" && $0 != "\n" && $0 != "\r\n" }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 204: return "No Content"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }

    // MARK: - The scenario

    private func playDueSteps() {
        let clock = now()
        while let due = player.nextDueStep(at: clock) {
            let step = due.step
            switch step.action {
            case .publish(let event, let id, let data):
                publish(event: event, idTemplate: id, data: data, iteration: due.pass)
            case .drop:
                for connection in connections.values where connection.phase == .streaming {
                    connection.phase = .closingAfterWrite
                    write(connection)
                }
            case .status:
                plans.append(step.action)
            }
        }
    }

    private func publish(event: String?, idTemplate: String?, data: Scenario.Payload, iteration: UInt64) {
        let seq = UInt64(log.count + 1)
        let nowMs = player.timestampMs(at: now())
        let base = Placeholders(id: String(seq), seq: seq, iteration: iteration, nowMs: nowMs)
        let id = idTemplate.map { base.text($0) } ?? String(seq)
        let values = Placeholders(id: id, seq: seq, iteration: iteration, nowMs: nowMs)
        let payload: String
        switch data {
        case .text(let text): payload = values.text(text)
        case .json(let json): payload = values.json(json)
        }
        let wire = encodeEvent(id: id, event: event, data: payload)
        log.append((id: id, wire: wire))
        for connection in connections.values where connection.phase == .streaming {
            connection.queueChunk(wire)
            write(connection)
        }
    }

    private func now() -> UInt64 {
        DispatchTime.now().uptimeNanoseconds
    }
}
