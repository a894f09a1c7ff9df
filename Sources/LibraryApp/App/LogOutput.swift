public import Foundation
import Glibc

/// Where log lines go: a file descriptor (standard error), written either line by line or
/// through a buffer written out when it fills and, by a `LogFlusher`, at least every flush
/// interval — as nginx's `access_log ... buffer= flush=`. A server gives each worker thread an
/// output of its own, so the access line of each request costs neither a `write(2)` nor a lock
/// that other threads wait on. Lines at `warning` and above are written at once, with the
/// lines buffered before them.
public final class LogOutput: Sendable {
    private let fileDescriptor: Int32
    private let buffer = Locked<[UInt8]>([])  // the owner thread's, and the flusher's now and then
    private let capacity: Int
    /// One write at a time for the whole process: a flush may exceed PIPE_BUF, and two at once
    /// could interleave in a pipe (journald, a log shipper).
    private static let writing = NSLock()

    /// Unbuffered: each line is written when it is logged (commands that run and exit).
    public static let standardError = LogOutput(fileDescriptor: STDERR_FILENO, bufferBytes: 0)

    public init(fileDescriptor: Int32, bufferBytes: Int) {
        self.fileDescriptor = fileDescriptor
        capacity = bufferBytes
    }

    func write(_ line: [UInt8], urgent: Bool) {
        guard capacity > 0 else { return writeAll(line) }  // unbuffered: the line itself, no copy
        writeLine(urgent: urgent) { $0.append(contentsOf: line) }
    }

    /// Writes the line `build` appends to the bytes it is given: straight into the buffer when
    /// there is one (no line of its own made and copied), else into a new line written at once.
    func writeLine(urgent: Bool, _ build: (inout [UInt8]) -> Void) {
        guard capacity > 0 else {
            var line: [UInt8] = []
            line.reserveCapacity(160)
            build(&line)
            return writeAll(line)
        }
        let full: [UInt8]? = buffer.withLock { pending in
            if pending.capacity == 0 { pending.reserveCapacity(capacity + 512) }
            build(&pending)
            guard urgent || pending.count >= capacity else { return nil }
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if let full { writeAll(full) }
    }

    /// Writes out whatever is buffered.
    public func flush() {
        let pending: [UInt8] = buffer.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if !pending.isEmpty { writeAll(pending) }
    }

    private func writeAll(_ bytes: [UInt8]) {
        Self.writing.withLock { write(bytes) }
    }

    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }
}

/// Flushes the buffered outputs it made, every `interval` seconds, on a thread of its own.
public final class LogFlusher: Sendable {
    private let outputs = Locked<[LogOutput]>([])

    public init(every interval: Double) {
        let thread = Thread { [self] in
            // Signals are for the server's own threads (it waits for shutdown with sigwait).
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
            while true {
                Thread.sleep(forTimeInterval: interval)
                flushAll()
            }
        }
        thread.name = "log-flusher"
        thread.start()
    }

    /// A buffered output to standard error, or another descriptor (one per worker thread).
    public func makeOutput(fileDescriptor: Int32 = STDERR_FILENO, bufferBytes: Int = 32 << 10) -> LogOutput {
        let output = LogOutput(fileDescriptor: fileDescriptor, bufferBytes: bufferBytes)
        outputs.withLock { $0.append(output) }
        return output
    }

    public func flushAll() {
        for output in outputs.withLock({ $0 }) { output.flush() }
    }
}
