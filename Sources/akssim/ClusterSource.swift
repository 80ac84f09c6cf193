import ClusterModel

/// Where commands get their cluster: `--cluster PATH...` or the embedded default.
enum ClusterSource {
    static func load(paths: [String]) throws -> Cluster {
        throw CLIFailure.runtime("cluster loading is not available in this build yet")
    }
}
