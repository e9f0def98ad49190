// swift-tools-version:6.0
import PackageDescription

// libFuzzer harnesses for AttentionKit's binary parsers, one executable
// each, built by scripts/fuzz with `-sanitize=fuzzer,address` (the flags
// stay on the command line, so AttentionKit itself never carries them).
let package = Package(
  name: "AttentionKitFuzz",
  dependencies: [.package(name: "AttentionKit", path: "..")],
  targets: [
    .target(name: "CFuzzerDriver"),
    .target(name: "FuzzDriver", dependencies: ["CFuzzerDriver"]),
    .executableTarget(
      name: "FuzzGGUF",
      dependencies: [
        "FuzzDriver",
        .product(name: "TensorIO", package: "AttentionKit"),
        .product(name: "TransformerModels", package: "AttentionKit"),
      ]
    ),
    .executableTarget(
      name: "FuzzSafetensors",
      dependencies: ["FuzzDriver", .product(name: "TensorIO", package: "AttentionKit")]),
    .executableTarget(
      name: "FuzzNumPy", dependencies: ["FuzzDriver", .product(name: "TensorIO", package: "AttentionKit")]),
  ]
)
