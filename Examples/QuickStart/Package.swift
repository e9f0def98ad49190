// swift-tools-version:6.0
import PackageDescription

// A package that uses AttentionKit as any other package would: by its
// products, through the public API alone.
let package = Package(
  name: "QuickStart",
  dependencies: [.package(name: "AttentionKit", path: "../..")],
  targets: [
    .executableTarget(
      name: "QuickStart",
      dependencies: [
        .product(name: "AttentionCore", package: "AttentionKit"),
        .product(name: "TensorIO", package: "AttentionKit"),
        .product(name: "Heatmaps", package: "AttentionKit"),
        .product(name: "TransformerModels", package: "AttentionKit"),
        .product(name: "AttentionFigures", package: "AttentionKit"),
      ]
    )
  ]
)
