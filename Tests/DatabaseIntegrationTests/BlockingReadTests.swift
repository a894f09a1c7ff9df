@testable import Database
import Foundation
import Testing

/// A plain connection reads each answer with one blocking `recv` bounded by the read timeout
/// (`BlockingRead`); a server that does not answer within that timeout still costs one read
/// timeout and ends as a lost connection, as with Connector/C's own `poll`.
@Suite struct BlockingReadTests {
    @Test func aPlainConnectionReadsItsAnswersWithTheBlockingRead() throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            #expect(!db.readsWithOneBlockingRecv)
            try db.connect()
            #expect(db.readsWithOneBlockingRecv)
            // an answer larger than the connector's 16 KiB read-ahead, read in several parts
            let long = try db.query("SELECT REPEAT('x', 100000) AS text").first?.string("text")
            #expect(long?.utf8.count == 100_000)
            #expect(try db.query("SELECT 1 + 1").first?.int(0) == 2)
        }
    }

    @Test func anAnswerLaterThanTheReadTimeoutIsALostConnectionAfterThatTimeout() throws {
        try TestDatabase.withFreshDatabase { configuration in
            var configuration = configuration
            configuration.readTimeout = 1
            let db = DatabaseConnection(configuration: configuration)
            try db.connect()
            let started = ContinuousClock.now
            // a write (not repeated on a new session), so the one timeout is all it waits
            #expect {
                try db.execute("DO SLEEP(5)")
            } throws: { error in
                guard case let .unavailable(code, _)? = error as? DatabaseError else { return false }
                return code == 2013  // CR_SERVER_LOST, as after the connector's poll timed out
            }
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(900) && waited < .seconds(3), "waited \(waited)")
            // the next call connects afresh, with the blocking read again
            #expect(try db.query("SELECT 2").first?.int(0) == 2)
            #expect(db.readsWithOneBlockingRecv)
        }
    }
}
