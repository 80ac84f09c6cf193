import ClusterModel

// Ingress path matching, networking.k8s.io/v1 (kubernetes.io/docs/concepts/services-networking/
// ingress/#path-types and #examples):
// - Exact: the URL path matches exactly, case-sensitively; a trailing slash is significant.
// - Prefix: element-wise on `/`-separated elements, case-sensitively; a trailing slash on either
//   side is ignored (`/foo/` matches `/foo`), `/aaa/bbb` does not match `/aaa/bbbxyz`, and `/`
//   matches every path.
// - ImplementationSpecific: up to the IngressClass. AKS application routing is ingress-nginx,
//   which leaves such a path as written (controller.go updateServerLocations: "only Prefix
//   locations could require an additional location block") and renders it as a plain NGINX
//   `location /foo` (template buildLocation): a byte-wise string prefix, trailing slash kept, so
//   `/foo` also catches `/foobar` and `/foo/` does not catch `/foo`. Regex paths (use-regex /
//   rewrite-target annotations) are not modelled.
// - Several matching paths: the longest wins; at equal length Exact beats Prefix
//   (spec "Multiple matches"), and Prefix beats ImplementationSpecific (NGINX: Prefix `/foo`
//   becomes `= /foo` plus `location /foo/`, both preferred to `location /foo`). Length is the path
//   as it matches: for Prefix without its trailing slash, so `/foo` and `/foo/` are the same prefix.
// The request path is the URL path without query or fragment (RFC 3986 §3.3), normalised as NGINX
// does before location matching (IngressURINormalization.swift).

extension IngressRouter {
    /// One compiled path of a host server. The bytes are in the router's pool; for Prefix they
    /// are the path without trailing slashes (`/` becomes empty and so matches every path).
    struct PathEntry: Sendable {
        var start: Int32
        var count: Int32
        var exact: Bool
        /// ImplementationSpecific: a byte-wise NGINX prefix (not element-wise).
        var bytewise: Bool = false
        /// Index into `targets`.
        var target: Int32
    }

    /// The form a model path is compiled to, or nil with the reason when the API server would
    /// have refused it (paths must be absolute for Exact and Prefix; akssim asks the same of
    /// ImplementationSpecific since it routes them as Prefix).
    static func compiledPath(_ p: IngressPath) -> (bytes: [UInt8], exact: Bool, bytewise: Bool)? {
        var text = p.path
        if text.isEmpty { text = "/" }
        guard text.utf8.first == UInt8(ascii: "/") else { return nil }
        var bytes = Array(text.utf8)
        if p.pathType == .Exact { return (bytes, true, false) }
        if p.pathType == .ImplementationSpecific { return (bytes, false, true) }
        while bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        return (bytes, false, false)
    }

    /// Orders a server's paths so the first that matches is the one the spec picks: longer
    /// first, Exact before Prefix at the same length, then model order (the first Ingress
    /// written wins a duplicate path, as NGINX keeps the oldest Ingress's location).
    static func precedes(_ a: (entry: PathEntry, order: Int), _ b: (entry: PathEntry, order: Int)) -> Bool {
        if a.entry.count != b.entry.count { return a.entry.count > b.entry.count }
        if a.entry.exact != b.entry.exact { return a.entry.exact }
        if a.entry.bytewise != b.entry.bytewise { return !a.entry.bytewise }
        return a.order < b.order
    }

    /// Whether `path` (the request's URL path) matches the compiled entry.
    @inline(__always)
    static func matches(_ e: PathEntry, _ path: UnsafeRawBufferPointer, pool: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = Int(e.count), s = Int(e.start)
        if e.exact {
            guard path.count == n else { return false }
        } else if e.bytewise {
            guard path.count >= n else { return false }
        } else {
            // Element-wise: the prefix must end at the end of the path or at a `/`.
            guard path.count >= n else { return false }
            if path.count > n && path[n] != UInt8(ascii: "/") { return false }
        }
        var i = 0
        while i < n {
            if path[i] != pool[s + i] { return false }
            i += 1
        }
        return true
    }
}
