import Foundation

/// A scenario file (`tests/README.md` describes the format): steps played once, `repeat`
/// times or forever (`loop`), each acting `after_ms` after the previous one.
///
/// This is the part of tether-testkit's format the shared scenarios use: the `publish`,
/// `drop` and `status` actions and every placeholder. Any other action is refused by name at
/// load time, so a scenario that grows a new action fails loudly here until it is added.
struct Scenario: Sendable {
    enum Action: Sendable {
        /// Append an event to the log and send it to every open stream.
        case publish(event: String?, id: String?, data: Payload)
        /// Close every open stream abruptly (no final chunk).
        case drop
        /// Answer the next request with this status instead of a stream.
        case status(code: Int, headers: [Header], body: String)
    }

    /// `data` as written: a JSON string is sent as text, any other JSON value as compact JSON.
    enum Payload: Sendable {
        case text(String)
        case json(String)
    }

    struct Header: Sendable {
        let name: String
        let value: String
    }

    struct Step: Sendable {
        let afterMs: UInt64
        let action: Action
    }

    struct Unsupported: Error, CustomStringConvertible {
        let description: String
    }

    let name: String
    let steps: [Step]
    let looping: Bool
    let passes: UInt64
    let epochMs: UInt64?

    /// Loads and checks a scenario file.
    static func load(_ url: URL) throws -> Scenario {
        let data = try Data(contentsOf: url)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rawSteps = root["steps"] as? [[String: Any]]
        else {
            throw Unsupported(description: "\(url.lastPathComponent): not a scenario object with steps")
        }
        let steps = try rawSteps.map { try step($0, in: url.lastPathComponent) }
        return Scenario(
            name: root["name"] as? String ?? url.lastPathComponent,
            steps: steps,
            looping: root["loop"] as? Bool ?? false,
            passes: (root["repeat"] as? NSNumber)?.uint64Value ?? 1,
            epochMs: (root["epoch_ms"] as? NSNumber)?.uint64Value)
    }

    private static func step(_ raw: [String: Any], in file: String) throws -> Step {
        let afterMs = (raw["after_ms"] as? NSNumber)?.uint64Value ?? 0
        let action = raw["action"] as? String ?? "publish"
        switch action {
        case "publish":
            guard let data = raw["data"] else {
                throw Unsupported(description: "\(file): a publish step needs `data`")
            }
            let parsed = try payload(data)
            return Step(afterMs: afterMs, action: .publish(
                event: raw["event"] as? String, id: raw["id"] as? String, data: parsed))
        case "drop":
            return Step(afterMs: afterMs, action: .drop)
        case "status":
            guard let code = (raw["code"] as? NSNumber)?.intValue else {
                throw Unsupported(description: "\(file): a status step needs `code`")
            }
            let headers = (raw["headers"] as? [String: String] ?? [:])
                .sorted { $0.key < $1.key }
                .map { Header(name: $0.key, value: $0.value) }
            return Step(afterMs: afterMs, action: .status(
                code: code, headers: headers, body: raw["body"] as? String ?? ""))
        default:
            throw Unsupported(description:
                "\(file): action `\(action)` is not played by the Swift test server yet (ios/Tests/TetherTests/Scenario.swift)")
        }
    }

    private static func payload(_ value: Any) throws -> Payload {
        if let text = value as? String {
            return .text(text)
        }
        // Key order is not kept (JSONSerialization has none); the core reads the JSON, so the
        // order only changes bytes on the wire, never what a test sees.
        let json = try JSONSerialization.data(
            withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return .json(String(decoding: json, as: UTF8.self))
    }

    /// Sum of the step delays of one pass.
    var passDurationMs: UInt64 {
        steps.reduce(0) { $0 + $1.afterMs }
    }
}

/// The values placeholders stand for in one published event: `{{id}}` (the event's SSE id),
/// `{{seq}}` (its log sequence number), `{{iteration}}` (1 for the first pass),
/// `{{timestamp}}` (unix ms) and `{{iso_time}}` (the same instant in ISO 8601, UTC, with ms).
struct Placeholders {
    let id: String
    let seq: UInt64
    let iteration: UInt64
    let nowMs: UInt64

    /// Replaces placeholders in plain text.
    func text(_ template: String) -> String {
        substitute(template, id: id)
    }

    /// Replaces placeholders in compact JSON, keeping it valid JSON: a string that is exactly
    /// `"{{timestamp}}"`, `"{{seq}}"` or `"{{iteration}}"` becomes a number, and the id is
    /// escaped for a JSON string.
    func json(_ template: String) -> String {
        let numeric = template
            .replacingOccurrences(of: "\"{{timestamp}}\"", with: String(nowMs))
            .replacingOccurrences(of: "\"{{seq}}\"", with: String(seq))
            .replacingOccurrences(of: "\"{{iteration}}\"", with: String(iteration))
        return substitute(numeric, id: Placeholders.jsonEscaped(id))
    }

    private func substitute(_ template: String, id: String) -> String {
        guard template.contains("{{") else { return template }
        return template
            .replacingOccurrences(of: "{{id}}", with: id)
            .replacingOccurrences(of: "{{seq}}", with: String(seq))
            .replacingOccurrences(of: "{{iteration}}", with: String(iteration))
            .replacingOccurrences(of: "{{timestamp}}", with: String(nowMs))
            .replacingOccurrences(of: "{{iso_time}}", with: Placeholders.isoTime(nowMs))
    }

    /// `s` escaped for the inside of a JSON string (without the quotes).
    static func jsonEscaped(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Unix milliseconds as `2024-05-01T12:00:00.000Z`.
    static func isoTime(_ unixMs: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(unixMs) / 1000))
    }
}

/// The SSE wire form of one event: `id:`, `event:`, one `data:` per line of data, a blank line.
func encodeEvent(id: String?, event: String?, data: String) -> [UInt8] {
    func field(_ name: String, _ value: String) -> String {
        value.isEmpty ? "\(name):\n" : "\(name): \(value)\n"
    }
    func oneLine(_ s: String) -> String {
        s.filter { $0 != "\r" && $0 != "\n" && $0 != "\r\n" }
    }
    var out = ""
    if let id { out += field("id", oneLine(id)) }
    if let event { out += field("event", oneLine(event)) }
    // CR LF, CR and LF each end a line (Swift treats "\r\n" as one Character).
    let lines = data.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    for line in lines {
        out += field("data", String(line))
    }
    out += "\n"
    return Array(out.utf8)
}
