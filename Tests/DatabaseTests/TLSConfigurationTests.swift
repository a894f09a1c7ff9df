import Foundation
import Testing
@testable import Database

/// The TLS options of DATABASE_URL: MariaDB's client option names, checked at start-up.
@Suite struct TLSConfigurationTests {
    /// A readable file to name as a CA, certificate or key (its content is Connector/C's concern).
    private static let file: String = {
        let path = NSTemporaryDirectory() + "library-tls-test-\(getpid()).pem"
        FileManager.default.createFile(atPath: path, contents: Data("not checked here\n".utf8))
        return path
    }()

    private func parse(_ query: String) throws -> DatabaseConfiguration {
        try DatabaseConfiguration(url: "mysql://u:p@db.internal:3306/library?" + query)
    }

    private func expectRefused(_ query: String, mentioning words: String) {
        do {
            _ = try parse(query)
            Issue.record("accepted: \(query)")
        } catch {
            #expect("\(error)".contains(words), "\(error)")
        }
    }

    @Test func noOptionsMeansNoTLS() throws {
        let tls = try parse("connect_timeout=2").tls
        #expect(!tls.required)
        #expect(tls == DatabaseTLS())
    }

    @Test func sslWithCAVerifiesTheServerByDefault() throws {
        let tls = try parse("ssl=true&ssl-ca=\(Self.file)").tls
        #expect(tls.required)
        #expect(tls.verifyServerCertificate)
        #expect(tls.caFile == Self.file)
    }

    @Test func anyFileOptionImpliesSSL() throws {
        #expect(try parse("ssl-ca=\(Self.file)").tls.required)
        #expect(try parse("ssl-verify-server-cert=true").tls.required)
    }

    @Test func everyOptionIsMapped() throws {
        let folder = NSTemporaryDirectory()
        let tls = try parse(
            "ssl=1&ssl-ca=\(Self.file)&ssl-capath=\(folder)&ssl-crl=\(Self.file)"
                + "&ssl-cert=\(Self.file)&ssl-key=\(Self.file)&ssl-cipher=ECDHE-RSA-AES256-GCM-SHA384"
                + "&tls-version=TLSv1.2,TLSv1.3&ssl-verify-server-cert=false"
        ).tls
        #expect(tls.required && !tls.verifyServerCertificate)
        #expect(tls.caPath == folder && tls.crlFile == Self.file)
        #expect(tls.certificateFile == Self.file && tls.keyFile == Self.file)
        #expect(tls.cipher == "ECDHE-RSA-AES256-GCM-SHA384" && tls.versions == "TLSv1.2,TLSv1.3")
    }

    @Test func underscoresSpellTheSameOptions() throws {
        let tls = try parse("ssl_ca=\(Self.file)&ssl_verify_server_cert=0").tls
        #expect(tls.caFile == Self.file && tls.required && !tls.verifyServerCertificate)
    }

    @Test func theDescriptionSaysWhetherTheServerIsVerified() throws {
        #expect(try parse("ssl=true").description.hasSuffix("(TLS, server certificate verified)"))
        #expect(try parse("ssl=true&ssl-verify-server-cert=false").description.contains("NOT verified"))
        #expect(!(try parse("").description.contains("TLS")))
    }

    @Test func badValuesAreClearErrors() {
        expectRefused("ssl=maybe", mentioning: "ssl must be true or false")
        expectRefused("ssl-verify-server-cert=", mentioning: "ssl-verify-server-cert must be true or false")
        expectRefused("ssl-ca=relative/ca.pem", mentioning: "ssl-ca must be an absolute path")
        expectRefused("ssl-ca=/nonexistent/ca.pem", mentioning: "ssl-ca: cannot read /nonexistent/ca.pem")
        expectRefused("ssl-ca=\(NSTemporaryDirectory())", mentioning: "is a folder")
        expectRefused("ssl-capath=\(Self.file)", mentioning: "is not a folder")
        expectRefused("ssl-cipher=", mentioning: "ssl-cipher needs a value")
        expectRefused("ssl-cert=\(Self.file)", mentioning: "ssl-cert and ssl-key go together")
        expectRefused("ssl=false&ssl-ca=\(Self.file)", mentioning: "ssl=false contradicts")
        expectRefused("ssl-ca=\(Self.file)&ssl=false", mentioning: "ssl=false contradicts")
    }

    @Test func unknownOptionsAreRefused() {
        expectRefused("ssl-mode=REQUIRED", mentioning: "unknown database URL option 'ssl-mode'")
        expectRefused("sslca=/x", mentioning: "unknown database URL option 'sslca'")
    }
}
