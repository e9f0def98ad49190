import Tensors

/// Reads and writes comma-separated numbers as a 2-D tensor `[rows, columns]`.
///
/// Reading: values are separated by commas with optional spaces or tabs
/// around them; blank lines and lines starting with `#` are skipped; `\r\n`
/// line ends and a UTF-8 byte-order mark are accepted; `nan`, `inf` and
/// `infinity` (any case, optional sign) are numbers. The first row is a
/// header, and skipped, only if none of its cells is a number — a row that
/// mixes names and numbers is an error, not a guess. A single column still
/// gives a 2-D tensor `[rows, 1]`.
///
/// Writing: 2-D tensors one row per line, 1-D tensors one value per line
/// (as `np.savetxt`), each value in the shortest text that reads back to the
/// same `Float`.
enum CSVTable {
  static func read(_ bytes: [UInt8]) throws(Problem) -> Tensor {
    var scalars: [Float] = []
    var columns: Int?
    var firstRowLine = 0
    var rows = 0
    var header: (line: Int, names: Int)?
    var lineNumber = 0
    var lineStart = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    while lineStart < bytes.count {
      lineNumber += 1
      var lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
      let next = lineEnd + 1
      if lineEnd > lineStart && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
      let line = trimmed(bytes[lineStart..<lineEnd])
      lineStart = next
      if line.isEmpty || line.first == UInt8(ascii: "#") { continue }

      let cells = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map(trimmed)
      if columns == nil && header == nil && cells.allSatisfy({ DecimalNumber.parseCSV($0) == nil }) {
        header = (lineNumber, cells.count)
        continue
      }
      if let columns, cells.count != columns {
        throw Problem(
          "line \(lineNumber) has \(cells.count) value\(cells.count == 1 ? "" : "s"), line \(firstRowLine) has \(columns)"
        )
      }
      if columns == nil {
        if let header, header.names != cells.count {
          throw Problem(
            "line \(lineNumber) has \(cells.count) values, the header on line \(header.line) has \(header.names) names"
          )
        }
        columns = cells.count
        firstRowLine = lineNumber
      }
      for (column, cell) in cells.enumerated() {
        let place = "line \(lineNumber), column \(column + 1)"
        guard !cell.isEmpty else { throw Problem("\(place): empty value") }
        guard let value = DecimalNumber.parseCSV(cell) else {
          throw Problem("\(place): \"\(DecimalNumber.shown(cell))\" is not a number")
        }
        // Only a decimal literal ends in a digit; `inf` and `infinity` end in letters.
        if value.isInfinite, let last = cell.last, last >= UInt8(ascii: "0"), last <= UInt8(ascii: "9") {
          throw Problem("\(place): \(DecimalNumber.outOfRange(DecimalNumber.shown(cell)))")
        }
        scalars.append(value)
      }
      rows += 1
    }
    guard let columns else {
      throw Problem(header == nil ? "no numbers (the file is empty)" : "a header but no rows of numbers")
    }
    return Tensor(shape: [rows, columns], scalars: scalars)
  }

  /// Rejects tensors that CSV cannot hold in a form `read` gives back.
  static func checkWritable(_ tensor: Tensor) throws(Problem) {
    guard tensor.rank == 1 || tensor.rank == 2 else {
      throw Problem("\(tensor.rank)-D tensor \(tensor.shape); CSV holds 1-D or 2-D")
    }
    guard tensor.count > 0 else { throw Problem("empty tensor \(tensor.shape) cannot be written as CSV") }
  }

  static func write<Sink: ByteSink>(_ tensor: Tensor, to sink: inout Sink) throws(Problem) {
    try checkWritable(tensor)
    let columns = tensor.rank == 2 ? tensor.shape[1] : 1
    var text = ""
    text.reserveCapacity(tensor.count * 12)
    for (index, value) in tensor.scalars.enumerated() {
      text += value.description
      text += (index + 1) % columns == 0 ? "\n" : ","
      if text.utf8.count >= 1 << 20 {
        try sink.write(text)
        text.removeAll(keepingCapacity: true)
      }
    }
    try sink.write(text)
  }

  private static func trimmed(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var slice = text
    while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
      slice = slice.dropFirst()
    }
    while let last = slice.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
      slice = slice.dropLast()
    }
    return slice
  }
}
