import CMariaDB

/// The MYSQL_BIND array for a statement's parameters, with every buffer it points to.
///
/// All memory is allocated by hand so that it stays at one address from `mysql_stmt_bind_param`
/// until `mysql_stmt_execute` returns; it is freed when the binding is released.
final class ParameterBinding {
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let count: Int
    private let lengths: UnsafeMutablePointer<UInt>
    private var buffers: [UnsafeMutableRawPointer] = []

    init(_ values: [DatabaseValue]) {
        count = max(values.count, 1)
        binds = .allocate(capacity: count)
        binds.initialize(repeating: MYSQL_BIND(), count: count)
        lengths = .allocate(capacity: count)
        lengths.initialize(repeating: 0, count: count)
        for (index, value) in values.enumerated() {
            bind(value, at: index)
        }
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
        binds.deinitialize(count: count)
        binds.deallocate()
        lengths.deallocate()
    }

    private func bind(_ value: DatabaseValue, at index: Int) {
        switch value {
        case .null:
            binds[index].buffer_type = MYSQL_TYPE_NULL
        case let .int(number):
            binds[index].buffer_type = MYSQL_TYPE_LONGLONG
            binds[index].buffer = store(number)
        case let .double(number):
            binds[index].buffer_type = MYSQL_TYPE_DOUBLE
            binds[index].buffer = store(number)
        case let .date(date):
            binds[index].buffer_type = MYSQL_TYPE_DATETIME
            binds[index].buffer = store(DateTimeConversion.mysqlTime(from: date))
        case let .string(text):
            binds[index].buffer_type = MYSQL_TYPE_STRING
            storeBytes(Array(text.utf8), at: index)
        case let .bytes(bytes):
            binds[index].buffer_type = MYSQL_TYPE_BLOB
            storeBytes(bytes, at: index)
        }
    }

    private func store<T>(_ value: T) -> UnsafeMutableRawPointer {
        let buffer = UnsafeMutableRawPointer.allocate(
            byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
        buffer.storeBytes(of: value, as: T.self)
        buffers.append(buffer)
        return buffer
    }

    private func storeBytes(_ bytes: [UInt8], at index: Int) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
        }
        buffers.append(buffer)
        lengths[index] = UInt(bytes.count)
        binds[index].buffer = buffer
        binds[index].buffer_length = UInt(bytes.count)
        binds[index].length = lengths + index
    }
}
