// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "AttentionKit",
  products: [
    .library(name: "AttentionCore", targets: ["AttentionCore"]),
    .library(name: "TensorIO", targets: ["TensorIO"]),
    .library(name: "Heatmaps", targets: ["Heatmaps"]),
    .library(name: "TransformerModels", targets: ["TransformerModels"]),
    .executable(name: "attn", targets: ["attn"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    // Hummingbird's own event loops; attn names NIOCore for its IOError only.
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
  ],
  targets: [
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]
    ),
    .systemLibrary(
      name: "CPangoCairo",
      pkgConfig: "pangocairo",
      providers: [.apt(["libpango1.0-dev", "libcairo2-dev"]), .brew(["pango", "cairo"])]
    ),
    .systemLibrary(
      name: "CZlib",
      pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
    ),
    .target(name: "CAttentionKernels"),
    .target(name: "AttentionCore", dependencies: ["COpenBLAS", "CAttentionKernels"]),
    .target(name: "TensorIO", dependencies: ["AttentionCore", "CZlib"]),
    .target(name: "Heatmaps", dependencies: ["AttentionCore", "TensorIO", "CPangoCairo", "CZlib"]),
    .target(name: "TransformerModels", dependencies: ["AttentionCore", "TensorIO", "CAttentionKernels"]),
    .executableTarget(
      name: "attn",
      dependencies: [
        "AttentionCore", "TensorIO", "Heatmaps", "TransformerModels",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
      ]
    ),
    .testTarget(name: "AttentionCoreTests", dependencies: ["AttentionCore"]),
    .testTarget(name: "TensorIOTests", dependencies: ["TensorIO"], resources: [.copy("Fixtures")]),
    .testTarget(name: "HeatmapsTests", dependencies: ["Heatmaps"]),
    .testTarget(
      name: "TransformerModelsTests", dependencies: ["TransformerModels"],
      exclude: ["TokenizerFixtures", "Fixtures"]),
    .testTarget(name: "AttnCLITests", dependencies: ["AttentionCore", "TensorIO"]),
  ]
)
