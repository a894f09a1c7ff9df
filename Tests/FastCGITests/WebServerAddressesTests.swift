import Glibc
import Testing
@testable import FastCGI

/// FCGI_WEB_SERVER_ADDRS, as libfcgi reads it, now that the app accepts connections itself.
@Suite struct WebServerAddressesTests {
    private func ipv4(_ text: String) -> sockaddr_storage {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, text, &address.sin_addr)
        return storage(of: address)
    }

    private func ipv6(_ text: String) -> sockaddr_storage {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        inet_pton(AF_INET6, text, &address.sin6_addr)
        return storage(of: address)
    }

    private func storage<Address>(of address: Address) -> sockaddr_storage {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: Address.self) }
        return storage
    }

    @Test func unsetAdmitsEveryone() {
        #expect(WebServerAddresses(list: nil).admits(ipv4("203.0.113.9")))
        #expect(WebServerAddresses(list: "").admits(ipv4("203.0.113.9")))
    }

    @Test func onlyListedPeersAreAdmitted() {
        let allowed = WebServerAddresses(list: "127.0.0.1, 10.0.0.2,::1")
        #expect(allowed.admits(ipv4("127.0.0.1")))
        #expect(allowed.admits(ipv4("10.0.0.2")))
        #expect(!allowed.admits(ipv4("10.0.0.3")))
        #expect(allowed.admits(ipv6("::1")))
        #expect(!allowed.admits(ipv6("::2")))
        // An IPv4 peer on a dual-stack socket.
        #expect(allowed.admits(ipv6("::ffff:10.0.0.2")))
        #expect(!allowed.admits(ipv6("::ffff:10.0.0.9")))
    }

    @Test func unixSocketPeersAreAlwaysAdmitted() {
        var storage = sockaddr_storage()
        storage.ss_family = sa_family_t(AF_UNIX)
        #expect(WebServerAddresses(list: "127.0.0.1").admits(storage))
    }

    @Test func aListOfNothingValidAdmitsNobodyOverTCP() {
        #expect(!WebServerAddresses(list: "not-an-address").admits(ipv4("127.0.0.1")))
    }
}
