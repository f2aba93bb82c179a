import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Vapor

/// The client's address for throttling and the audit log: the connection's peer, unless the peer is
/// one of the configured trusted proxies; then the right-most `X-Forwarded-For` hop that is not a
/// trusted proxy (each proxy appends the address it received from, so only the hops added by trusted
/// proxies can be believed; RFC 7239 section 5.2 and OWASP's advice on X-Forwarded-For).
enum ClientAddress {
    static func of(_ req: Request) -> String? {
        let peer = req.remoteAddress?.ipAddress
        let trusted = req.application.anchorConfig.trustedProxies
        guard let peer, !trusted.isEmpty, matches(peer, trusted) else { return peer }
        let hops = req.headers["X-Forwarded-For"].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !matches(hop, trusted) {
            return parse(hop) == nil ? peer : hop
        }
        return hops.first ?? peer
    }

    /// True when the request came through a trusted proxy that says the client used HTTPS.
    static func viaTLS(_ req: Request) -> Bool {
        guard let peer = req.remoteAddress?.ipAddress, matches(peer, req.application.anchorConfig.trustedProxies) else { return false }
        return req.headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https"
    }

    /// True when `address` is one of `list` (addresses or CIDR blocks).
    static func matches(_ address: String, _ list: [String]) -> Bool {
        guard let a = parse(address) else { return false }
        for entry in list {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let net = parse(parts[0]), net.count == a.count else { continue }
            let bits = parts.count == 2 ? (Int(parts[1]) ?? -1) : net.count * 8
            guard bits >= 0, bits <= net.count * 8 else { continue }
            var ok = true
            for i in 0..<net.count {
                let take = max(0, min(8, bits - i * 8))
                let mask: UInt8 = take == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - take))
                if a[i] & mask != net[i] & mask { ok = false; break }
            }
            if ok { return true }
        }
        return false
    }

    /// The bytes of an IPv4 (4) or IPv6 (16) address, or nil when the text is neither.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
