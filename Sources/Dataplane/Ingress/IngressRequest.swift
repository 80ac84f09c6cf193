import PacketWire

// Replays: the ingress stage judges the first request of a flow that reached an ingress
// controller pod — the client's first payload packet, an HTTP/1.x request (Host + request-line
// path) or a TLS ClientHello (SNI, path `/`). The handshake before it carries nothing to route on.
// The packet is counted at stage `ingress` under the Ingress rule it hits (`ingress:no-match` when
// the controller answers 404 itself); its verdict stays `allow`, since the controller pod receives
// it either way. The controller's own connection to the backend appears in a capture as a flow of
// its own and is judged as such. Allocation-free: `IngressRouter.route(controller:packet:bytes:)`
// reads the decoded spans in place.

extension Pipeline {
    /// Routes `p`, the first request of conntrack entry `e`, and returns its outcome; `trail` holds
    /// rules the packet already used (a firewall application rule settled on the same packet).
    func routeIngressRequest(_ e: Int32, _ p: DecodedPacket, bytes: UnsafeRawBufferPointer, after trail: RuleTrail,
                             newFlow: Bool = false) -> PacketOutcome {
        let en = conntrack.entry(e)
        conntrack.requestRouted(e)
        let d = compiled.ingressRouter.route(controller: en.ingressController, packet: p, bytes: bytes)
        var rules = trail
        rules.append(d.rule)
        return PacketOutcome(verdict: .allow, stage: .ingress, rule: d.rule, rules: rules, newFlow: newFlow,
                             node: en.node, namespace: en.namespace)
    }
}
