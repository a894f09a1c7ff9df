import Foundation
import Glibc
import Synchronization

/// What one scrape sees of the whole pool on this host: every process file in the metrics
/// directory added up. Counters include dead processes (their files are kept, then folded into
/// the `archive` file), so a sum never goes down when a process dies or restarts; gauges come
/// from live processes only.
///
/// A scrape holds the directory's lock (`flock` on `.lock`) from first read to last: two
/// scrapes at once would otherwise see a dead file both before and after it was folded into
/// the archive. Scrapes are rare (seconds apart), so the lock costs nothing on the request path.
struct PoolMetrics {
    /// Summed by series (`MetricsLayout.Slot.encoded`).
    var totals: [String: Int64] = [:]
    /// Per live process: its pid and resident memory in bytes.
    var processes: [(pid: Int32, residentBytes: Int64)] = []

    static let archiveName = "archive"

    /// The files of every process, or this process's slots alone without a directory.
    static func collect(own: MetricsFile, directory: String?) -> PoolMetrics {
        var pool = PoolMetrics()
        guard let directory else {
            pool.add(layout: own.layout, live: true) { own.value(at: $0) }
            pool.processes.append((getpid(), residentBytes(of: getpid())))
            return pool
        }
        let lock = open("\(directory)/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer { if lock >= 0 { close(lock) } }  // closing releases the lock

        var archive = Archive.read(from: "\(directory)/\(archiveName)")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(MetricsFile.suffix) }.sorted()
        var dead: [String] = []
        for name in names {
            let path = "\(directory)/\(name)"
            if archive.merged.contains(name) {
                unlink(path)  // folded in already; a scrape died before removing it
                continue
            }
            guard let file = MappedFile(path: path) else { continue }
            if file.isLive {
                pool.add(series: file.series, live: true) { file.value(at: $0) }
                pool.processes.append((file.pid, residentBytes(of: file.pid)))
            } else {
                archive.add(series: file.series) { file.value(at: $0) }
                dead.append(name)
            }
        }
        if !dead.isEmpty {
            // The archive names the files it holds before they go: a crash between the two
            // steps leaves a file that the next scrape removes instead of counting twice.
            archive.merged = archive.merged.filter(names.contains).union(dead)
            if archive.write(to: "\(directory)/\(archiveName)") {
                for name in dead { unlink("\(directory)/\(name)") }
            }
        }
        for (series, value) in archive.values { pool.totals[series, default: 0] &+= value }
        return pool
    }

    private mutating func add(layout: MetricsLayout, live: Bool, value: (Int) -> UInt64) {
        add(series: layout.slots.map(\.encoded), live: live, value: value)
    }

    private mutating func add(series: [String], live: Bool, value: (Int) -> UInt64) {
        for (index, name) in series.enumerated() where Self.counts(name, live: live) {
            totals[name, default: 0] &+= Int64(bitPattern: value(index))
        }
    }

    static func counts(_ encoded: String, live: Bool) -> Bool {
        switch encoded.first.flatMap(MetricsLayout.Kind.init(rawValue:)) {
        case .counter, .bucket, .nanoseconds: true
        case .gauge: live
        case .padding, nil: false
        }
    }

    /// Resident memory of a process, from `/proc/PID/statm` (0 if it is gone).
    static func residentBytes(of pid: Int32) -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int64(fields[1]) else { return 0 }
        return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// Another process's file (or our own, read again), mapped read-only for one scrape.
private final class MappedFile {
    let series: [String]
    let pid: Int32
    /// Whether its process still holds its lock.
    let isLive: Bool
    private let base: UnsafeMutableRawPointer
    private let size: Int
    private let slots: UnsafeMutablePointer<Atomic<UInt64>>

    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size >= MetricsFile.headerBytes,
            let mapped = mmap(nil, Int(status.st_size), PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED
        else { return nil }
        let size = Int(status.st_size)
        func uint32(at offset: Int) -> Int { Int(UInt32(littleEndian: mapped.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        let header = UnsafeRawBufferPointer(start: mapped, count: MetricsFile.headerBytes)
        let namesBytes = uint32(at: 8), count = uint32(at: 12)
        let slotsOffset = MetricsFile.slotsOffset(namesBytes: namesBytes)
        guard Array(header.prefix(8)) == MetricsFile.magic, slotsOffset + count * 8 <= size else {
            munmap(mapped, size)
            return nil
        }
        let names = String(decoding: UnsafeRawBufferPointer(start: mapped + MetricsFile.headerBytes, count: namesBytes), as: UTF8.self)
        let series = names.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard series.count == count else {
            munmap(mapped, size)
            return nil
        }
        self.series = series
        pid = Int32(bitPattern: UInt32(uint32(at: 16)))
        base = mapped
        self.size = size
        slots = UnsafeMutableRawPointer(mapped + slotsOffset).bindMemory(to: Atomic<UInt64>.self, capacity: count)
        // A lock we can take is a lock nobody holds: the process is gone. Ours (on another open
        // file description) conflicts with it too, so this process's own file counts as live.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            isLive = false
            flock(fd, LOCK_UN)
        } else {
            isLive = true
        }
    }

    deinit { munmap(base, size) }

    func value(at index: Int) -> UInt64 {
        slots[index].load(ordering: .relaxed)
    }
}

/// The counters of processes that are gone, folded into one small text file:
/// `merged NAME` for each file already added, then `VALUE SERIES` lines.
private struct Archive {
    var merged: Set<String> = []
    var values: [String: Int64] = [:]

    static func read(from path: String) -> Archive {
        var archive = Archive()
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return archive }
        for line in text.split(separator: "\n") {
            if line.hasPrefix("merged ") {
                archive.merged.insert(String(line.dropFirst(7)))
            } else if let space = line.firstIndex(of: " "), let value = Int64(line[..<space]) {
                archive.values[String(line[line.index(after: space)...]), default: 0] &+= value
            }
        }
        return archive
    }

    mutating func add(series: [String], value: (Int) -> UInt64) {
        for (index, name) in series.enumerated() where PoolMetrics.counts(name, live: false) {
            values[name, default: 0] &+= Int64(bitPattern: value(index))
        }
    }

    /// Written to a temporary file and renamed over the old one: a reader sees one or the other.
    func write(to path: String) -> Bool {
        var text = merged.sorted().map { "merged \($0)\n" }.joined()
        for (series, value) in values.sorted(by: { $0.key < $1.key }) { text += "\(value) \(series)\n" }
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else { return false }
        return rename(temporary, path) == 0
    }
}
