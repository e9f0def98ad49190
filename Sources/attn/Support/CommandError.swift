import TensorIO

/// A failure the command reports as one `error:` line with exit status 1.
struct CommandError: Error, CustomStringConvertible {
  let description: String

  init(_ description: String) {
    self.description = description
  }
}

/// Runs `body`, naming `path` in any error it throws that does not name a
/// file already, so every message says which input it is about.
func naming<T>(_ path: String, _ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as TensorIOError {
    throw error
  } catch {
    let message = String(describing: error)
    throw message.hasPrefix(path) ? CommandError(message) : CommandError("\(path): \(message)")
  }
}
