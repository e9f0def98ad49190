import Tensors

/// Reads and writes tensors in the formats of `TensorFormat`, chosen from the path's extension.
///
/// Every reader validates its input fully before trusting it: sizes in a
/// header are checked against the size of the file before anything is
/// allocated from them, and a malformed file gives a `TensorIOError` that
/// names the file and the problem, never a crash. Every writer replaces its
/// destination atomically.
///
/// Conventions across formats:
/// - Data is converted to `Float32`; `.npy` integers, booleans, float16 and
///   float64 are accepted.
/// - Tensors read are 0-D to 4-D and never empty. A NumPy 0-d array becomes
///   a tensor of shape `[]` holding one value; CSV and JSON have no 0-D form.
public enum TensorFile {
  /// Reads the tensor in the file at `path`.
  ///
  /// - Parameters:
  ///   - path: a `.npy`, `.npz`, `.csv` or `.json` file.
  ///   - array: for a `.npz` archive, the name of the array to read (without
  ///     `.npy`); nil reads the first. Must be nil for the other formats.
  /// - Returns: the tensor, `[rows, columns]` for CSV.
  public static func read(contentsOf path: String, array: String? = nil) throws(TensorIOError) -> Tensor {
    let format = try TensorFormat(path: path)
    do throws(Problem) {
      return try decode(from: try FileSource(path: path), format: format, array: array)
    } catch {
      throw error.at(path: path)
    }
  }

  /// Reads every array of the `.npz` archive at `path`, in the order of the archive's directory.
  ///
  /// Names lose their `.npy` suffix: `np.savez(f, attention=a)` gives `"attention"`.
  public static func readArchive(contentsOf path: String) throws(TensorIOError) -> [(name: String, tensor: Tensor)] {
    let format = try TensorFormat(path: path)
    guard format == .npz else {
      throw TensorIOError(path: path, reason: "not a .npz archive; readArchive reads .npz files")
    }
    do throws(Problem) {
      return try decodeArchive(from: try FileSource(path: path))
    } catch {
      throw error.at(path: path)
    }
  }

  /// Writes `tensor` to `path` in the format of its extension, replacing any file there atomically.
  ///
  /// `.npy` is written byte for byte as `np.save` writes a float32 array;
  /// `.npz` as `np.savez(path, tensor)` with the single array named `arr_0`;
  /// CSV takes 1-D (one value per line) or 2-D tensors, JSON 1-D to 4-D.
  public static func write(_ tensor: Tensor, to path: String) throws(TensorIOError) {
    let format = try TensorFormat(path: path)
    do throws(Problem) {
      try checkWritable(tensor, as: format)
      try AtomicFileWriter.write(to: path) { (sink: inout AtomicFileWriter) throws(Problem) in
        try encode(tensor, format: format, to: &sink)
      }
    } catch {
      throw error.at(path: path)
    }
  }

  /// Writes named arrays to the `.npz` archive at `path`, as `np.savez(path, **arrays)` does, atomically.
  ///
  /// - Parameter arrays: names (without `.npy`, unique, non-empty) and tensors, kept in this order.
  public static func writeArchive(
    _ arrays: [(name: String, tensor: Tensor)], to path: String
  ) throws(TensorIOError) {
    let format = try TensorFormat(path: path)
    guard format == .npz else {
      throw TensorIOError(path: path, reason: "archives are written as .npz; got .\(format.rawValue)")
    }
    do throws(Problem) {
      try NumPyArchive.checkNames(arrays.map(\.name))
      try AtomicFileWriter.write(to: path) { (sink: inout AtomicFileWriter) throws(Problem) in
        try NumPyArchive.write(arrays, to: &sink)
      }
    } catch {
      throw error.at(path: path)
    }
  }

  static func decode(from source: ByteSource, format: TensorFormat, array: String?) throws(Problem) -> Tensor
  {
    if format != .npz, let array {
      throw Problem("array \"\(array)\" asked for, but only .npz archives hold named arrays")
    }
    switch format {
    case .npy:
      return try NumPyArray.read(from: source)
    case .npz:
      let members = try NumPyArchive.members(of: source)
      let chosen: (name: String, entry: ZipEntry)
      if let array {
        guard let match = members.first(where: { $0.name == array }) else {
          let names = members.prefix(10).map { "\"\($0.name)\"" }.joined(separator: ", ")
          throw Problem("no array \"\(array)\"; the archive holds \(names)\(members.count > 10 ? ", …" : "")")
        }
        chosen = match
      } else {
        chosen = members[0]
      }
      do throws(Problem) {
        return try NumPyArchive.readArray(chosen.entry, from: source)
      } catch {
        throw error.inMember(chosen.name)
      }
    case .csv:
      return try CSVTable.read(try source.bytes(at: 0, count: source.size))
    case .json:
      return try JSONArrayParser.read(try source.bytes(at: 0, count: source.size))
    }
  }

  static func decodeArchive(from source: ByteSource) throws(Problem) -> [(name: String, tensor: Tensor)] {
    var arrays: [(name: String, tensor: Tensor)] = []
    for member in try NumPyArchive.members(of: source) {
      do throws(Problem) {
        arrays.append((member.name, try NumPyArchive.readArray(member.entry, from: source)))
      } catch {
        throw error.inMember(member.name)
      }
    }
    return arrays
  }

  /// Rejects, before any file is created, what `format` cannot hold.
  static func checkWritable(_ tensor: Tensor, as format: TensorFormat) throws(Problem) {
    switch format {
    case .npy, .npz: return
    case .csv: try CSVTable.checkWritable(tensor)
    case .json: try JSONArrayWriter<MemorySink>.checkWritable(tensor)
    }
  }

  static func encode<Sink: ByteSink>(_ tensor: Tensor, format: TensorFormat, to sink: inout Sink)
    throws(Problem)
  {
    switch format {
    case .npy: try NumPyArray.write(tensor, to: &sink)
    case .npz: try NumPyArchive.write([("arr_0", tensor)], to: &sink)
    case .csv: try CSVTable.write(tensor, to: &sink)
    case .json: try JSONArrayWriter.write(tensor, to: &sink)
    }
  }
}
