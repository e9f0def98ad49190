import Foundation
import Hummingbird

/// The largest request body a `POST` route reads.
let maximumRequestBytes = 64 * 1024

/// The most of a body too long to use that is read and dropped before the
/// 413 is sent: a client that writes its whole body before it reads
/// (Python's http.client, urllib, requests) then reads the answer. A longer
/// body is answered unread and its connection closed.
let maximumDiscardedBytes = 8 * 1024 * 1024

/// The members of a request body that must be one JSON object, read with
/// the size limits of every `POST` route.
///
/// - Parameter shape: the object a refusal shows, e.g. `{"text": ".."}`.
/// - Throws: `ServeError`: 413 for a body over `maximumRequestBytes`, 400
///   for one that is not JSON or not an object.
func readJSONObject(_ request: Request, shape: String) async throws -> [String: Any] {
  let declaredLength = request.headers[.contentLength].flatMap { Int($0) }
  let tooLarge = { (length: Int?) in
    let measure = length.map { "the body has \($0) bytes; at most \(maximumRequestBytes) are read" }
    return measure ?? "the body is longer than \(maximumRequestBytes) bytes"
  }
  if let declaredLength, declaredLength > maximumDiscardedBytes {
    throw ServeError(status: .contentTooLarge, tooLarge(declaredLength), closesConnection: true)
  }
  var body = ByteBuffer()
  var length = 0
  for try await part in request.body {
    length += part.readableBytes
    if length <= maximumRequestBytes {
      body.writeImmutableBuffer(part)
    } else if length > maximumDiscardedBytes {
      throw ServeError(status: .contentTooLarge, tooLarge(declaredLength), closesConnection: true)
    }
  }
  guard length <= maximumRequestBytes else {
    throw ServeError(status: .contentTooLarge, tooLarge(declaredLength))
  }
  let object: Any
  do {
    object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
  } catch {
    throw ServeError(status: .badRequest, "the body is not JSON")
  }
  guard let fields = object as? [String: Any] else {
    throw ServeError(status: .badRequest, "the body must be a JSON object \(shape)")
  }
  return fields
}

/// Typed reads of a request's JSON members, each refusal (400) naming the
/// member and what it must be. A member that is absent or `null` reads as nil.
struct JSONMembers {
  let fields: [String: Any]

  /// Refuses members the route does not read, so that a misspelt one is
  /// not silently ignored.
  func refuseOthers(than known: [String]) throws {
    if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
      throw ServeError(
        status: .badRequest,
        "unknown member \"\(unknown)\"; the body may have: \(known.joined(separator: ", "))")
    }
  }

  func string(_ name: String) throws -> String? {
    guard let value = present(name) else { return nil }
    guard let text = value as? String else { throw wrong(name, "a string") }
    return text
  }

  /// A string that is not blank, which the route needs.
  func text(_ name: String) throws -> String {
    guard let text = try string(name) else { throw wrong(name, "a string") }
    guard !text.allSatisfy(\.isWhitespace) else { throw ServeError(status: .badRequest, "\"\(name)\" is empty") }
    return text
  }

  func bool(_ name: String) throws -> Bool? {
    guard let value = present(name) else { return nil }
    guard Self.isBool(value), let flag = value as? Bool else { throw wrong(name, "true or false") }
    return flag
  }

  /// A whole number in `range`.
  func integer<T: FixedWidthInteger>(_ name: String, in range: ClosedRange<T>) throws -> T? {
    guard let value = present(name) else { return nil }
    let expected = "a whole number from \(range.lowerBound) to \(range.upperBound)"
    guard !Self.isBool(value), let number = value as? NSNumber else { throw wrong(name, expected) }
    let double = number.doubleValue
    guard double.rounded() == double, let whole = T(exactly: double) ?? T(number.stringValue),
      range.contains(whole)
    else { throw wrong(name, expected) }
    return whole
  }

  /// A finite number in `range`.
  func number(_ name: String, in range: ClosedRange<Double>, _ expected: String) throws -> Double? {
    guard let value = present(name) else { return nil }
    guard !Self.isBool(value), let number = value as? NSNumber, range.contains(number.doubleValue) else {
      throw wrong(name, expected)
    }
    return number.doubleValue
  }

  private func present(_ name: String) -> Any? {
    guard let value = fields[name], !(value is NSNull) else { return nil }
    return value
  }

  private func wrong(_ name: String, _ expected: String) -> ServeError {
    ServeError(status: .badRequest, "\"\(name)\" must be \(expected)")
  }

  /// JSONSerialization gives `true` and `1` alike as NSNumber; only the
  /// booleans are of the class it gives `true`.
  private static let booleanType = type(
    of: try! JSONSerialization.jsonObject(with: Data("true".utf8), options: .fragmentsAllowed))
  private static func isBool(_ value: Any) -> Bool { type(of: value) == booleanType }
}
