import ArgumentParser
print("attn")
