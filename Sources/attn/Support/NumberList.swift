import ArgumentParser
import Foundation
import TransformerModels

/// Parses the 1-based lists people type for layers and heads: `"1,6"`,
/// `"2-4"`, `"1,3-5"`.
///
/// - Parameter option: the option's name, for errors, e.g. `--layers`.
/// - Throws: `CommandError` naming the option for an item that is not a
///   number or a range, or a range that runs backwards.
func parseNumberList(_ list: String, option: String) throws -> [Int] {
  var numbers: [Int] = []
  for item in list.split(separator: ",", omittingEmptySubsequences: false) {
    let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
    let parsed = bounds.map { Int(String($0).trimmingCharacters(in: .whitespaces)) }
    guard (1...2).contains(bounds.count), let first = parsed[0], let last = parsed[parsed.count - 1] else {
      throw CommandError("\(option) \"\(list)\": \"\(item)\" is not a number or a range like 2-4")
    }
    guard first <= last else { throw CommandError("\(option) \"\(list)\": range \(item) runs backwards") }
    numbers += first...last
  }
  return numbers
}

/// The selection `--layers`, `--heads` and `--aggregate` describe for a
/// model of these sizes; errors name the option and the model's range.
func attentionSelection(
  layers: String?, heads: String?, aggregate: AttentionSelection.Aggregation?, layerCount: Int, headCount: Int
) throws -> AttentionSelection {
  let layerNumbers = try layers.map { try parseNumberList($0, option: "--layers") }
  let headNumbers = try heads.map { try parseNumberList($0, option: "--heads") }
  do {
    return try AttentionSelection(
      layers: layerNumbers, heads: headNumbers, layerCount: layerCount, headCount: headCount,
      aggregate: aggregate)
  } catch {
    let (option, list) = error.axis == .layers ? ("--layers", layers) : ("--heads", heads)
    throw CommandError("\(option) \"\(list ?? "")\": \(error.description)")
  }
}

extension AttentionSelection.Aggregation: ExpressibleByArgument {}

/// `--span`: "a-b" or "a", positions from 0, inclusive, within `0..<count`.
func parseSpan(_ text: String, count: Int, of what: String) throws -> Range<Int> {
  try parseSpan(text, count: count, of: what, option: "--span")
}

/// `parseSpan` for the option named, as `--rows` and `--cols` take positions.
func parseSpan(_ text: String, count: Int, of what: String, option: String) throws -> Range<Int> {
  do {
    return try TransformerModels.parseSpan(text, count: count, of: what)
  } catch let error as LensError {
    throw CommandError("\(option) \"\(text)\": \(error.reason)")
  }
}

/// `--ablate`: heads as layer.head from 1, comma-separated: "3.7,5.2".
func parseHeads(_ list: String) throws -> Set<HeadIndex> {
  do {
    return try HeadIndex.parseList(list)
  } catch let error as LensError {
    throw CommandError("--ablate \"\(list)\": \(error.reason)")
  }
}
