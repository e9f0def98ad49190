import Tensors
import Foundation
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

/// Kinds of large figures (more values than travel as decimals), each with
/// the values that make its fixed point or its colours hard.
enum LargeFigureKind: String, CaseIterable, CustomTestStringConvertible {
  /// Softmax rows between 0 and 1, an all-equal panel, missing values and
  /// exact ties at 4 decimals (odd multiples of 1/32); a scale per panel.
  case attention
  /// Both signs up to 30 000, so 0 decimals, with ties at .5, and limits
  /// that clamp part of the values; one shared scale.
  case signedThousands
  /// Both signs up to 300 000, so -1 decimals, with ties at odd multiples
  /// of 5; one shared scale.
  case hundredThousands
  /// Magnitudes near 1e-30 with subnormals and a panel of zeros; a scale
  /// per panel.
  case tiny
  /// Magnitudes from 1e-3 to the largest float, so negative decimals, and
  /// infinities; one shared scale.
  case huge
  /// Only subnormals: more decimals than the page writes, so they clamp.
  case subnormal

  var testDescription: String { rawValue }

  /// An odd shape above `HTMLRenderer.decimalValueLimit`, different per kind.
  var shape: [Int] {
    switch self {
    case .attention: [2, 3, 97, 181]
    case .signedThousands: [3, 1, 131, 263]
    case .hundredThousands: [1, 3, 173, 199]
    case .tiny: [1, 5, 101, 199]
    case .huge: [2, 2, 157, 163]
    case .subnormal: [1, 1, 331, 307]
    }
  }

  func figure() throws -> HeatmapFigure {
    let shape = self.shape
    let panelSize = shape[2] * shape[3]
    let count = shape.reduce(1, *)
    var generator = SeededGenerator(seed: UInt64(shape.reduce(7, { $0 * 31 + $1 })))
    var scalars = [Float](repeating: .nan, count: count)
    let uniform = { (generator: inout SeededGenerator) in Float.random(in: -1...1, using: &generator) }
    switch self {
    case .attention:
      for row in stride(from: 0, to: count, by: shape[3]) {
        let logits = (0..<shape[3]).map { _ in 3 * Double.random(in: -1...1, using: &generator) }
        let largest = logits.max()!
        let total = logits.reduce(0) { $0 + exp($1 - largest) }
        for column in 0..<shape[3] { scalars[row + column] = Float(exp(logits[column] - largest) / total) }
      }
      for cell in panelSize..<(2 * panelSize) { scalars[cell] = 0.0123 }
      for cell in stride(from: 2 * panelSize + 5, to: 3 * panelSize, by: 97) {
        scalars[cell] = [Float.nan, .infinity, -.infinity][cell % 3]
      }
      for cell in stride(from: 3 * panelSize, to: 4 * panelSize, by: 7) {
        scalars[cell] = Float(2 * Int.random(in: 0..<16, using: &generator) + 1) / 32
      }
    case .signedThousands:
      for cell in 0..<count {
        scalars[cell] =
          cell % 5 == 0
          ? Float(Int.random(in: -30000..<30000, using: &generator)) + 0.5 : 30000 * uniform(&generator)
      }
      scalars[17] = .nan
    case .hundredThousands:
      for cell in 0..<count {
        scalars[cell] =
          cell % 3 == 0
          ? Float(5 * (2 * Int.random(in: -30000..<30000, using: &generator) + 1))
          : 300000 * uniform(&generator)
      }
    case .tiny:
      for cell in 0..<count { scalars[cell] = 1e-30 * uniform(&generator) }
      for cell in stride(from: 3, to: count, by: 101) {
        scalars[cell] = .leastNonzeroMagnitude * Float(cell % 7)
      }
      scalars[11] = -.leastNormalMagnitude
      for cell in (2 * panelSize)..<(3 * panelSize) { scalars[cell] = 0 }
    case .huge:
      for cell in 0..<count {
        scalars[cell] = uniform(&generator) * Float(pow(10, Double.random(in: -3...38.5, using: &generator)))
      }
      scalars[1] = .greatestFiniteMagnitude
      scalars[2] = -.greatestFiniteMagnitude
      scalars[3] = .infinity
      scalars[4] = 1
      scalars[5] = -0.3
    case .subnormal:
      for cell in 0..<count {
        scalars[cell] =
          Float(bitPattern: UInt32.random(in: 0..<0x7F_FFFF, using: &generator)) * (cell % 2 == 0 ? 1 : -1)
      }
    }
    let perPanel: Bool = [.attention, .tiny, .subnormal].contains(self)
    return try HeatmapFigure(
      matrices: Tensor(shape: shape, scalars: scalars), vmin: self == .signedThousands ? -20000 : nil,
      vmax: self == .signedThousands ? 20000 : nil, colorScale: perPanel ? .perPanel : .shared)
  }
}

/// Checks that every cell's embedded colour index picks the colour the PNG
/// renderer paints the cell with, and that missing cells are missing.
private func expectPNGColors(
  _ indices: [Int], isMissing: (Int) -> Bool, figure: HeatmapFigure, layout: FigureLayout
) {
  let colors = CellColors(colormap: figure.colormap)
  let grid = figure.gridShape
  let panelSize = grid.height * grid.width
  var mismatches = 0
  for panel in layout.panels {
    let start = (panel.row * grid.columns + panel.column) * panelSize
    for cell in start..<(start + panelSize) {
      let value = figure.matrices.scalars[cell]
      let pixel = colors.pixel(value, in: panel.valueRange)
      if value.isFinite {
        let matches = indices[cell] < colors.entries.count && colors.entries[indices[cell]] == pixel
        if !matches && mismatches < 5 {
          Issue.record("cell \(cell) = \(value): index \(indices[cell]), the PNG paints \(pixel)")
        }
        if !matches { mismatches += 1 }
      } else {
        #expect(pixel == 0 && isMissing(cell), "cell \(cell) = \(value) must be missing")
      }
    }
  }
  #expect(mismatches == 0)
}

/// |n| of a fixed-point text written with `decimals` digits: its digits
/// without the point, or without the zeros negative decimals append.
private func fixedPointMagnitude(_ text: String, decimals: Int) -> Int {
  let digits = text.filter(\.isNumber)
  return Int(decimals < 0 ? String(digits.dropLast(-decimals)) : digits) ?? 0
}

@Suite struct HTMLCellDataTests {
  @Test(arguments: LargeFigureKind.allCases)
  func largeFigureDecodesToPNGColorsAndPrintfTexts(_ kind: LargeFigureKind) throws {
    let figure = try kind.figure()
    let scalars = figure.matrices.scalars
    #expect(scalars.count > HTMLRenderer.decimalValueLimit)
    let (bytes, layout) = try renderFigureData(figure, format: .html)
    let file = try HTMLFigureFile(bytes)
    #expect(file.data["encoding"] as? String == "fixed16")

    let texts = try file.fixedPointTexts()
    try #require(texts.count == scalars.count)
    expectPNGColors(try file.colorIndices(), isMissing: { texts[$0] == nil }, figure: figure, layout: layout)

    // The most decimals with which the largest magnitude stays within 16 bits.
    let decimals = try #require(file.data["decimals"] as? Int)
    let largest = scalars.filter(\.isFinite).map(\.magnitude).max()!
    #expect(HTMLRenderer.FixedPointValues.decimalsRange.contains(decimals))
    #expect(fixedPointMagnitude(referenceText(largest, decimals: decimals), decimals: decimals) <= 32767)
    if decimals < HTMLRenderer.FixedPointValues.decimalsRange.upperBound {
      let finer = referenceText(largest, decimals: decimals + 1)
      #expect(fixedPointMagnitude(finer, decimals: decimals + 1) > 32767, "decimals \(decimals)")
    } else {
      #expect(kind == .subnormal, "only subnormals need more decimals than the page writes")
    }

    var mismatches = 0
    for (cell, (value, text)) in zip(scalars, texts).enumerated() {
      let expected = value.isFinite ? referenceText(value, decimals: decimals) : nil
      if text != expected {
        if mismatches < 5 {
          Issue.record("cell \(cell) = \(value): page \(text ?? "missing"), printf \(expected ?? "missing")")
        }
        mismatches += 1
      }
    }
    #expect(mismatches == 0, "\(mismatches) of \(scalars.count) texts differ, decimals \(decimals)")
  }

  @Test func smallFigureColorsComeFromThePNGPath() throws {
    // Decimal JSON values, but the same colour indices as large figures.
    var matrices = randomTensor([3, 2, 9, 13], in: -2...5, seed: 29)
    matrices.scalars[4] = .nan
    matrices.scalars[300] = -.infinity
    for cell in 117..<234 { matrices.scalars[cell] = 4.25 }
    let figure = try HeatmapFigure(matrices: matrices, colormap: .viridis, colorScale: .perPanel)
    let (bytes, layout) = try renderFigureData(figure, format: .html)
    let file = try HTMLFigureFile(bytes)
    let values = try file.decimalValues()
    expectPNGColors(try file.colorIndices(), isMissing: { values[$0].isNaN }, figure: figure, layout: layout)
  }

  @Test func colormapsOfMoreThan256EntriesTravelInTwoPlanes() throws {
    let table = (0..<1000).map { RGB(red: Double($0) / 999, green: Double(($0 * 7) % 1000) / 999, blue: 0.5) }
    let figure = try HeatmapFigure(
      matrices: randomTensor([1, 2, 211, 257], seed: 31), colormap: Colormap(name: "wide", table: table))
    let (bytes, layout) = try renderFigureData(figure, format: .html)
    let file = try HTMLFigureFile(bytes)
    #expect(file.data["colorPlanes"] as? Int == 2)
    let codes = try file.fixedPointCodes()
    let indices = try file.colorIndices()
    #expect(indices.contains { $0 > 255 })
    expectPNGColors(indices, isMissing: { codes[$0] == 0xFFFF }, figure: figure, layout: layout)
  }

  @Test func largeFigureDataStaysScriptSafe() throws {
    let hostile = ["</script><script>alert(1)</script>", "<!-- & -->", "a\u{2028}b"]
    let figure = try HeatmapFigure(
      matrices: randomTensor([1, 3, 181, 191], seed: 37), xlabel: "</SCRIPT >", titles: hostile)
    let file = try HTMLFigureFile(try renderFigureData(figure, format: .html).bytes)
    #expect(file.data["encoding"] as? String == "fixed16")
    // Labels escape their markup characters and base64 has none: the data
    // holds not one character that HTML would read.
    for character in ["<", ">", "&", "\u{2028}"] {
      #expect(!file.rawData.contains(character), "\(character) in the raw data")
    }
    #expect(file.text.components(separatedBy: "</script").count - 1 == 2)
    #expect(file.data["titles"] as? [String] == hostile)
  }

  @Test func fullModelGridOf512TokensStaysUnder25MB() throws {
    // 6 layers × 12 heads of 512 × 512 softmax rows of logits spread like a
    // trained model's (standard deviation 3): 100 MB as float32 base64.
    let (layers, heads, tokens) = (6, 12, 512)
    var generator = SeededGenerator(seed: 43)
    var scalars = [Float](repeating: .nan, count: layers * heads * tokens * tokens)
    var row = [Double](repeating: 0, count: tokens)
    scalars.withUnsafeMutableBufferPointer { scalars in
      for start in stride(from: 0, to: scalars.count, by: tokens) {
        var total = 0.0
        for column in 0..<tokens {
          // A sum of three uniforms: close enough to a normal, and cheap.
          let normal =
            (Double(generator.next() >> 11) + Double(generator.next() >> 11) + Double(generator.next() >> 11))
            * 0x1p-53 - 1.5
          row[column] = exp(6 * normal)
          total += row[column]
        }
        for column in 0..<tokens { scalars[start + column] = Float(row[column] / total) }
      }
    }
    let figure = try HeatmapFigure(
      matrices: Tensor(shape: [layers, heads, tokens, tokens], scalars: scalars),
      figsize: FigureSize(width: 30, height: 16))
    let (bytes, _) = try renderFigureData(figure, format: .html)
    #expect(bytes.count < 25_000_000, "\(bytes.count) bytes")
  }
}
