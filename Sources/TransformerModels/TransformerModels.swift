// BERT-family encoders loaded from Hugging Face model folders: the WordPiece
// tokenizer, safetensors weights and an encoder that records its attention.
@_exported import AttentionCore
