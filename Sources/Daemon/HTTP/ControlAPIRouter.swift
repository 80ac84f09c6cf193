import Dataplane
import Hummingbird
import NetworkAddress
import Reporting

/// The daemon's HTTP API, built in one place: every route, its method and its handler.
///
/// - `GET /metrics`               Prometheus text (format 0.0.4)
/// - `GET /v1/stats`              the `replay --json` object for everything counted so far
/// - `GET /v1/flows`              recent new flows; `verdict=allow|drop|reject`, `limit=1..10000`
/// - `GET /v1/trace`              trace a hypothetical flow: `protocol`, `src`, `sport`, `dst`, `dport`,
///                                optional `node`, `sni`, `httpHost`
/// - `POST /v1/reload`            reload the cluster model (422 with diagnostics when it is invalid)
/// - `GET /healthz`, `/readyz`    liveness; readiness (503 with reasons while an input is down)
///
/// Errors are `{"error": "..."}` with a 4xx status; a bearer token, when configured, is required
/// on POST.
public func makeControlAPIRouter(backend: some ControlAPIBackend, token: String?) -> Router<BasicRequestContext> {
    let router = Router()
    router.addMiddleware {
        JSONErrorMiddleware()
        BearerTokenMiddleware(token: token)
    }
    router.get("metrics") { _, _ in
        textResponse(backend.metricsText(), contentType: PrometheusExposition.contentType)
    }
    router.get("v1/stats") { _, _ in
        jsonResponse(backend.statsJSON())
    }
    router.get("v1/flows") { request, _ in
        let query = request.uri.queryParameters
        var verdict: Verdict?
        if let v = query["verdict"] {
            guard let parsed = Verdict.allCases.first(where: { $0.description == String(v) }) else {
                throw APIError.badRequest("verdict: expected allow, drop or reject, got '\(v)'")
            }
            verdict = parsed
        }
        var limit = 100
        if let l = query["limit"] {
            guard let parsed = Int(String(l)), (1...10_000).contains(parsed) else {
                throw APIError.badRequest("limit: expected an integer 1-10000, got '\(l)'")
            }
            limit = parsed
        }
        return jsonResponse(backend.flows(verdict: verdict, limit: limit))
    }
    router.get("v1/trace") { request, _ in
        let parsed = try TraceRequest(query: request.uri.queryParameters)
        return jsonResponse(try backend.trace(parsed))
    }
    router.post("v1/reload") { _, _ in
        switch await backend.reload() {
        case .reloaded(let generation):
            return jsonResponse(.object([("result", .string("success")), ("generation", .int(Int64(generation)))]))
        case .rejected(let diagnostics):
            return jsonResponse(
                .object([
                    ("error", .string("cluster model rejected; the previous model keeps running")),
                    ("diagnostics", .array(diagnostics.map { .string($0) })),
                ]), status: .unprocessableContent)
        }
    }
    router.get("healthz") { _, _ in
        jsonResponse(.object([("status", .string("ok"))]))
    }
    router.get("readyz") { _, _ in
        let readiness = backend.readiness()
        return jsonResponse(
            .object([
                ("ready", .bool(readiness.ready)),
                ("reasons", .array(readiness.reasons.map { .string($0) })),
            ]), status: readiness.ready ? .ok : .serviceUnavailable)
    }
    return router
}

func jsonResponse(_ json: JSON, status: HTTPResponse.Status = .ok) -> Response {
    textResponse(json.pretty + "\n", contentType: "application/json", status: status)
}

func textResponse(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = contentType
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
}

extension TraceRequest {
    /// Parses `/v1/trace` parameters; every problem names the parameter and what was expected.
    init(query: Parameters) throws(APIError) {
        func required(_ name: String) throws(APIError) -> String {
            guard let v = query[Substring(name)], !v.isEmpty else { throw APIError.badRequest("\(name): required") }
            return String(v)
        }
        func port(_ name: String, needed: Bool) throws(APIError) -> UInt16 {
            guard let v = query[Substring(name)] else {
                if needed { throw APIError.badRequest("\(name): required for this protocol") }
                return 0
            }
            guard let p = UInt16(String(v)) else { throw APIError.badRequest("\(name): expected a port 0-65535, got '\(v)'") }
            return p
        }
        func address(_ name: String) throws(APIError) -> IPAddress {
            let text = try required(name)
            guard let ip = IPAddress(text) else { throw APIError.badRequest("\(name): expected an IPv4 or IPv6 address, got '\(text)'") }
            return ip
        }
        let protoText = try required("protocol")
        guard let proto = IPProtocol(name: protoText) ?? UInt8(protoText).map({ IPProtocol(rawValue: $0) }) else {
            throw APIError.badRequest("protocol: expected tcp, udp, sctp, icmp, icmpv6 or a number, got '\(protoText)'")
        }
        let src = try address("src")
        let dst = try address("dst")
        guard src.isIPv4 == dst.isIPv4 else { throw APIError.badRequest("src, dst: expected addresses of one family") }
        self.init(
            proto: proto, src: src, srcPort: try port("sport", needed: false), dst: dst,
            dstPort: try port("dport", needed: proto.hasPorts),
            node: query["node"].map(String.init), sni: query["sni"].map(String.init),
            httpHost: query["httpHost"].map(String.init))
    }
}
