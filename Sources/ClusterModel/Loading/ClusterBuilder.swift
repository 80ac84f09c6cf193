/// The cluster being assembled from one or more sources, and the diagnostics gathered so far.
/// Sources only append; duplicates across sources are found afterwards by validation, which
/// names both locations.
struct ClusterBuilder {
    var cluster = Cluster()
    let sink = DiagnosticSink()
    /// Where the cluster settings came from (native `settings:` or `az aks show`); a second
    /// source of settings is a conflict, not a silent override.
    var settingsSource: SourceLocation?
    /// v1 Endpoints from kubectl exports; used only for Services without EndpointSlices.
    var legacyEndpoints: [EndpointSlice] = []

    mutating func claimSettings(at c: Cursor) {
        if let first = settingsSource {
            sink.error("cluster settings given twice: here and at \(first)", at: c)
        } else {
            settingsSource = c.location
        }
    }
}
