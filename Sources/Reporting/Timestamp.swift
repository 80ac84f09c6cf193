/// Packet timestamps as text, computed from the integer nanoseconds (no locale, no time zone
/// database, so output is identical on every machine).
package enum Timestamp {
    /// `2026-11-25T09:00:00.123456789Z`
    static func rfc3339(_ nanos: Int64) -> String {
        var seconds = nanos / 1_000_000_000
        var fraction = nanos % 1_000_000_000
        if fraction < 0 { fraction += 1_000_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):"
            + "\(pad(secondOfDay % 60, 2)).\(pad(fraction, 9))Z"
    }

    /// Seconds with millisecond resolution for text output.
    static func seconds(_ s: Double) -> String {
        let ms = Int64((s * 1000).rounded())
        return "\(ms / 1000).\(pad(ms % 1000, 3))"
    }

    /// Days since 1970-01-01 → proleptic Gregorian (y, m, d); Howard Hinnant's `civil_from_days`.
    /// The one copy: the flow-log and daemon flow timestamps use it too.
    package static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
