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
    /// Azure exports refer to each other by resource ID; links resolved once all are loaded.
    var azureLinks = AzureLinks()

    /// Remembers where a model field was written (for validation after loading).
    mutating func mark(_ field: String, _ c: Cursor?) {
        guard let c else { return }
        cluster.fieldSources[FieldSource.key(object: c.object, field: field)] = FieldSource(location: c.location, path: c.path)
    }

    mutating func claimSettings(at c: Cursor) {
        if let first = settingsSource {
            sink.error("cluster settings given twice: here and at \(first) (give them once; with `az aks show`, add the API server address as a dnsRecords entry for its FQDN)", at: c)
        } else {
            settingsSource = c.location
            cluster.settingsSource = c.location
        }
    }
}
