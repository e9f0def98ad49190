/// How many tokens of each text to keep so that both fit in `budget`, the
/// maximum length less the special tokens, cutting the longer text first.
///
/// The split is that of Hugging Face's fast tokenizer: the shorter text keeps
/// all its tokens if the longer one can still have as many; otherwise each
/// keeps half the budget and the longer text (the second, on a tie) gets the
/// odd token. The slow Python tokenizer gives the odd token to the first text
/// instead when the two end up cut to the same length.
///
/// - Parameters:
///   - firstLength: tokens in the first text.
///   - secondLength: tokens in the second text, or `nil` for a single text.
///   - budget: the most tokens the texts may have together, at least 0.
/// - Returns: the tokens to keep of each text, from the start.
func longestFirstLengths(firstLength: Int, secondLength: Int?, budget: Int) -> (first: Int, second: Int) {
  precondition(budget >= 0 && firstLength >= 0 && (secondLength ?? 0) >= 0)
  guard let secondLength else {
    return (min(firstLength, budget), 0)
  }
  if firstLength + secondLength <= budget {
    return (firstLength, secondLength)
  }
  let swapped = firstLength > secondLength
  let shorter = swapped ? secondLength : firstLength
  var keptShorter = shorter
  var keptLonger = shorter > budget ? shorter : max(shorter, budget - shorter)
  if keptShorter + keptLonger > budget {
    keptShorter = budget / 2
    keptLonger = keptShorter + budget % 2
  }
  return swapped ? (keptLonger, keptShorter) : (keptShorter, keptLonger)
}
