/// Checks a loaded cluster; errors make `ClusterLoader.load` fail.
public func validate(_ cluster: Cluster) -> [Diagnostic] {
    []
}

extension Cluster {
    public func validate() -> [Diagnostic] { ClusterModel.validate(self) }
}
