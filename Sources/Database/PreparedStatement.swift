import CMariaDB

extension RowColumns {
    /// Whether `fields` have these names, in this order, compared without making strings.
    func matches(fields: UnsafeMutablePointer<MYSQL_FIELD>, count: Int) -> Bool {
        guard count == names.count else { return false }
        for index in 0..<count {
            let name = UnsafeRawBufferPointer(start: fields[index].name, count: Int(fields[index].name_length))
            guard names[index].utf8.elementsEqual(name) else { return false }
        }
        return true
    }
}

/// One server-side prepared statement, owned by a connection's statement cache.
final class PreparedStatement {
    /// Tells the connection whether a failure happened before the server could have run the
    /// statement, which decides whether a write may be retried on a fresh connection.
    struct Failure: Error {
        let error: DatabaseError
        let serverMayHaveRun: Bool
    }

    private let handle: UnsafeMutablePointer<MYSQL_STMT>
    let parameterCount: Int
    /// The last result's column names and binding, kept for the next execution while its
    /// columns stay the same: names and buffers are made once per statement, not per query.
    private var resultColumns: RowColumns?
    private var resultBinding: ResultBinding?
    /// Filled again for each execution: its buffers are made once per statement.
    private let parameterBinding: ParameterBinding

    init(connection: UnsafeMutablePointer<MYSQL>, sql: String) throws(DatabaseError) {
        guard let handle = mysql_stmt_init(connection) else {
            throw DatabaseError.classify(code: Int(mysql_errno(connection)), message: String(cString: mysql_error(connection)))
        }
        // Makes mysql_stmt_store_result compute each column's max_length, which sizes the buffers.
        var updateMaxLength: my_bool = 1
        mysql_stmt_attr_set(handle, STMT_ATTR_UPDATE_MAX_LENGTH, &updateMaxLength)
        let status = sql.utf8CString.withUnsafeBufferPointer { text in
            mysql_stmt_prepare(handle, text.baseAddress, UInt(text.count - 1))
        }
        guard status == 0 else {
            let error = Self.error(of: handle)
            mysql_stmt_close(handle)
            throw error
        }
        self.handle = handle
        parameterCount = Int(mysql_stmt_param_count(handle))
        parameterBinding = ParameterBinding(count: parameterCount)
    }

    /// Safe after `mysql_close`: Connector/C detaches its statements, and closing then only frees.
    deinit { mysql_stmt_close(handle) }

    /// Runs the statement; returns its rows, if it has a result set, when `collectRows` is set
    /// (otherwise a result set is drained and dropped).
    func run(_ parameters: [DatabaseValue], collectRows: Bool) throws(Failure) -> (rows: [Row], affectedRows: Int, lastInsertID: Int) {
        guard parameters.count == parameterCount else {
            throw Failure(
                error: .misuse("statement takes \(parameterCount) parameters, \(parameters.count) given"),
                serverMayHaveRun: false)
        }
        parameterBinding.set(parameters)
        defer { parameterBinding.releaseLargeBuffers() }
        if parameterCount > 0, mysql_stmt_bind_param(handle, parameterBinding.binds) != 0 {
            throw Failure(error: Self.error(of: handle), serverMayHaveRun: false)
        }
        if mysql_stmt_execute(handle) != 0 {
            let code = Int(mysql_stmt_errno(handle))
            // 2006: the request could not be sent. 1927: the server had already killed the
            // session and says so before reading the request. Neither ran the statement.
            let notRun = code == Int(CR_SERVER_GONE_ERROR) || code == Int(ER_CONNECTION_KILLED)
            throw Failure(error: Self.error(of: handle), serverMayHaveRun: !notRun)
        }
        let affectedRows = Int(truncatingIfNeeded: mysql_stmt_affected_rows(handle))
        let lastInsertID = Int(truncatingIfNeeded: mysql_stmt_insert_id(handle))
        let columnCount = Int(mysql_stmt_field_count(handle))
        guard columnCount > 0 else { return ([], affectedRows, lastInsertID) }

        do {
            let rows = try fetchAll(columnCount: columnCount, collect: collectRows)
            try drainFurtherResults()
            return (rows, affectedRows, lastInsertID)
        } catch {
            throw Failure(error: error, serverMayHaveRun: true)
        }
    }

    /// A `CALL` answers its procedure's result sets and then a status of its own: every one
    /// must be read before the session takes another command. Only the first set is kept;
    /// an error the procedure raised after it arrives here.
    private func drainFurtherResults() throws(DatabaseError) {
        while mysql_stmt_more_results(handle) != 0 {
            let status = mysql_stmt_next_result(handle)
            if status == -1 { return }
            guard status == 0 else { throw Self.error(of: handle) }
            if mysql_stmt_field_count(handle) > 0 {
                _ = try fetchAll(columnCount: Int(mysql_stmt_field_count(handle)), collect: false)
            }
        }
    }

    private func fetchAll(columnCount: Int, collect: Bool) throws(DatabaseError) -> [Row] {
        defer { mysql_stmt_free_result(handle) }
        guard mysql_stmt_store_result(handle) == 0 else { throw Self.error(of: handle) }
        guard collect else { return [] }
        guard let metadata = mysql_stmt_result_metadata(handle) else { throw Self.error(of: handle) }
        defer { mysql_free_result(metadata) }
        guard let fields = mysql_fetch_fields(metadata) else { throw Self.error(of: handle) }

        let (columns, binding) = resultShape(fields: fields, count: columnCount)
        defer {
            if !binding.isWorthKeeping {
                resultColumns = nil
                resultBinding = nil
            }
        }
        guard mysql_stmt_bind_result(handle, binding.binds) == 0 else { throw Self.error(of: handle) }

        var values: [DatabaseValue] = []
        values.reserveCapacity(Int(mysql_stmt_num_rows(handle)) * columnCount)
        while true {
            let status = mysql_stmt_fetch(handle)
            if status == MYSQL_NO_DATA { break }
            guard status == 0 || status == MYSQL_DATA_TRUNCATED else { throw Self.error(of: handle) }
            try binding.appendCurrentRow(to: &values, statement: handle)
        }
        let result = ResultValues(values)
        return stride(from: 0, to: values.count, by: columnCount).map { Row(columns: columns, result: result, start: $0) }
    }

    /// The kept names and binding when this result's columns are the same (names and kinds),
    /// its buffers grown where a value is longer; else new ones, kept for next time.
    private func resultShape(
        fields: UnsafeMutablePointer<MYSQL_FIELD>, count: Int
    ) -> (RowColumns, ResultBinding) {
        if let columns = resultColumns, let binding = resultBinding,
            columns.matches(fields: fields, count: count), binding.fits(fields: fields, count: count)
        {
            binding.grow(to: fields)
            return (columns, binding)
        }
        let columns = RowColumns(names: (0..<count).map { String(cString: fields[$0].name) })
        let binding = ResultBinding(fields: fields, count: count)
        resultColumns = columns
        resultBinding = binding
        return (columns, binding)
    }

    static func error(of statement: UnsafeMutablePointer<MYSQL_STMT>) -> DatabaseError {
        DatabaseError.classify(
            code: Int(mysql_stmt_errno(statement)), message: String(cString: mysql_stmt_error(statement)))
    }
}
