/// The Azure half of a scale cluster: the default cluster's VNet, route table, LB, firewall and
/// platform tables, with generated NSG and firewall rules added. The generated rules look like
/// what grows in real subscriptions (per-partner allow lists, blocked ranges, per-app egress) and
/// mostly match nothing in the generated traffic, so the rule indexes are exercised at size
/// while the default rules keep deciding the common flows.
extension ScaleCluster {
    static let settingsAndVNet = """

        settings:
          location: eastus
          kubernetesVersion: "1.33.2"
          networkPlugin: azure
          networkDataplane: azure
          networkPolicy: azure
          serviceCIDRs: [10.0.0.0/16]
          dnsServiceIP: 10.0.0.10
          outboundType: userDefinedRouting
          apiServer:
            fqdn: aks-contoso-abc123.hcp.eastus.azmk8s.io
            publicIP: 20.62.30.1
            port: 443
            authorizedIPRanges: [203.0.113.0/24, 20.62.10.4/32]
          kubeProxy:
            mode: iptables

        vnets:
          - name: aks-vnet
            addressSpaces: [10.224.0.0/12]
            subnets:
              - {name: aks-subnet, prefix: 10.224.0.0/16, nsg: aks-agentpool-nsg, routeTable: aks-agentpool-routetable}
              - {name: AzureFirewallSubnet, prefix: 10.225.0.0/26}

        """

    static let ingress = """

        ingresses:
          - name: shop
            namespace: ns-0
            ingressClassName: webapprouting.kubernetes.azure.com
            tls: [{hosts: [shop.contoso.com], secretName: shop-tls}]
            rules:
              - host: shop.contoso.com
                http:
                  paths:
                    - {path: /, pathType: Prefix, backend: {service: {name: frontend, port: {number: 80}}}}

        ingressControllers:
          - {className: webapprouting.kubernetes.azure.com, controller: webapprouting.kubernetes.azure.com/nginx, service: app-routing-system/nginx}

        """

    /// Rule i: even i allow a partner address in on a service port (inbound), odd i deny an
    /// egress range (outbound); every 16th is a multi-port rule. Priorities 600+i, after the
    /// LB rules AKS writes at 500 and 501.
    func writeNSG(_ out: inout String) {
        out += """

            nsgs:
              - name: aks-agentpool-nsg
                rules:
                  - {name: k8s-azure-lb_allow_frontend_80, priority: 500, direction: Inbound, access: Allow, protocol: Tcp,
                     source: Internet, sourcePorts: "*", destination: 20.62.20.30, destinationPorts: "80"}
                  - {name: k8s-azure-lb_allow_nginx, priority: 501, direction: Inbound, access: Allow, protocol: Tcp,
                     source: Internet, sourcePorts: "*", destination: 20.62.20.40, destinationPorts: ["80", "443"]}

            """
        for i in 0..<parameters.nsgRules {
            let a = 1 + (i / 250) % 250, b = 1 + i % 250
            let ports = i % 16 == 15 ? "[\"\(10_000 + i)\", \"\(20_000 + i)-\(20_010 + i)\"]" : "\"\(10_000 + i)\""
            if i % 2 == 0 {
                out += "      - {name: allow-partner-\(i), priority: \(600 + i), direction: Inbound, access: Allow, protocol: Tcp, "
                out += "source: 100.\(64 + i % 64).\(a).\(b)/32, sourcePorts: \"*\", destination: VirtualNetwork, destinationPorts: \(ports)}\n"
            } else {
                out += "      - {name: deny-egress-\(i), priority: \(600 + i), direction: Outbound, access: Deny, protocol: \(i % 4 == 1 ? "Tcp" : "Udp"), "
                out += "source: VirtualNetwork, sourcePorts: \"*\", destination: 198.18.\(a).\(b)/32, destinationPorts: \(ports)}\n"
            }
        }
    }

    static func routesAndLoadBalancer(nodes: [String]) -> String {
        """

        routeTables:
          - name: aks-agentpool-routetable
            routes:
              - {name: default-via-firewall, prefix: 0.0.0.0/0, nextHopType: VirtualAppliance, nextHopIP: 10.225.0.4}

        publicIPs:
          - {name: kubernetes-a1f3c9e0b2d44c1e8a7f6b5c4d3e2f10, ip: 20.62.20.30}
          - {name: kubernetes-a7b6c5d4e3f2410a9b8c7d6e5f4a3b21, ip: 20.62.20.40}
          - {name: aks-fw-pip, ip: 20.62.10.4}

        loadBalancers:
          - name: kubernetes
            sku: Standard
            frontends:
              - {name: a1f3c9e0b2d44c1e8a7f6b5c4d3e2f10, ip: 20.62.20.30, publicIP: kubernetes-a1f3c9e0b2d44c1e8a7f6b5c4d3e2f10}
              - {name: a7b6c5d4e3f2410a9b8c7d6e5f4a3b21, ip: 20.62.20.40, publicIP: kubernetes-a7b6c5d4e3f2410a9b8c7d6e5f4a3b21}
            backendPools:
              - name: kubernetes
                nodes: [\(nodes.joined(separator: ", "))]
            probes:
              - {name: a1f3c9e0b2d44c1e8a7f6b5c4d3e2f10-TCP-80, protocol: Tcp, port: 30080}
              - {name: a7b6c5d4e3f2410a9b8c7d6e5f4a3b21-TCP-80, protocol: Http, port: 32456, path: /healthz}
              - {name: a7b6c5d4e3f2410a9b8c7d6e5f4a3b21-TCP-443, protocol: Http, port: 32456, path: /healthz}
            rules:
              - {name: a1f3c9e0b2d44c1e8a7f6b5c4d3e2f10-TCP-80, frontend: a1f3c9e0b2d44c1e8a7f6b5c4d3e2f10, backendPool: kubernetes,
                 probe: a1f3c9e0b2d44c1e8a7f6b5c4d3e2f10-TCP-80, protocol: Tcp, frontendPort: 80, backendPort: 80, floatingIP: true}
              - {name: a7b6c5d4e3f2410a9b8c7d6e5f4a3b21-TCP-80, frontend: a7b6c5d4e3f2410a9b8c7d6e5f4a3b21, backendPool: kubernetes,
                 probe: a7b6c5d4e3f2410a9b8c7d6e5f4a3b21-TCP-80, protocol: Tcp, frontendPort: 80, backendPort: 80, floatingIP: true}
              - {name: a7b6c5d4e3f2410a9b8c7d6e5f4a3b21-TCP-443, frontend: a7b6c5d4e3f2410a9b8c7d6e5f4a3b21, backendPool: kubernetes,
                 probe: a7b6c5d4e3f2410a9b8c7d6e5f4a3b21-TCP-443, protocol: Tcp, frontendPort: 443, backendPort: 443, floatingIP: true}

        firewalls:
          - {name: aks-fw, privateIP: 10.225.0.4, publicIPs: [20.62.10.4], policy: aks-fw-policy}

        """
    }

    /// The default policy's group (priority 200), then a `partner-egress` group (priority 300):
    /// network rule k allows TCP to one partner address and port, application rule k allows
    /// HTTPS to one partner FQDN (every eighth a wildcard).
    func writeFirewall(_ out: inout String) {
        out += """
            firewallPolicies:
              - name: aks-fw-policy
                threatIntelMode: Alert
                dnsProxy: true
                ruleCollectionGroups:
                  - name: aks-egress
                    priority: 200
                    collections:
                      - name: aks-network
                        priority: 100
                        type: network
                        action: Allow
                        rules:
                          - {name: apiudp, ipProtocols: [UDP], sourceAddresses: ["*"], destinationAddresses: [AzureCloud.eastus], destinationPorts: ["1194"]}
                          - {name: apitcp, ipProtocols: [TCP], sourceAddresses: ["*"], destinationAddresses: [AzureCloud.eastus], destinationPorts: ["9000"]}
                          - {name: time, ipProtocols: [UDP], sourceAddresses: ["*"], destinationFQDNs: [ntp.ubuntu.com], destinationPorts: ["123"]}
                          - {name: apiserver, ipProtocols: [TCP], sourceAddresses: ["*"], destinationAddresses: [20.62.30.1], destinationPorts: ["443"]}
                      - name: aks-fqdns
                        priority: 200
                        type: application
                        action: Allow
                        rules:
                          - {name: aks-fqdn-tag, sourceAddresses: [10.224.0.0/16], protocols: ["Http:80", "Https:443"], fqdnTags: [AzureKubernetesService]}
                          - {name: github, sourceAddresses: [10.224.0.0/16], protocols: ["Https:443"], targetFQDNs: ["*.github.com", github.com]}

            """
        let network = parameters.firewallRules / 2
        let application = parameters.firewallRules - network
        guard parameters.firewallRules > 0 else { return }
        out += "      - name: partner-egress\n        priority: 300\n        collections:\n"
        if network > 0 {
            out += "          - name: partner-network\n            priority: 100\n            type: network\n"
            out += "            action: Allow\n            rules:\n"
            for k in 0..<network {
                out += "              - {name: partner-net-\(k), ipProtocols: [TCP], sourceAddresses: [10.224.0.0/16], "
                out += "destinationAddresses: [198.19.\(k / 250 % 250).\(1 + k % 250)/32], destinationPorts: [\"\(20_000 + k % 40_000)\"]}\n"
            }
        }
        if application > 0 {
            out += "          - name: partner-fqdns\n            priority: 200\n            type: application\n"
            out += "            action: Allow\n            rules:\n"
            for k in 0..<application {
                let fqdn = k % 8 == 7 ? "\"*.partner-\(k).example.org\"" : "api.partner-\(k).example.org"
                out += "              - {name: partner-app-\(k), sourceAddresses: [10.224.0.0/16], protocols: [\"Https:443\"], "
                out += "targetFQDNs: [\(fqdn)]}\n"
            }
        }
    }

    static let platformTables = """

        serviceTags:
          - {name: AzureCloud.eastus, prefixes: [20.62.0.0/17, 40.71.0.0/16, 52.168.0.0/14]}

        fqdnTags:
          - name: AzureKubernetesService
            fqdns: ["*.hcp.eastus.azmk8s.io", mcr.microsoft.com, "*.data.mcr.microsoft.com", mcr-0001.mcr-msedge.net,
                    management.azure.com, login.microsoftonline.com, packages.microsoft.com, acs-mirror.azureedge.net,
                    packages.aks.azure.com]

        dnsRecords:
          - {fqdn: aks-contoso-abc123.hcp.eastus.azmk8s.io, addresses: [20.62.30.1]}
          - {fqdn: shop.contoso.com, addresses: [20.62.20.40]}
          - {fqdn: ntp.ubuntu.com, addresses: [185.125.190.56, 91.189.91.157]}
          - {fqdn: www.example.com, addresses: [93.184.215.14]}
          - {fqdn: api.github.com, addresses: [140.82.112.6]}
          - {fqdn: github.com, addresses: [140.82.112.3]}
          - {fqdn: mcr.microsoft.com, addresses: [20.61.99.1]}

        threatIntel:
          addresses: [192.0.2.66/32]
          fqdns: [malware.example.net]

        """
}
