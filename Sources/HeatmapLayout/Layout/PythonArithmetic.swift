/// Python's float `divmod`: the floored quotient and a remainder with the
/// divisor's sign. matplotlib's tick arithmetic depends on its exact rounding.
func pythonDivmod(_ x: Double, _ y: Double) -> (quotient: Double, remainder: Double) {
  var remainder = x.truncatingRemainder(dividingBy: y)
  var division = (x - remainder) / y
  if remainder != 0 {
    if (y < 0) != (remainder < 0) {
      remainder += y
      division -= 1
    }
  } else {
    remainder = (0.0).sign == y.sign ? 0.0 : -0.0
  }
  var quotient: Double
  if division != 0 {
    quotient = division.rounded(.down)
    if division - quotient > 0.5 { quotient += 1 }
  } else {
    quotient = y.sign == x.sign ? 0.0 : -0.0
  }
  return (quotient, remainder)
}

/// Python's `x // y` for floats.
func pythonFloorDivide(_ x: Double, _ y: Double) -> Double {
  pythonDivmod(x, y).quotient
}
