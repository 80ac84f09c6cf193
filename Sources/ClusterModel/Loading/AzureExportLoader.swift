/// `az … -o json` and ARM exports (filled in below).
enum AzureExportLoader {
    static func recognises(_ root: Cursor) -> Bool { false }
    static func load(_ root: Cursor, into b: inout ClusterBuilder) {}
}
