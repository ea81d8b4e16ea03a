import Darwin

/// Thin wrappers over the POSIX calls the loopback server makes: non-blocking sockets on
/// 127.0.0.1, a wake-up pipe for its poll loop, reads and writes that report "would block"
/// instead of waiting. Every descriptor is non-blocking: one thread serves every connection.
enum Socket {
    struct Failure: Error, CustomStringConvertible {
        let description: String

        init(_ call: String) {
            description = "\(call) failed: \(String(cString: strerror(errno)))"
        }
    }

    /// A listening TCP socket on 127.0.0.1 with a port the system picks.
    static func listenOnLoopback() throws -> Int32 {
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        guard fd >= 0 else { throw Failure("socket") }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr = in_addr(s_addr: in_addr_t(0x7f00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let failure = Failure("bind/listen on 127.0.0.1")
            close(fd)
            throw failure
        }
        try makeNonBlocking(fd)
        return fd
    }

    /// The port a socket is bound to.
    static func port(of fd: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(fd, $0, &length)
            }
        }
        guard result == 0 else { throw Failure("getsockname") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// The next pending connection, non-blocking and without SIGPIPE (a write to a client that
    /// went away must fail with EPIPE, not kill the test process); `nil` when none is waiting.
    static func accept(_ listener: Int32) -> Int32? {
        let fd = Darwin.accept(listener, nil, nil)
        guard fd >= 0 else { return nil }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
        do {
            try makeNonBlocking(fd)
        } catch {
            close(fd)
            return nil
        }
        return fd
    }

    /// A pipe whose read end wakes the poll loop. Both ends non-blocking.
    static func wakePipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw Failure("pipe") }
        try makeNonBlocking(ends[0])
        try makeNonBlocking(ends[1])
        return (ends[0], ends[1])
    }

    enum ReadResult {
        case bytes(Int)
        case wouldBlock
        /// The peer closed its side, or the socket failed.
        case closed
    }

    static func read(_ fd: Int32, into buffer: inout [UInt8]) -> ReadResult {
        let count = buffer.withUnsafeMutableBytes { Darwin.read(fd, $0.baseAddress, $0.count) }
        if count > 0 { return .bytes(count) }
        if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return .wouldBlock
        }
        return .closed
    }

    /// Writes what the socket takes now: the byte count, 0 when it would block, `nil` when the
    /// peer is gone.
    static func write(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Int? {
        let count = bytes.withUnsafeBytes { Darwin.write(fd, $0.baseAddress, $0.count) }
        if count >= 0 { return count }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return 0 }
        return nil
    }

    private static func makeNonBlocking(_ fd: Int32) throws {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw Failure("fcntl(O_NONBLOCK)")
        }
    }
}
