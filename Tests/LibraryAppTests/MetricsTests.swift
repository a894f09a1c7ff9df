import Foundation
import Glibc
import Testing
@testable import LibraryApp

@Suite struct MetricsTests {
    private func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "library-metrics-\(UUID().uuidString)"
        mkdir(path, 0o755)
        return path
    }

    private func text(_ pool: PoolMetrics, _ layout: MetricsLayout) -> String {
        String(decoding: MetricsExposition.render(pool, layout: layout), as: UTF8.self)
    }

    @Test func everySeriesIsShownAtZeroBeforeAnythingHappens() {
        let layout = MetricsLayout(routes: ["GET /books/{id}", "POST /loans"], workers: 2)
        let file = MetricsFile(layout: layout)
        let exposition = text(PoolMetrics.collect(own: file, directory: nil), layout)
        for route in ["GET /books/{id}", "POST /loans", "unmatched"] {
            for status in MetricsLayout.statusClasses {
                #expect(exposition.contains(#"library_http_requests_total{route="\#(route)",status="\#(status)"} 0"#))
            }
            #expect(exposition.contains(#"library_http_request_duration_seconds_bucket{route="\#(route)",le="0.00025"} 0"#))
            #expect(exposition.contains(#"library_http_request_duration_seconds_count{route="\#(route)"} 0"#))
        }
        #expect(exposition.contains(#"library_database_errors_total{kind="unavailable"} 0"#))
        #expect(exposition.contains(#"library_database_errors_total{kind="deadlock"} 0"#))
        #expect(exposition.contains("library_ratelimit_rejections_total 0"))
        #expect(exposition.contains("# TYPE library_http_request_duration_seconds histogram"))
    }

    @Test func bucketsAreCumulativeAndTheSumIsInSeconds() {
        let layout = MetricsLayout(routes: ["GET /health"], workers: 0)
        let file = MetricsFile(layout: layout)
        let first = layout.requestSlots["GET /health"]! + MetricsLayout.durationOffset
        file.add(2, at: first)  // <= 0.25 ms
        file.add(1, at: first + 2)  // <= 1 ms
        file.add(1, at: first + MetricsLayout.durationBounds.count)  // +Inf
        file.add(7_250_000_000, at: first + MetricsLayout.durationBounds.count + 1)
        let exposition = text(PoolMetrics.collect(own: file, directory: nil), layout)
        #expect(exposition.contains(#"library_http_request_duration_seconds_bucket{route="GET /health",le="0.0005"} 2"#))
        #expect(exposition.contains(#"library_http_request_duration_seconds_bucket{route="GET /health",le="0.001"} 3"#))
        #expect(exposition.contains(#"library_http_request_duration_seconds_bucket{route="GET /health",le="+Inf"} 4"#))
        #expect(exposition.contains(#"library_http_request_duration_seconds_sum{route="GET /health"} 7.25"#))
        #expect(exposition.contains(#"library_http_request_duration_seconds_count{route="GET /health"} 4"#))
    }

    @Test func theFilesOfAllProcessesInTheDirectoryAddUp() throws {
        let directory = temporaryDirectory()
        let layout = MetricsLayout(routes: ["GET /health"], workers: 1)
        let mine = try MetricsFile(layout: layout, directory: directory)
        let other = try MetricsFile(layout: layout, directory: directory)  // another process's, still locked
        mine.add(3, at: MetricsLayout.Fixed.cacheHits.rawValue)
        other.add(4, at: MetricsLayout.Fixed.cacheHits.rawValue)
        other.set(1, at: layout.firstWorkerSlot)  // busy
        // a process that ended earlier, already folded into the archive
        try "merged 1-2-3.metrics\n10 c library_cache_hits_total\n".write(toFile: directory + "/archive", atomically: true, encoding: .utf8)
        let exposition = text(PoolMetrics.collect(own: mine, directory: directory), layout)
        #expect(exposition.contains("library_cache_hits_total 17\n"))
        #expect(exposition.contains(#"library_worker_threads{state="busy"} 1"#))
        #expect(exposition.contains("library_pool_processes 2\n"))
    }

    @Test func secondsAreWrittenWithoutTrailingZeros() {
        #expect(MetricsLayout.seconds(250_000) == "0.00025")
        #expect(MetricsLayout.seconds(2_500_000_000) == "2.5")
        #expect(MetricsLayout.seconds(1_000_000_000) == "1")
        #expect(MetricsLayout.seconds(0) == "0")
    }
}
