import PacketWire

// The request side of an ingress decision taken straight from a decoded first payload packet:
// TLS ClientHello → host = SNI, path `/` (encrypted); HTTP/1.x request → host = Host header,
// path = request-line path. Spans are checked against the buffer; nothing is allocated.

extension IngressRouter {
    /// Routes the request carried by `packet` (decoded from `bytes`) at controller `controller`.
    /// A packet with neither SNI nor an HTTP request is routed with an empty host and `/`,
    /// which is what the controller sees for a request without Host (host-less rules, else the
    /// catch-all default backend, else 404).
    @inlinable
    public func route(controller: Int32, packet: DecodedPacket, bytes: UnsafeRawBufferPointer) -> IngressDecision {
        let tls = packet.tlsClientHello && !packet.sni.isEmpty
        let host = IngressRouter.slice(bytes, tls ? packet.sni : packet.httpHost)
        var path = UnsafeRawBufferPointer(start: nil, count: 0)
        if !tls && packet.httpRequest {
            let payload = IngressRouter.slice(bytes, ByteSpan(offset: packet.payloadOffset, length: packet.payloadLength))
            path = HTTPRequestTarget.path(in: payload)
        }
        return route(controller: controller, host: host, path: path, tls: tls)
    }

    /// `bytes[span]`, or empty when the span does not lie inside `bytes`.
    @inlinable
    static func slice(_ bytes: UnsafeRawBufferPointer, _ span: ByteSpan) -> UnsafeRawBufferPointer {
        let start = Int(span.offset), end = start + Int(span.length)
        guard span.length > 0, end <= bytes.count else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}
