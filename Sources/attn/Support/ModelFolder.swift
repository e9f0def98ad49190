import ArgumentParser
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

/// The model and the text of `[MODEL] TEXT` or `[MODEL] --input FILE`:
/// a lone argument is the text for the default model, or, with `--input`,
/// the model.
func splitModelAndText(_ arguments: [String], input: String?) -> (model: String, text: String?) {
  switch (arguments.count, input) {
  case (0, _): return (defaultModelFolder(), nil)
  case (1, nil): return (defaultModelFolder(), arguments[0])
  case (1, _): return (arguments[0], nil)
  default: return (arguments[0], arguments[1])
  }
}

/// Refuses arguments that are not `[MODEL] TEXT` or `[MODEL] --input FILE`.
func checkModelAndText(_ arguments: [String], input: String?) throws {
  guard arguments.count <= 2 else {
    throw ValidationError("give MODEL and TEXT, not \(arguments.count) arguments")
  }
  if arguments.count == 1, input == nil, isModelPath(arguments[0]) {
    throw ValidationError("give the TEXT after the model \(arguments[0])")
  }
  guard (splitModelAndText(arguments, input: input).text == nil) != (input == nil) else {
    throw ValidationError("give either TEXT or --input FILE")
  }
}
