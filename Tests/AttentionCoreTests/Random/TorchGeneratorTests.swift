import Foundation
import Testing

@testable import AttentionCore

/// Facts printed by PyTorch 2.15.0 (CPU, Linux x86-64 with AVX-512, which runs
/// PyTorch's AVX2 normal kernel) as float32 bit patterns, e.g.
/// `torch.manual_seed(42); torch.randn(10, 10).flatten().view(torch.int32)`.
/// The `.generic` facts come from the same build run with
/// `ATEN_CPU_CAPABILITY=default`.
@Suite struct TorchGeneratorTests {
  private func bits(_ tensor: Tensor) -> [UInt32] { tensor.scalars.map(\.bitPattern) }

  @Test func randn10x10Seed42MatchesPyTorch() {
    let logits = Tensor.randn([10, 10], seed: 42)
    #expect(logits.shape == [10, 10])
    let observed = bits(logits)
    #expect(
      Array(observed[0..<8]) == [
        0x3FF6_A529, 0x3FBE_5F53, 0x3F66_9567, 0xC006_C0DB, 0x3F2D_ACD5, 0xBF9E_0591, 0xBD30_6786,
        0xBFCD_65BA,
      ])
    // 15 and 16 straddle the first two blocks; 84..99 are the redrawn tail.
    #expect(
      [15, 16, 50, 83, 84, 99].map { observed[$0] } == [
        0x3F43_2F9F, 0x3FD2_3771, 0x3D9F_CAFB, 0xBF15_DAD8, 0x3F24_088A, 0x3F1E_061C,
      ])
    #expect(logits[0, 0] == 1.9269153)
  }

  /// FNV-1a (64-bit) folded over 32-bit words rather than bytes.
  private func fingerprint(_ tensor: Tensor) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for scalar in tensor.scalars {
      hash ^= UInt64(scalar.bitPattern)
      hash = hash &* 0x100_0000_01B3
    }
    return hash
  }

  @Test func millionsOfSamplesMatchPyTorchInEveryBit() {
    // Word-wise FNV-1a of torch.manual_seed(42); torch.randn(1_000_000) and of
    // torch.manual_seed(123); torch.randn(1000, 999), computed in Python from
    // PyTorch's output. One flipped bit anywhere changes them.
    #expect(fingerprint(Tensor.randn([1_000_000], seed: 42)) == 0xEFA1_6491_58A1_4580)
    #expect(fingerprint(Tensor.randn([1000, 999], seed: 123)) == 0x1BFD_BDAF_5078_5681)
  }

  @Test func genericKernelDiffersInTheLastBitsAsPyTorchDoes() {
    var generator = TorchGenerator(seed: 42, normalKernel: .generic)
    let observed = bits(generator.randn([10, 10]))
    #expect(
      Array(observed[0..<8]) == [
        0x3FF6_A527, 0x3FBE_5F54, 0x3F66_9567, 0xC006_C0DD, 0x3F2D_ACD5, 0xBF9E_0592, 0xBD30_6787,
        0xBFCD_65BA,
      ])
    #expect(
      [15, 16, 50, 83, 84, 99].map { observed[$0] } == [
        0x3F43_2F9F, 0x3FD2_3771, 0x3D9F_CAFB, 0xBF15_DAD8, 0x3F24_088A, 0x3F1E_061C,
      ])
  }

  @Test func sizesBelowSixteenTakeTheDoublePrecisionPath() {
    #expect(bits(Tensor.randn([1], seed: 42)) == [0x3EAC_62AE])
    #expect(
      bits(Tensor.randn([5], seed: 42)) == [0x3EAC_62AE, 0x3E03_E69D, 0x3E70_16E7, 0x3E6B_DC6C, 0xBF8F_B9C2])
    let fifteen = bits(Tensor.randn([3, 5], seed: 42))
    #expect(fifteen.count == 15)
    #expect(Array(fifteen[12..<15]) == [0x3F8E_1DFE, 0xBFD8_4B55, 0xBF7D_2C7A])
  }

  @Test func multiplesOfSixteenAndARedrawnTail() {
    let sixteen = bits(Tensor.randn([16], seed: 42))
    #expect(sixteen[8] == 0xBF40_8BF0)
    #expect(sixteen[15] == 0x3F43_2F9F)
    let thirtyTwo = bits(Tensor.randn([2, 16], seed: 42))
    #expect(Array(thirtyTwo[0..<3]) == [0x3FF6_A529, 0x3FBE_5F53, 0x3F66_9567])
    #expect(Array(thirtyTwo[29..<32]) == [0x3D2B_0C00, 0xBE80_CE7A, 0x3F5C_1FB0])
    // 17 elements: element 0 survives from the first block, 1..16 are redrawn.
    let seventeen = bits(Tensor.randn([17], seed: 42))
    #expect(seventeen[0] == 0x3FF6_A529)
    #expect(Array(seventeen[1..<4]) == [0xBE23_6D85, 0xBEFE_AAE4, 0x3EE1_11D8])
    #expect(seventeen[16] == 0xBE9E_9482)
  }

  @Test func scalarPathCachesTheSecondSampleAcrossCalls() {
    // torch.manual_seed(7); a = torch.randn(3); b = torch.randn(3)
    var generator = TorchGenerator(seed: 7)
    #expect(bits(generator.randn([3])) == [0xBE16_5174, 0x3F49_408E, 0x3F72_62E7])
    #expect(bits(generator.randn([3])) == [0xBF8E_A2D3, 0x3FD8_6BD0, 0xBF65_1371])
    // torch.manual_seed(7); randn(3); randn(20); randn(1): the block kernel
    // leaves the cached sample alone.
    generator = TorchGenerator(seed: 7)
    _ = generator.randn([3])
    #expect(Array(bits(generator.randn([20]))[0..<2]) == [0xBE34_AC25, 0x3FE0_05A6])
    #expect(bits(generator.randn([1])) == [0xBF8E_A2D3])
  }

  @Test func onlyTheLow32BitsOfTheSeedCount() {
    // torch.manual_seed(2**32 + 5) and torch.manual_seed(5) agree.
    #expect(bits(Tensor.randn([2], seed: (1 << 32) + 5)) == [0xBEF9_3B54, 0xBF1A_940D])
    #expect(bits(Tensor.randn([2], seed: 5)) == [0xBEF9_3B54, 0xBF1A_940D])
  }

  @Test func randMatchesPyTorch() {
    // torch.manual_seed(0); torch.rand(2, 2, 4), the input of d2l's masked_softmax example.
    let uniforms = Tensor.rand([2, 2, 4], seed: 0)
    #expect(uniforms.shape == [2, 2, 4])
    #expect(
      bits(uniforms) == [
        0x3EFE_1558, 0x3F44_AA2F, 0x3DB5_33A8, 0x3E07_3300, 0x3E9D_6686, 0x3F22_52FB, 0x3EFA_ED86,
        0x3F65_7D67,
        0x3EE9_4812, 0x3F21_DED3, 0x3EB2_A22A, 0x3ECD_ADE4, 0x3CB6_E480, 0x3E2C_E95C, 0x3E96_788C,
        0x3F04_BDD8,
      ])
  }

  @Test func emptyAndScalarShapes() {
    #expect(Tensor.randn([0, 3], seed: 1).count == 0)
    let scalar = Tensor.randn([], seed: 42)
    #expect(scalar.shape == [])
    #expect(bits(scalar) == [0x3EAC_62AE])
  }

  @Test func cephesLogAndSinCosStayCloseToLibm() {
    // The polynomials are not libm, but they must stay within a few float
    // ulps of the true values over the range Box–Muller feeds them.
    var engine = MersenneTwister(seed: UInt32.random(in: 0...UInt32.max))
    var worstLogUlps = 0.0
    var worstSinCosError = 0.0
    for _ in 0..<20_000 {
      let u = Float(engine.next() & 0xFF_FFFF) * 0x1p-24
      let argument = 1 - u
      let exactLog = Foundation.log(Double(argument))
      let logError = abs(Double(CephesFloat.log(argument)) - exactLog)
      worstLogUlps = max(worstLogUlps, logError / Double(Float(exactLog).ulp))
      let theta = Float(2 * Double.pi) * u
      let (sine, cosine) = CephesFloat.sinCos(theta)
      worstSinCosError = max(
        worstSinCosError,
        abs(Double(sine) - Foundation.sin(Double(theta))),
        abs(Double(cosine) - Foundation.cos(Double(theta))))
    }
    #expect(worstLogUlps <= 2)
    #expect(worstSinCosError <= 2 * Double(Float.ulpOfOne))
  }
}
