import Foundation
import Testing

@testable import TensorIO

@Suite struct JSONObjectLineTests {
  @Test func stringsAreEscapedAndTheLineReadsBack() throws {
    let hostile = "a \"quoted\" path\\with\nnewline\tand \u{1} and 東京"
    let line = jsonObjectLine([
      ("bench", .string("sdpa")), ("model", .string(hostile)), ("tokens", .integer(128)),
      ("median_ms", .number(17.034_567)), ("gflops", .number(.nan)), ("causal", .bool(true)),
      ("shape", .integers([1, 8, 2048, 64])), ("key \"x\"", .bool(false)),
    ])
    #expect(!line.contains("\n"))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(object["model"] as? String == hostile)
    #expect(object["tokens"] as? Int == 128)
    #expect(object["median_ms"] as? Double == 17.0346)
    #expect(object["gflops"] is NSNull)
    #expect(object["causal"] as? Bool == true)
    #expect(object["shape"] as? [Int] == [1, 8, 2048, 64])
    #expect(object["key \"x\""] as? Bool == false)
    #expect(line.hasPrefix(#"{"bench": "sdpa", "model": "#))
  }
}
