import Foundation

/// Where `scripts/fetch-model` (and `make model`) put the default model.
func defaultModelFolder() -> String {
  let environment = ProcessInfo.processInfo.environment
  let cache = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
  return cache + "/attentionkit/all-MiniLM-L6-v2"
}
