import FastCGI
import Foundation
import Glibc
import Logging
import Storage

/// Expires `ready` holds on time however quiet their book: a thread of each serving process
/// runs `HoldStore.expireDue` four times a second, and when it expired anything, voids the cached
/// book reads (their `holds_waiting` and `copies_available` changed) like a write route does.
/// Every process sweeps; the conditional UPDATEs make parallel sweeps safe, and a process that
/// stops sweeping leaves the work to the others and to the lazy expiry of requests.
public enum HoldSweeper {
    static let intervalMicroseconds: useconds_t = 250_000

    /// Starts the thread, with services of its own (its database and memcached sessions).
    public static func start(application: Application) {
        guard application.configuration.database != nil else { return }
        let thread = Thread {
            ShutdownSignals.blockInCallingThread()  // they are for the server's signal thread
            let context = application.makeContext()
            var failing = false
            while true {
                usleep(intervalMicroseconds)
                do {
                    if try context.storage().holds.expireDue(bookID: nil) > 0 {
                        context.invalidate { try ResponseCache(client: $0, timeoutSeconds: 0).invalidate(.books) }
                    }
                    failing = false
                } catch {
                    // Said once per outage, not four times a second; requests still expire lazily.
                    if !failing { context.logger.warning("hold sweeper: \(error)") }
                    failing = true
                }
            }
        }
        thread.name = "hold-sweeper"
        thread.start()
    }
}
