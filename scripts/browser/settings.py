"""What the browser test types, expects and saves."""

# Words that are whole entries of the model's vocabulary (the test checks
# that against vocab.txt), so each must come back as one token and one tick
# label. Not the serve page's default sentence.
SENTENCE = "Seven quiet rivers carry old stones toward the sea"
PAIR = "Small boats drift past green hills"
# SENTENCE with one word changed, for the comparison.
MINIMAL_PAIR = "Seven small rivers carry old stones toward the sea"
LAYERS, HEADS = 6, 12
WINDOW = (1400, 1100)
SCREENSHOTS = ("served.png", "hover.png", "enlarged.png", "dark.png", "pair.png", "file.png", "headview.png",
               "headview-words.png", "generation.png", "lens-rollout.png", "span-served.png", "atlas.png", "compare.png", "headview-span.png",
               "long-grid.png", "long-zoomed.png", "long-offline-grid.png", "long-offline-exact.png",
               "long-offline.png")
