import Foundation
import Hummingbird
import TensorIO
import TransformerModels

/// `POST /api/generate`'s answer: newline-delimited JSON, one line as soon
/// as each is known.
///
/// 1. `{"model", "tokens", "ids", "layers", "heads"}`: the prompt as the model reads it.
/// 2. One line a written token: `{"index", "id", "token", "text", "attention"}`,
///    `attention` nested `[layers][heads][P + index]`: what the token attended
///    to when it was written (`GeneratedToken.attention`), each number the
///    shortest decimal that reads back as the same float32.
/// 3. `{"stop", "text", "generated"}`: why writing stopped, the whole text,
///    the count of tokens written; or `{"error"}` if the model failed midway.
///
/// Legend: `P` prompt tokens.
enum GenerationStream {
  static let mediaType = "application/x-ndjson"

  /// The answer for `prompt`, which runs the model as it is written, a few
  /// lines ahead of the client at most. A client that leaves stops the model
  /// at its next token; the body ends only once the model has stopped, so
  /// that the turn it holds is given back when the core is free.
  static func response(
    model: any GenerativeModel, name: String, prompt: Encoding, options: GenerationOptions
  ) -> Response {
    let first = startLine(name: name, prompt: prompt, summary: model.summary)
    let body = ResponseBody { writer in
      let (lines, sink) = AsyncStream.makeStream(of: ByteBuffer.self)
      let job = GenerationJob()
      AttentionService.computeQueue.async {
        do {
          let run = try model.generate(prompt: prompt, options: options) { token in
            try job.waitForRoom()
            sink.yield(try tokenLine(token))
          }
          sink.yield(endLine(run))
        } catch is ClientLeft {
        } catch {
          sink.yield(errorLine(String(describing: error)))
        }
        sink.finish()
        job.finish()
      }
      do {
        try await writer.write(first)
        for await line in lines {
          try await writer.write(line)
          job.wrote()
        }
        try await writer.finish(nil)
      } catch {
        job.stop()
        await job.finished()
        throw error
      }
      // Cancelled, the loop above ends before the model does.
      job.stop()
      await job.finished()
    }
    return Response(status: .ok, headers: [.contentType: mediaType, .cacheControl: "no-store"], body: body)
  }

  /// `{"model", "tokens", "ids", "layers", "heads"}`.
  static func startLine(name: String, prompt: Encoding, summary: ModelSummary) -> ByteBuffer {
    var json = "{\"model\":"
    appendJSONString(name, to: &json)
    json += ",\"tokens\":"
    appendJSONArray(prompt.tokens, to: &json)
    json += ",\"ids\":[\(prompt.ids.map(String.init).joined(separator: ","))]"
    json += ",\"layers\":\(summary.layerCount),\"heads\":\(summary.headCount)}\n"
    return ByteBuffer(string: json)
  }

  /// `{"index", "id", "token", "text", "attention"}`.
  ///
  /// - Throws: `ServeError` (500) if a weight is NaN or infinite, which JSON cannot hold.
  static func tokenLine(_ token: GeneratedToken) throws -> ByteBuffer {
    var head = "{\"index\":\(token.index),\"id\":\(token.id),\"token\":"
    appendJSONString(token.label, to: &head)
    head += ",\"text\":"
    appendJSONString(token.text, to: &head)
    head += ",\"attention\":"
    let attention = token.attention
    guard attention.scalars.allSatisfy(\.isFinite) else {
      throw ServeError(
        status: .internalServerError, "the attention of token \(token.index) holds NaN or infinity")
    }
    let (layers, heads, keys) = (attention.shape[0], attention.shape[1], attention.shape[2])
    var line = ByteBuffer(string: head)
    let largest = layers * heads * (keys * (ShortestDecimal.maximumLength + 1) + 2) + layers * 3 + 4
    attention.scalars.withUnsafeBufferPointer { scalars in
      line.writeWithUnsafeMutableBytes(minimumWritableBytes: largest) { raw in
        let start = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var output = start
        func put(_ character: Unicode.Scalar) {
          output.pointee = UInt8(ascii: character)
          output += 1
        }
        put("[")
        for layer in 0..<layers {
          if layer > 0 { put(",") }
          put("[")
          for head in 0..<heads {
            if head > 0 { put(",") }
            put("[")
            let first = (layer * heads + head) * keys
            for key in 0..<keys {
              if key > 0 { put(",") }
              output += ShortestDecimal.write(scalars[first + key], to: output)
            }
            put("]")
          }
          put("]")
        }
        put("]")
        put("}")
        put("\n")
        return output - start
      }
    }
    return line
  }

  /// `{"stop", "text", "generated"}`.
  static func endLine(_ run: GenerationRun) -> ByteBuffer {
    var json = "{\"stop\":"
    appendJSONString(run.stop.rawValue, to: &json)
    json += ",\"text\":"
    appendJSONString(run.text, to: &json)
    json += ",\"generated\":\(run.generatedIds.count)}\n"
    return ByteBuffer(string: json)
  }

  /// `{"error"}`.
  static func errorLine(_ message: String) -> ByteBuffer {
    var json = "{\"error\":"
    appendJSONString(message, to: &json)
    return ByteBuffer(string: json + "}\n")
  }

  private static func appendJSONArray(_ strings: [String], to json: inout String) {
    json += "["
    for (index, string) in strings.enumerated() {
      if index > 0 { json += "," }
      appendJSONString(string, to: &json)
    }
    json += "]"
  }
}

/// Thrown from `onToken` to stop a model whose client has left.
private struct ClientLeft: Error {}

/// One generation on the compute queue: at most `window` lines ahead of
/// the client, told to stop by the body that writes it, and waited for until
/// it has stopped.
private final class GenerationJob: @unchecked Sendable {
  /// The most lines made and not yet written: a client that reads slowly
  /// slows the model rather than filling the server's memory.
  static let window = 8

  private let condition = NSCondition()
  private var stopped = false
  private var pending = 0
  private var done = false
  private var waiters: [CheckedContinuation<Void, Never>] = []

  /// On the compute queue, before a line is made: waits while the window
  /// is full.
  ///
  /// - Throws: `ClientLeft` once the body has stopped the job.
  func waitForRoom() throws(ClientLeft) {
    condition.lock()
    defer { condition.unlock() }
    while pending >= Self.window && !stopped { condition.wait() }
    if stopped { throw ClientLeft() }
    pending += 1
  }

  /// A line has been written.
  func wrote() {
    condition.lock()
    pending -= 1
    condition.signal()
    condition.unlock()
  }

  func stop() {
    condition.lock()
    stopped = true
    condition.broadcast()
    condition.unlock()
  }

  /// Called once, when the model has returned.
  func finish() {
    condition.lock()
    done = true
    let waiting = waiters
    waiters = []
    condition.unlock()
    waiting.forEach { $0.resume() }
  }

  /// Returns once `finish()` has been called.
  func finished() async {
    await withCheckedContinuation { continuation in
      condition.lock()
      let now = done
      if !now { waiters.append(continuation) }
      condition.unlock()
      if now { continuation.resume() }
    }
  }
}
