extension GGUFFile {
  /// The string at `key`, or nil if the file has no such key.
  ///
  /// - Throws: `TensorIOError` naming the key if its value is not a string.
  public func string(_ key: String) throws(TensorIOError) -> String? {
    try lookup(key, "a string") { $0.stringValue }
  }

  /// The integer at `key`, of any integer type whose value fits in `Int`, or nil if the file has no such key.
  ///
  /// - Throws: `TensorIOError` naming the key if its value is not an integer or does not fit.
  public func integer(_ key: String) throws(TensorIOError) -> Int? {
    try lookup(key, "an integer that fits in Int") { $0.integerValue }
  }

  /// The number at `key`: a `float32` (widened exactly), a `float64` or an integer; nil if there is no such key.
  ///
  /// - Throws: `TensorIOError` naming the key if its value is not a number.
  public func float(_ key: String) throws(TensorIOError) -> Double? {
    try lookup(key, "a number") { $0.floatValue }
  }

  /// The bool at `key`, or nil if the file has no such key.
  ///
  /// - Throws: `TensorIOError` naming the key if its value is not a bool.
  public func bool(_ key: String) throws(TensorIOError) -> Bool? {
    try lookup(key, "a bool") { value in
      if case .bool(let flag) = value { flag } else { nil }
    }
  }

  /// The array of strings at `key` (an empty array gives `[]`), or nil if the file has no such key.
  ///
  /// - Throws: `TensorIOError` naming the key if its value is not an array of strings.
  public func strings(_ key: String) throws(TensorIOError) -> [String]? {
    try lookupArray(key, "strings") { $0.stringValue }
  }

  /// The array of integers at `key`, each fitting in `Int` (an empty array gives `[]`), or nil if the file
  /// has no such key.
  ///
  /// - Throws: `TensorIOError` naming the key if its value is not an array of such integers.
  public func integers(_ key: String) throws(TensorIOError) -> [Int]? {
    try lookupArray(key, "integers that fit in Int") { $0.integerValue }
  }

  /// The array of numbers at `key` (floats or integers; an empty array gives `[]`), or nil if the file has
  /// no such key.
  ///
  /// - Throws: `TensorIOError` naming the key if its value is not an array of numbers.
  public func floats(_ key: String) throws(TensorIOError) -> [Double]? {
    try lookupArray(key, "numbers") { $0.floatValue }
  }

  private func lookup<T>(_ key: String, _ expected: String, _ convert: (GGUFValue) -> T?)
    throws(TensorIOError)
    -> T?
  {
    guard let value = self[key] else { return nil }
    guard let converted = convert(value) else {
      throw TensorIOError(path: path, reason: "metadata \"\(key)\" is \(describe(value)), not \(expected)")
    }
    return converted
  }

  private func lookupArray<T>(_ key: String, _ expected: String, _ convert: (GGUFValue) -> T?)
    throws(TensorIOError) -> [T]?
  {
    guard let value = self[key] else { return nil }
    guard let elements = value.arrayValue else {
      throw TensorIOError(
        path: path, reason: "metadata \"\(key)\" is \(describe(value)), not an array of \(expected)")
    }
    var converted: [T] = []
    converted.reserveCapacity(elements.count)
    for (index, element) in elements.enumerated() {
      guard let item = convert(element) else {
        throw TensorIOError(
          path: path,
          reason: "metadata \"\(key)\" is an array of \(element.typeDescription), not of \(expected) "
            + "(element \(index) is \(describe(element)))")
      }
      converted.append(item)
    }
    return converted
  }

  /// A value's type, with its value when it is a short scalar: `uint64 18446744073709551615`, `string`.
  private func describe(_ value: GGUFValue) -> String {
    switch value {
    case .string, .array: value.typeDescription
    case .uint64(let number): "uint64 \(number)"
    case .int64(let number): "int64 \(number)"
    default: value.typeName
    }
  }
}
