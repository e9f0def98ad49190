import Testing

@testable import TensorIO

@Suite struct ByteScannerTests {
  /// Runs `body` on a scanner over the UTF-8 of `text` and returns what it returns.
  private func scanning<Value>(_ text: String, from position: Int = 0, _ body: (inout ByteScanner) -> Value)
    -> Value
  {
    ByteScanner.scanning(Array(text.utf8), from: position) { scanner in
      var scanner = scanner
      return body(&scanner)
    }
  }

  /// The range the number at the start of `text` covers, or the part missing its digit.
  private func jsonNumber(_ text: String) -> Result<Range<Int>, ByteScanner.MissingDigit> {
    scanning(text) { scanner in Result { () throws(ByteScanner.MissingDigit) in try scanner.scanJSONNumber() }
    }
  }

  /// Why the safetensors header parser rejects `text`, or nil if it takes it.
  private func headerProblem(_ text: String) -> String? {
    Array(text.utf8).withUnsafeBytes { bytes in
      do throws(Problem) {
        _ = try HeaderJSONParser.parse(bytes)
        return nil
      } catch {
        return error.reason
      }
    }
  }

  @Test func emptyInputIsAtTheEndEverywhere() {
    scanning("") { scanner in
      #expect(scanner.isAtEnd)
      #expect(scanner.peek() == nil)
      let tookByte = scanner.consume(UInt8(ascii: "["))
      let tookLiteral = scanner.consume("null".utf8)
      let tookNothing = scanner.consume("".utf8)
      #expect(!tookByte && !tookLiteral && tookNothing)
      scanner.skipJSONWhitespace()
      let digits = scanner.scanDigits()
      #expect(digits == 0..<0)
      #expect(scanner.shownToken() == nil)
      #expect(scanner.location == (1, 1))
      #expect(scanner.position == 0)
    }
    #expect(jsonNumber("") == .failure(.integer))
  }

  @Test func aTruncatedLiteralIsNotConsumed() {
    scanning("tru") { scanner in
      let tookTrue = scanner.consume("true".utf8)
      #expect(!tookTrue)
      #expect(scanner.position == 0)
      let tookTru = scanner.consume("tru".utf8)
      #expect(tookTru)
      #expect(scanner.isAtEnd)
    }
    scanning("nul!") { scanner in
      let tookNull = scanner.consume("null".utf8)
      #expect(!tookNull)
      #expect(scanner.position == 0)
    }
  }

  @Test func literalAtTheEndIsConsumedWhole() {
    scanning(" -Infinity") { scanner in
      scanner.skipJSONWhitespace()
      let tookInfinity = scanner.consume("-Infinity".utf8)
      #expect(tookInfinity)
      #expect(scanner.isAtEnd)
    }
  }

  @Test func escapesAtTheEndLeaveTheBackslashVisible() {
    // The scanner has no string grammar: a trailing escape is just bytes, and
    // the parser reading it sees the end right after the backslash.
    scanning("\"ab\\") { scanner in
      let tookQuote = scanner.consume(UInt8(ascii: "\""))
      #expect(tookQuote)
      let contents = scanner.scan(while: { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
      #expect(scanner.text(contents) == "ab")
      let tookBackslash = scanner.consume(UInt8(ascii: "\\"))
      #expect(tookBackslash)
      #expect(scanner.peek() == nil)
      #expect(scanner.shownToken() == nil)
    }
    #expect(
      headerProblem("\"ab\\") == "header is not valid JSON: expected an escape, found the end at byte 4")
    #expect(
      headerProblem("\"\\u00")
        == "header is not valid JSON: expected four hexadecimal digits after \\u, found the end at byte 5")
  }

  @Test func numbersAtTheEndOfTheInput() {
    #expect(jsonNumber("0") == .success(0..<1))
    #expect(jsonNumber("-12") == .success(0..<3))
    #expect(jsonNumber("1.5e+3") == .success(0..<6))
    #expect(jsonNumber("-") == .failure(.integer))
    #expect(jsonNumber("1.") == .failure(.fraction))
    #expect(jsonNumber("1e") == .failure(.exponent))
    #expect(jsonNumber("1E-") == .failure(.exponent))
    #expect(scanning("12") { scanner in scanner.scanDigits() } == 0..<2)
  }

  @Test func numbersStopWhereTheGrammarDoes() {
    // A leading zero ends the integer part; what follows is the parser's to reject.
    #expect(jsonNumber("012") == .success(0..<1))
    #expect(jsonNumber("1,2") == .success(0..<1))
    #expect(jsonNumber("+1") == .failure(.integer))
    #expect(jsonNumber(".5") == .failure(.integer))
    #expect(jsonNumber("1.e5") == .failure(.fraction))
    scanning("-x") { scanner in
      #expect(throws: ByteScanner.MissingDigit.integer) { _ = try scanner.scanJSONNumber() }
      #expect(scanner.position == 1, "the failure is reported where the digit should be")
    }
  }

  @Test func jsonWhitespaceIsFourBytesOnly() {
    scanning(" \t\r\n\u{0B}x") { scanner in
      scanner.skipJSONWhitespace()
      #expect(scanner.position == 4)
      #expect(scanner.shownToken() == "byte 0xb")
    }
  }

  @Test func scanStopsAtTheLimit() {
    scanning("abcdef\"") { scanner in
      let limited = scanner.scan(while: { $0 != UInt8(ascii: "\"") }, limit: 4)
      let rest = scanner.scan(while: { $0 != UInt8(ascii: "\"") })
      let tookQuote = scanner.consume(UInt8(ascii: "\""))
      #expect(limited == 0..<4 && rest == 4..<6 && tookQuote)
      #expect(scanner.isAtEnd)
    }
  }

  @Test func shownTokenRunsToADelimiter() {
    scanning("[1, nope]") { scanner in
      scanner.advance(by: 4)
      #expect(scanner.shownToken() == "'n'")
      #expect(scanner.shownToken(delimitedBy: Array(",]".utf8)) == "'nope'")
    }
    scanning(String(repeating: "x", count: 50)) { scanner in
      #expect(scanner.shownToken(delimitedBy: [0x20]) == "'\(String(repeating: "x", count: 40))…'")
    }
  }

  @Test func locationCountsLinesAndColumnsFromOne() {
    scanning("[\n  1,\n  x]", from: 9) { scanner in
      #expect(scanner.peek() == UInt8(ascii: "x"))
      #expect(scanner.location == (3, 3))
    }
    scanning("\n") { scanner in
      scanner.advance()
      #expect(scanner.location == (2, 1))
    }
  }
}
