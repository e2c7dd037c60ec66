"""Make minilm_reference.npz: what PyTorch says all-MiniLM-L6-v2 computes, for tests/test_pretrained.py.

Not run by the tests. Run it in a separate venv that has the reference stack (never the project's):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch==2.13.0 transformers==5.24.0 sentence-transformers==6.2.0
    /tmp/refvenv/bin/python tests/data/make_minilm_reference.py MODEL_FOLDER

MODEL_FOLDER holds model.safetensors, tokenizer.json and config.json (see tests/test_pretrained.py). Attention comes
from transformers' BertModel with the eager implementation (the plain softmax(QKᵀ/√d_k) one); the embedding from
sentence-transformers itself (mean pooling, then L2 normalisation), checked against mean-pooling BertModel's output.
"""
import sys
from pathlib import Path

SENTENCES = [  # short, punctuation, a rare word and an emoji ([UNK]), 16 tokens, accents
    "jane visits africa",
    "The cat sat on the mat.",
    "Zxqv the quokka 🦜 grinned?! (really)",
    "Attention lets every word in a sentence look at every other word first.",
    "café à Paris",
]
# Longer than 64 tokens: compared (tokens and embedding only) after cutting it to its first 64 tokens.
LONG = " ".join(["The quick brown fox jumps over the lazy dog while the teacher explains attention."] * 6)
MAX_TOKENS = 64


def main(folder: str) -> None:
    # Imported here, not at the top: pytest (--doctest-modules) imports every module under tests/, and the project's
    # venv has none of these.
    import numpy as np
    import sentence_transformers
    import torch
    import transformers
    from transformers import AutoTokenizer, BertModel

    tokenizer = AutoTokenizer.from_pretrained(folder)
    bert = BertModel.from_pretrained(folder, attn_implementation="eager").eval()
    st = sentence_transformers.SentenceTransformer(folder, device="cpu")
    st.max_seq_length = MAX_TOKENS
    out = {"versions": np.array([f"torch {torch.__version__}", f"transformers {transformers.__version__}",
                                 f"sentence-transformers {sentence_transformers.__version__}"])}
    with torch.no_grad():
        for i, sentence in enumerate([*SENTENCES, LONG]):
            encoded = tokenizer(sentence, return_tensors="pt", truncation=True, max_length=MAX_TOKENS)
            result = bert(**encoded, output_attentions=True)
            pooled = torch.nn.functional.normalize(result.last_hidden_state.mean(dim=1), dim=-1)[0].numpy()
            embedding = st.encode(sentence, convert_to_numpy=True)
            assert np.abs(embedding - pooled).max() < 1e-6, "sentence-transformers and BertModel disagree"
            name = "long" if sentence is LONG else str(i)
            out[f"{name}/sentence"] = np.array(sentence)
            out[f"{name}/tokens"] = np.array(tokenizer.convert_ids_to_tokens(encoded["input_ids"][0]))
            out[f"{name}/embedding"] = embedding.astype(np.float32)
            if sentence is not LONG:  # layers x heads x n x n
                out[f"{name}/attention"] = torch.stack(result.attentions)[:, 0].numpy().astype(np.float32)
    np.savez_compressed(Path(__file__).with_name("minilm_reference.npz"), **out)


if __name__ == "__main__":
    main(sys.argv[1])
