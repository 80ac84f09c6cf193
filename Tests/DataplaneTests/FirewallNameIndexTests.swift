import ClusterModel
import Dataplane
import NetworkAddress
import XCTest

/// Application rules are found through a name index (FirewallNameIndex), not by walking every rule:
/// the first rule in priority order that matches must still win whichever way it was found —
/// exact name, wildcard at a dot, or a pattern the index cannot key (`*`, `*contoso.com`).
final class FirewallNameIndexTests: XCTestCase {
    typealias F = AzureFixture
    let frontend = "10.224.0.20"

    func rule(_ name: String, _ fqdns: [String], port: Int = 443, type: String = "Https") -> FirewallRule {
        var r = FirewallRule()
        r.name = name
        r.kind = .application
        r.sourceAddresses = ["10.224.0.0/16"]
        r.protocols = [ApplicationProtocol(type: type, port: port)]
        r.targetFQDNs = fqdns
        return r
    }

    func collection(_ name: String, _ priority: Int, _ action: RuleCollectionAction, _ rules: [FirewallRule]) -> FirewallRuleCollection {
        var c = FirewallRuleCollection()
        c.name = name
        c.priority = priority
        c.kind = .application
        c.action = action
        c.rules = rules
        return c
    }

    /// A policy whose only group holds `collections` (plus filler rules, so the index has many keys).
    func net(_ collections: [FirewallRuleCollection]) -> AzureNetwork {
        var c = F.defaultCluster()
        var g = RuleCollectionGroup()
        g.name = "g"
        g.priority = 100
        let filler = (0..<300).map { k in rule("filler-\(k)", k % 3 == 0 ? ["*.filler-\(k).example.org"] : ["api.filler-\(k).example.org"]) }
        g.collections = collections + [collection("filler", 4000, .Allow, filler)]
        c.firewallPolicies[0].ruleCollectionGroups = [g]
        return AzureNetwork.compiled(c)
    }

    func testEarlierWildcardBeatsLaterExactName() {
        let n = net([collection("deny-wild", 100, .Deny, [rule("wild", ["*.example.com"])]),
                     collection("allow-exact", 200, .Allow, [rule("exact", ["api.example.com"])])])
        XCTAssertDrop(n.send(frontend, "93.184.215.14", 443, sni: "api.example.com"), .firewall, "g/deny-wild/wild")
    }

    func testEarlierExactNameBeatsLaterWildcard() {
        let n = net([collection("allow-exact", 100, .Allow, [rule("exact", ["api.example.com"])]),
                     collection("deny-wild", 200, .Deny, [rule("wild", ["*.example.com"])])])
        XCTAssertAllow(n.send(frontend, "93.184.215.14", 443, sni: "API.Example.COM"), rule: "g/allow-exact/exact")
        XCTAssertDrop(n.send(frontend, "93.184.215.14", 443, sni: "www.example.com"), .firewall, "g/deny-wild/wild")
    }

    func testUnkeyedPatternsKeepTheirPlaceInPriorityOrder() {
        // `*` (any name) and `*ample.com` (a suffix not starting at a dot) cannot be keyed; they are
        // checked for every name and still win when they come first.
        let any = net([collection("deny-any", 100, .Deny, [rule("any", ["*"])]),
                       collection("allow-exact", 200, .Allow, [rule("exact", ["api.example.com"])])])
        XCTAssertDrop(any.send(frontend, "93.184.215.14", 443, sni: "api.example.com"), .firewall, "g/deny-any/any")
        let odd = net([collection("allow-exact", 100, .Allow, [rule("exact", ["api.example.com"])]),
                       collection("deny-odd", 200, .Deny, [rule("odd", ["*ample.com"])])])
        XCTAssertAllow(odd.send(frontend, "93.184.215.14", 443, sni: "api.example.com"), rule: "g/allow-exact/exact")
        XCTAssertDrop(odd.send(frontend, "93.184.215.14", 443, sni: "sample.com"), .firewall, "g/deny-odd/odd")
    }

    func testDeepNamesTrailingDotAndHostPort() {
        let n = net([collection("allow", 100, .Allow, [rule("wild", ["*.b.example.com"]), rule("web", ["www.example.com"], port: 80, type: "Http")])])
        XCTAssertAllow(n.send(frontend, "93.184.215.14", 443, sni: "x.y.z.b.example.com."), rule: "g/allow/wild")
        XCTAssertDrop(n.send(frontend, "93.184.215.14", 443, sni: "b.example.com"), .firewall, "default-deny")
        XCTAssertAllow(n.send(frontend, "93.184.215.14", 80, host: "www.example.com:80"), rule: "g/allow/web")
        // The right name on the wrong protocol's port: no match.
        XCTAssertDrop(n.send(frontend, "93.184.215.14", 443, sni: "www.example.com"), .firewall, "default-deny")
    }

    func testFillerRulesStillMatchByIndex() {
        let n = net([])
        XCTAssertAllow(n.send(frontend, "93.184.215.14", 443, sni: "api.filler-7.example.org"), rule: "g/filler/filler-7")
        XCTAssertAllow(n.send(frontend, "93.184.215.14", 443, sni: "a.filler-9.example.org"), rule: "g/filler/filler-9")
        XCTAssertDrop(n.send(frontend, "93.184.215.14", 443, sni: "a.filler-7.example.org"), .firewall, "default-deny")
    }
}
