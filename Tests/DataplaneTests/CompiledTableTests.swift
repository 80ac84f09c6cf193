import ClusterModel
import Dataplane
import NetworkAddress
import Testing

/// The compiled lookup tables the first packet relies on.
@Suite struct CompiledTableTests {
    /// Every front door's description travels packed in its address-table slot
    /// (`frontDoorEntry`); it must read back exactly as the front-door array holds it — NodePorts
    /// carry their node, the others -1.
    @Test func frontDoorSlotsCarryTheirDescription() {
        let table = Pipeline(cluster: AzureFixture.defaultCluster()).compiled.proxy.table
        var nodePorts = 0
        for key in table.byAddress.keys {
            let (index, door) = table.frontDoorEntry(key.ip, key.port, key.proto)
            #expect(index >= 0)
            let stored = table.frontDoors[Int(index)]
            #expect(door.servicePort == stored.servicePort && door.kind == stored.kind && door.node == stored.node, "\(key)")
            if door.kind == .nodePort { nodePorts += 1; #expect(door.node >= 0) } else { #expect(door.node == -1) }
        }
        #expect(nodePorts > 0, "the default cluster has NodePorts, so node indices are exercised")
        #expect(table.frontDoorEntry(IPAddress(192, 0, 2, 1), 80, .tcp).index == -1)
    }

    /// Tables share storage until one copy inserts (copy on write): a copy never sees the other's keys.
    @Test func copiesAreIndependentValues() {
        var a = LookupTable<IPAddress>(capacity: 2)
        for i in 0..<10 { a.insert(IPAddress(v4: 0x0A00_0000 + UInt32(i)), Int32(i), aux: UInt64(i) * 3) }
        var b = a
        b.insert(IPAddress(10, 9, 9, 9), 99)
        #expect(a.find(IPAddress(10, 9, 9, 9)) == -1)
        #expect(b.find(IPAddress(10, 9, 9, 9)) == 99)
        for i in 0..<10 {
            let ip = IPAddress(v4: 0x0A00_0000 + UInt32(i))
            #expect(a.findEntry(ip).value == Int32(i) && a.findEntry(ip).aux == UInt64(i) * 3)
            #expect(b.find(ip) == Int32(i))
        }
        #expect(a.count == 10 && b.count == 11)
        a.insert(IPAddress(10, 0, 0, 1), 42)   // the first writer wins
        #expect(a.find(IPAddress(10, 0, 0, 1)) == 1)
    }
}
