/// A file format that holds tensors, chosen from a path's extension.
public enum TensorFormat: String, CaseIterable, Sendable {
  /// NumPy's `.npy`: one array with its dtype and shape.
  case npy
  /// NumPy's `.npz`: a ZIP archive of named `.npy` arrays, stored or deflated.
  case npz
  /// Comma-separated rows of numbers: a 2-D tensor `[rows, columns]`.
  case csv
  /// Nested JSON arrays of numbers, 1-D to 4-D.
  case json

  /// The format named by the extension of `path` (case-insensitive).
  ///
  /// - Throws: `TensorIOError` naming the extension and the supported ones.
  public init(path: String) throws(TensorIOError) {
    let name = TensorIOError(path: path, reason: "").fileName
    let supported = TensorFormat.allCases.map { ".\($0.rawValue)" }.joined(separator: ", ")
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else {
      throw TensorIOError(path: path, reason: "no file extension; supported: \(supported)")
    }
    let fileExtension = name[name.index(after: dot)...]
    guard let format = TensorFormat(rawValue: fileExtension.lowercased()) else {
      throw TensorIOError(
        path: path, reason: "unknown extension \".\(fileExtension)\"; supported: \(supported)")
    }
    self = format
  }
}
