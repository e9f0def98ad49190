// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "AttentionKit",
  products: [
    .library(name: "Tensors", targets: ["Tensors"]),
    .library(name: "AttentionCore", targets: ["AttentionCore"]),
    .library(name: "TensorIO", targets: ["TensorIO"]),
    .library(name: "HeatmapLayout", targets: ["HeatmapLayout"]),
    .library(name: "Heatmaps", targets: ["Heatmaps"]),
    .library(name: "TransformerModels", targets: ["TransformerModels"]),
    .library(name: "AttentionFigures", targets: ["AttentionFigures"]),
    .library(name: "AttentionServer", targets: ["AttentionServer"]),
    .executable(name: "attn", targets: ["attn"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
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
    // Tensors links nothing: reading a .npy needs neither OpenBLAS nor Cairo.
    .target(name: "Tensors"),
    .target(name: "AttentionCore", dependencies: ["Tensors", "COpenBLAS", "CAttentionKernels"]),
    .target(name: "TensorIO", dependencies: ["Tensors", "CZlib", "CAttentionKernels"]),
    // The pages' script, style and markup are compiled into the code, so that
    // neither the library nor attn needs a resource bundle beside it.
    // The figure model and its layout build without Cairo; the renderers draw them.
    .target(name: "HeatmapLayout", dependencies: ["Tensors"]),
    .target(
      name: "Heatmaps", dependencies: ["HeatmapLayout", "Tensors", "TensorIO", "CPangoCairo", "CZlib"],
      resources: [
        .embedInCode("Rendering/HTML/figure-page.css"), .embedInCode("Rendering/HTML/figure-page.html"),
        .embedInCode("Rendering/HTML/figure-page.js"), .embedInCode("Rendering/HTML/generation-page.css"),
        .embedInCode("Rendering/HTML/generation-page.html"),
        .embedInCode("Rendering/HTML/generation-page.js"), .embedInCode("Rendering/HTML/long-page.css"),
        .embedInCode("Rendering/HTML/long-page.html"), .embedInCode("Rendering/HTML/long-page.js"),
      ]),
    .target(name: "TransformerModels", dependencies: ["AttentionCore", "TensorIO", "CAttentionKernels"]),
    .target(name: "AttentionFigures", dependencies: ["Heatmaps", "TransformerModels"]),
    .target(
      name: "AttentionServer",
      dependencies: [
        "AttentionFigures", "Heatmaps", "TensorIO", "TransformerModels",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
        // Hummingbird's own event loops; named for NIOCore's IOError only.
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      resources: [
        .embedInCode("Page/serve-page.css"), .embedInCode("Page/serve-page.html"),
        .embedInCode("Page/serve-page.js"),
      ]
    ),
    .executableTarget(
      name: "attn",
      dependencies: [
        "AttentionCore", "TensorIO", "Heatmaps", "TransformerModels", "AttentionFigures", "AttentionServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "AttentionCoreTests", dependencies: ["AttentionCore", "CAttentionKernels"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "TensorIOTests", dependencies: ["TensorIO"], resources: [.copy("Fixtures")]),
    .testTarget(name: "HeatmapsTests", dependencies: ["Heatmaps", "HeatmapLayout"]),
    // Writes the tiny random models that tests run, as Hugging Face folders.
    .target(
      name: "AttentionTestSupport", dependencies: ["TransformerModels", "TensorIO"],
      path: "Tests/AttentionTestSupport"),
    .testTarget(
      name: "TransformerModelsTests", dependencies: ["TransformerModels", "AttentionTestSupport"],
      exclude: ["TokenizerFixtures", "Fixtures"]),
    .testTarget(name: "AttentionFiguresTests", dependencies: ["AttentionFigures", "AttentionTestSupport"]),
    .testTarget(
      name: "AttentionServerTests",
      dependencies: [
        "AttentionServer", "AttentionTestSupport",
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ]),
    .testTarget(
      name: "AttnCLITests", dependencies: ["AttentionCore", "TensorIO", "TransformerModels", "AttentionTestSupport"]),
  ]
)
