/// The Prometheus text format (0.0.4) of a pool's sums, in the order of this process's layout:
/// every series it knows, at 0 when nothing was counted yet.
enum MetricsExposition {
    static func render(_ pool: PoolMetrics, layout: MetricsLayout) -> [UInt8] {
        var text = ""
        text.reserveCapacity(64 * layout.slots.count)
        func value(_ slot: MetricsLayout.Slot) -> Int64 { pool.totals[slot.encoded] ?? 0 }
        func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func line(_ series: String, _ number: Int64) { text += "\(series) \(number)\n" }
        let fixed = { (slot: MetricsLayout.Fixed) in layout.slots[slot.rawValue] }

        family("library_http_requests_total", "counter", "Requests answered, by route and status class.")
        for route in layout.routes {
            let first = layout.requestSlots[route]!
            for index in first..<first + MetricsLayout.statusClasses.count { line(layout.slots[index].series, value(layout.slots[index])) }
        }
        family(
            "library_http_request_duration_seconds", "histogram",
            "Time from the request's arrival at a worker to its answer written, by route.")
        for route in layout.routes {
            let first = layout.requestSlots[route]! + MetricsLayout.durationOffset
            var cumulative: Int64 = 0
            for index in first...first + MetricsLayout.durationBounds.count {
                cumulative &+= value(layout.slots[index])
                line(layout.slots[index].series, cumulative)
            }
            let sum = value(layout.slots[first + MetricsLayout.durationBounds.count + 1])
            let label = MetricsLayout.escaped(route)
            text += #"library_http_request_duration_seconds_sum{route="\#(label)"} \#(MetricsLayout.seconds(UInt64(max(0, sum))))"# + "\n"
            line(#"library_http_request_duration_seconds_count{route="\#(label)"}"#, cumulative)
        }
        let counters: [(MetricsLayout.Fixed, String)] = [
            (.cacheHits, "Cached answers served."),
            (.cacheMisses, "Cacheable requests answered from the database."),
            (.cacheForgedEntries, "Entries read from memcached whose tag did not match: written by someone other than the app."),
            (.rateLimitRejections, "Requests refused with 429 by a rate limit or an account lockout."),
            (
                .rateLimitStoreFailures,
                "Requests whose rate-limit count memcached could not take (served unlimited, or refused when failing closed)."
            ),
            (.overloadRejections, "Requests refused with 503 after waiting longer than MAX_QUEUE_WAIT_MS for a worker."),
        ]
        for (slot, help) in counters {
            family(fixed(slot).series, "counter", help)
            line(fixed(slot).series, value(fixed(slot)))
        }
        family(
            "library_database_errors_total", "counter",
            "Database errors answered: unavailable (503), deadlock after its retries (503) or other (500).")
        for slot in [MetricsLayout.Fixed.databaseErrorsUnavailable, .databaseErrorsDeadlock, .databaseErrorsOther] {
            line(fixed(slot).series, value(fixed(slot)))
        }

        let threads = value(fixed(.workerThreads))
        let busy = pool.totals[MetricsLayout.Slot(kind: .gauge, series: "library_worker_threads_busy").encoded] ?? 0
        family("library_worker_threads", "gauge", "Worker threads of the live processes, busy with a request or idle.")
        line(#"library_worker_threads{state="busy"}"#, busy)
        line(#"library_worker_threads{state="idle"}"#, max(0, threads - busy))
        let gauges = [
            ("library_fastcgi_connections", "Connections the web server keeps open to the live processes."),
            ("library_database_connections", "MariaDB sessions open in the live processes (one per worker thread at most)."),
            ("library_memcached_connections", "Worker threads of the live processes holding memcached connections."),
        ]
        for (name, help) in gauges {
            family(name, "gauge", help)
            line(name, pool.totals[MetricsLayout.Slot(kind: .gauge, series: name).encoded] ?? 0)
        }
        family("library_pool_processes", "gauge", "App processes alive on this host (sharing the metrics directory).")
        line("library_pool_processes", Int64(pool.processes.count))
        family("library_process_resident_memory_bytes", "gauge", "Resident memory of each live app process.")
        for process in pool.processes { line(#"library_process_resident_memory_bytes{pid="\#(process.pid)"}"#, process.residentBytes) }
        family("library_pool_resident_memory_bytes", "gauge", "Resident memory of all live app processes together.")
        line("library_pool_resident_memory_bytes", pool.processes.reduce(0) { $0 + $1.residentBytes })
        return Array(text.utf8)
    }
}
