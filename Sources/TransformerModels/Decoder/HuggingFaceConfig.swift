import Foundation

/// A Hugging Face `config.json` whose fields are checked as they are read:
/// each refusal names the file and the key.
struct HuggingFaceConfig {
  /// The file errors name.
  let path: String
  let fields: [String: Any]

  /// Reads `path`, refusing a file over `BertConfig.maximumFileSize` bytes before it is parsed.
  init(contentsOf path: String) throws(ModelLoadError) {
    do {
      fields = try readJSONObject(path, limit: BertConfig.maximumFileSize, kind: "config")
    } catch {
      throw ModelLoadError(path: error.path ?? path, reason: error.reason)
    }
    self.path = path
  }

  func fail(_ reason: String) -> ModelLoadError { ModelLoadError(path: path, reason: reason) }

  /// Whether `key` is absent or `null`.
  func isMissing(_ key: String) -> Bool {
    guard let value = fields[key] else { return true }
    return value is NSNull
  }

  /// A whole number in `range`; `value` when the key is absent or null, an error when there is no default.
  func integer(_ key: String, default value: Int? = nil, in range: ClosedRange<Int>) throws(ModelLoadError)
    -> Int
  {
    guard !isMissing(key) else {
      if let value { return value }
      throw fail("no \"\(key)\"")
    }
    let raw = fields[key]!
    guard let number = raw as? Int else {
      throw fail("\(key) is \(Self.show(raw)), not a whole number")
    }
    guard range.contains(number) else {
      throw fail("\(key) is \(number), outside \(range.lowerBound)...\(range.upperBound)")
    }
    return number
  }

  /// A finite number in `range`, or `value` when the key is absent or null.
  func number(_ key: String, default value: Double, in range: ClosedRange<Double>) throws(ModelLoadError)
    -> Double
  {
    guard !isMissing(key) else { return value }
    let raw = fields[key]!
    guard let number = (raw as? NSNumber)?.doubleValue, number.isFinite, range.contains(number) else {
      throw fail("\(key) is \(Self.show(raw)), not a number in \(range.lowerBound)...\(range.upperBound)")
    }
    return number
  }

  /// A string, or `value` when the key is absent or null.
  func string(_ key: String, default value: String) throws(ModelLoadError) -> String {
    guard !isMissing(key) else { return value }
    guard let text = fields[key] as? String else {
      throw fail("\(key) is \(Self.show(fields[key]!)), not a string")
    }
    return text
  }

  /// `true` or `false`, or `value` when the key is absent or null.
  func bool(_ key: String, default value: Bool) throws(ModelLoadError) -> Bool {
    guard !isMissing(key) else { return value }
    guard let flag = fields[key] as? Bool else {
      throw fail("\(key) is \(Self.show(fields[key]!)), not true or false")
    }
    return flag
  }

  /// Refuses `key` unless it is absent, null or `allowed`.
  func require(_ key: String, toBe allowed: Bool, because reason: String) throws(ModelLoadError) {
    guard try bool(key, default: allowed) == allowed else { throw fail("\(key) is \(!allowed): \(reason)") }
  }

  /// A JSON value as it would be written, for messages.
  static func show(_ value: Any) -> String {
    if let text = value as? String { return "\"\(text)\"" }
    if value is NSNull { return "null" }
    if let number = value as? NSNumber { return number.stringValue }
    if value is [Any] { return "a list" }
    if value is [String: Any] { return "an object" }
    return "\(type(of: value))"
  }
}
