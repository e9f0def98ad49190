import Foundation

/// Where `scripts/fetch-model` (and `make model`) put the default model.
func defaultModelFolder() -> String {
  let environment = ProcessInfo.processInfo.environment
  let cache = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
  return cache + "/attentionkit/all-MiniLM-L6-v2"
}

/// Where `scripts/fetch-model --decoder` (and `make model`) put the default decoder.
func defaultDecoderPath() -> String {
  let environment = ProcessInfo.processInfo.environment
  let cache = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
  return cache + "/attentionkit/SmolLM2-135M-Instruct.Q4_1.gguf"
}
