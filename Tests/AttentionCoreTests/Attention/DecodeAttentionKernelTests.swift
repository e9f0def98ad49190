import CAttentionKernels
import Foundation
import Testing

@testable import AttentionCore

/// ak_decode_attention, on every instruction set this CPU runs, against a
/// Float64 softmax attention written from the definition, on random caches
/// of odd sizes, with the outputs and the weight rows poisoned first.
@Suite struct DecodeAttentionKernelTests {
  static let instructionSets = KernelInstructionSet.allCases.filter(\.runsHere)

  struct Case {
    var count, start, heads, kvHeads, depth, capacity: Int
  }

  static let cases: [Case] = [
    Case(count: 1, start: 0, heads: 1, kvHeads: 1, depth: 1, capacity: 1),
    Case(count: 1, start: 30, heads: 9, kvHeads: 3, depth: 64, capacity: 40),
    Case(count: 3, start: 17, heads: 6, kvHeads: 2, depth: 37, capacity: 23),
    Case(count: 4, start: 129, heads: 4, kvHeads: 4, depth: 13, capacity: 135),
    Case(count: 2, start: 700, heads: 8, kvHeads: 1, depth: 72, capacity: 703),
    Case(count: 1, start: 5, heads: 3, kvHeads: 3, depth: 7, capacity: 6),
  ]

  /// Runs `c` and returns (output, weights as the kernel left them), both poisoned with NaN first.
  static func run(
    _ c: Case, queries: [Float], keys: [Float], values: [Float], records: Bool, isa: KernelInstructionSet,
    threads: Int
  ) -> (status: Int32, output: [Float], weights: [Float]) {
    var output = [Float](repeating: .nan, count: c.count * c.heads * c.depth)
    var weights = [Float](repeating: .nan, count: c.heads * c.capacity * c.capacity)
    var problem = ak_decode_attention_problem()
    problem.count = c.count
    problem.start = c.start
    problem.heads = c.heads
    problem.kv_heads = c.kvHeads
    problem.depth = c.depth
    problem.capacity = c.capacity
    problem.head_stride = c.capacity * c.capacity
    problem.row_stride = c.capacity
    problem.scale = 1 / Float(c.depth).squareRoot()
    let status = queries.withUnsafeBufferPointer { q in
      keys.withUnsafeBufferPointer { k in
        values.withUnsafeBufferPointer { v in
          output.withUnsafeMutableBufferPointer { o in
            weights.withUnsafeMutableBufferPointer { w in
              problem.queries = q.baseAddress
              problem.keys = k.baseAddress
              problem.values = v.baseAddress
              problem.output = o.baseAddress
              problem.weights = records ? w.baseAddress : nil
              return ak_decode_attention(&problem, isa.cValue, Int32(threads))
            }
          }
        }
      }
    }
    return (status, output, weights)
  }

  static func randoms(_ count: Int, scale: Float = 1) -> [Float] {
    (0..<count).map { _ in Float.random(in: -2...2) * scale }
  }

  @Test(arguments: instructionSets)
  func matchesFloat64Reference(isa: KernelInstructionSet) {
    for c in Self.cases {
      // Scores spread over a few units, as real heads have them.
      let queries = Self.randoms(c.count * c.heads * c.depth, scale: 1.5)
      let keys = Self.randoms(c.kvHeads * c.capacity * c.depth)
      let values = Self.randoms(c.kvHeads * c.capacity * c.depth)
      for threads in [1, 2] {
        let (status, output, weights) = Self.run(
          c, queries: queries, keys: keys, values: values, records: true, isa: isa, threads: threads)
        #expect(status == 0)
        let group = c.heads / c.kvHeads
        for token in 0..<c.count {
          let position = c.start + token
          for head in 0..<c.heads {
            let kv = head / group
            let q = (token * c.heads + head) * c.depth
            var scores = [Double](repeating: 0, count: position + 1)
            // A float32 sum of d products errs by at most d · ε · Σ|q k|;
            // a weight then moves by its score's error and the largest one
            // (through the maximum and the sum), relatively.
            var scoreError = 0.0
            for j in 0...position {
              var dot = 0.0
              var magnitude = 0.0
              for e in 0..<c.depth {
                let product = Double(queries[q + e]) * Double(keys[(kv * c.capacity + j) * c.depth + e])
                dot += product
                magnitude += abs(product)
              }
              scores[j] = dot / Double(c.depth).squareRoot()
              scoreError = max(scoreError, Double(c.depth + 2) * 0x1p-24 * magnitude / Double(c.depth).squareRoot())
            }
            let most = scores.max()!
            let exps = scores.map { Foundation.exp($0 - most) }
            let total = exps.reduce(0, +)
            let row = (head * c.capacity + position) * c.capacity
            for j in 0..<c.capacity {
              if j <= position {
                let expected = exps[j] / total
                let bound = expected * (2 * scoreError + 1e-6) + 1e-12
                #expect(abs(Double(weights[row + j]) - expected) <= bound, "\(c) \(isa) w[\(head), \(position), \(j)]")
              } else {
                #expect(weights[row + j].isNaN, "\(c) \(isa): column \(j) past the row's keys was written")
              }
            }
            for e in 0..<c.depth {
              var expected = 0.0
              var bound = 0.0
              for j in 0...position {
                let v = Double(values[(kv * c.capacity + j) * c.depth + e])
                expected += exps[j] / total * v
                bound += exps[j] / total * abs(v)
              }
              let got = Double(output[q + e])
              #expect(abs(got - expected) <= 1e-5 * bound + 1e-7, "\(c) \(isa) out[\(token), \(head), \(e)]: \(got) vs \(expected)")
            }
          }
        }
        // Rows of the weights other than the new tokens' stay untouched.
        for head in 0..<c.heads {
          for row in 0..<c.capacity where !(c.start..<(c.start + c.count)).contains(row) {
            let base = (head * c.capacity + row) * c.capacity
            #expect(weights[base..<(base + c.capacity)].allSatisfy { $0.isNaN }, "\(c) \(isa): row \(row) written")
          }
        }
      }
    }
  }

  /// The output without recording equals the recorded run's, bit for bit,
  /// whatever the thread count.
  @Test(arguments: instructionSets)
  func outputDoesNotDependOnRecordingOrThreads(isa: KernelInstructionSet) {
    for c in Self.cases {
      let queries = Self.randoms(c.count * c.heads * c.depth)
      let keys = Self.randoms(c.kvHeads * c.capacity * c.depth)
      let values = Self.randoms(c.kvHeads * c.capacity * c.depth)
      let recorded = Self.run(c, queries: queries, keys: keys, values: values, records: true, isa: isa, threads: 2)
      let plain = Self.run(c, queries: queries, keys: keys, values: values, records: false, isa: isa, threads: 1)
      #expect(recorded.status == 0 && plain.status == 0)
      #expect(recorded.output.map(\.bitPattern) == plain.output.map(\.bitPattern), "\(c) \(isa)")
      #expect(plain.weights.allSatisfy { $0.isNaN }, "\(c) \(isa): weights written without being asked")
    }
  }

  @Test func refusesSizesThatDoNotFit() {
    let bad = [
      Case(count: 0, start: 0, heads: 1, kvHeads: 1, depth: 4, capacity: 4),
      Case(count: 2, start: 3, heads: 2, kvHeads: 1, depth: 4, capacity: 4),
      Case(count: 1, start: 0, heads: 3, kvHeads: 2, depth: 4, capacity: 4),
      Case(count: 1, start: -1, heads: 1, kvHeads: 1, depth: 4, capacity: 4),
      Case(count: 1, start: 0, heads: 1, kvHeads: 1, depth: 0, capacity: 4),
    ]
    for c in bad {
      let size = max(c.heads, c.kvHeads) * max(c.capacity, 1) * max(c.depth, 1) * 4
      let (status, _, weights) = Self.run(
        c, queries: Self.randoms(size), keys: Self.randoms(size), values: Self.randoms(size), records: true,
        isa: .portable, threads: 1)
      #expect(status == -2, "\(c)")
      #expect(weights.allSatisfy { $0.isNaN })
    }
  }
}
