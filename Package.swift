// swift-tools-version:6.1
import PackageDescription

// Module split (see README "Architecture"): dependencies point one way, down this list.
//   CPcap, NetworkAddress  →  PacketWire, ClusterModel, PcapIO  →  Dataplane  →  Reporting  →  Daemon  →  akssim
let package = Package(
    name: "akssim",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "akssim", targets: ["akssim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // libpcap, found with pkg-config; apt provider libpcap-dev.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        // A cache prefetch hint (`__builtin_prefetch`) for the first packet's independent lookups.
        .target(name: "CPrefetch"),
        // IP addresses, prefixes, port ranges, protocol numbers: value types shared by the wire layer and the model.
        .target(name: "NetworkAddress"),
        // Zero-copy packet views and decoding; packet building for fixtures and generators.
        .target(name: "PacketWire", dependencies: ["NetworkAddress"]),
        // Cluster model value types, loaders (native YAML, kubectl and az exports), validation.
        .target(
            name: "ClusterModel",
            dependencies: ["NetworkAddress", .product(name: "Yams", package: "Yams")]
        ),
        // Safe wrappers over libpcap: offline reader, live capture, BPF, dump writer.
        .target(name: "PcapIO", dependencies: ["CPcap"]),
        // Compiled pipeline: placement, conntrack, service proxy, NetworkPolicy, Azure stages, verdicts, traces, counters.
        .target(name: "Dataplane", dependencies: ["NetworkAddress", "PacketWire", "ClusterModel", "CPrefetch"]),
        // Renderers: terminal tables, JSON, Prometheus exposition, flow logs.
        .target(name: "Reporting", dependencies: ["Dataplane", "PacketWire", "ClusterModel"]),
        // Capture loops (offline replay, live, watched directory), workers, HTTP control API, reload, signals.
        .target(
            name: "Daemon",
            dependencies: [
                "NetworkAddress", "PacketWire", "ClusterModel", "PcapIO", "Dataplane", "Reporting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "akssim",
            dependencies: [
                "NetworkAddress", "PacketWire", "ClusterModel", "PcapIO", "Dataplane", "Reporting", "Daemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "NetworkAddressTests", dependencies: ["NetworkAddress"]),
        .testTarget(name: "PacketWireTests", dependencies: ["PacketWire", "NetworkAddress"]),
        .testTarget(name: "ClusterModelTests", dependencies: ["ClusterModel", "NetworkAddress"]),
        .testTarget(name: "PcapIOTests", dependencies: ["PcapIO", "PacketWire", "NetworkAddress"]),
        .testTarget(name: "DataplaneTests", dependencies: ["Dataplane", "ClusterModel", "PacketWire", "NetworkAddress"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Dataplane", "Reporting", "ClusterModel", "PcapIO", "PacketWire", "NetworkAddress"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Dataplane", "PacketWire"]),
        // End-to-end tests through the built `akssim` binary (exit codes, JSON contracts).
        .testTarget(name: "AkssimCLITests", dependencies: ["PacketWire", "PcapIO", "NetworkAddress"]),
    ]
)

// Micro-benchmarks of the per-packet path (ordo-one/benchmark), only when asked for:
// `AKSSIM_BENCHMARKS=1 swift package benchmark` (scripts/microbench). The default build and the
// tests (CI) never resolve or build the benchmark package.
if Context.environment["AKSSIM_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "PipelineBenchmarks",
            dependencies: [
                "ClusterModel", "Dataplane", "PacketWire", "NetworkAddress",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/PipelineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}
