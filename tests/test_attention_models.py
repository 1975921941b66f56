"Real checkpoints (skipped unless `symlearn fetch-data minilm smollm2` was run): extraction reproduces the models."
import pytest
import torch
import torch.nn.functional as Fn

from symlearn.data.core import available
from symlearn.attention.flow import attention_field
from symlearn.attention.regimes import regime

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
SENT = "Attention layers move tokens like interacting particles, layer after layer."



@pytest.fixture(scope="module")
def minilm():
    if not available("minilm"): pytest.skip("MiniLM not in the data cache: run `symlearn fetch-data minilm`")
    pytest.importorskip("safetensors"); pytest.importorskip("tokenizers")
    from symlearn.data.models import load_minilm, minilm_tokenizer
    w, cfg = load_minilm()
    return w, cfg, minilm_tokenizer()


@pytest.fixture(scope="module")
def smol():
    if not available("smollm2"): pytest.skip("SmolLM2 not in the data cache: run `symlearn fetch-data smollm2`")
    pytest.importorskip("gguf"); pytest.importorskip("tokenizers")
    from symlearn.data.models import load_smollm2
    from symlearn.attention.models import smollm2_tokenizer
    ts, meta, vocab = load_smollm2()
    return ts, meta, smollm2_tokenizer(vocab)


def test_minilm_forward_matches_torch_transformer_layers(minilm):
    from symlearn.attention.models import bert_forward, bert_reference
    w, cfg, tok = minilm
    ids = torch.tensor(tok.encode(SENT).ids)
    ours, ref = bert_forward(w, cfg, ids)["hidden"], bert_reference(w, cfg, ids)
    assert (ours - ref).abs().max() / ref.abs().max() < 1e-4


def test_minilm_heads_reproduce_attention_sublayer(minilm):
    from symlearn.attention.models import bert_forward, bert_heads
    w, cfg, tok = minilm
    w64 = {k: v.double() for k, v in w.items()}
    fw = bert_forward(w64, cfg, torch.tensor(tok.encode(SENT).ids))
    for l in range(cfg["num_hidden_layers"]):
        hp = bert_heads(w64, cfg, l)
        F = attention_field(fw["attn_in"][l], hp["Q"], hp["K"], hp["V"], key_bias=hp["key_bias"], drift=hp["drift"])
        assert (F - fw["attn_out"][l]).norm() / fw["attn_out"][l].norm() < 1e-10
        if l == 0:
            r = regime(hp["Q"], hp["K"], hp["V"])
            assert int((r["trace_A"] > 0).sum()) == 3                  # regression check on the extraction
            assert (r["n_pos"] <= 32).all() and (r["n_neg"] <= 32).all()
            assert r["labels"] == ["undetermined"] * 12


def test_smollm2_paris_layout_and_heads(smol):
    from symlearn.attention.models import llama_forward, llama_heads, llama_pe
    ts, meta, tok = smol
    ids = torch.tensor(tok.encode("The capital of France is").ids)
    with torch.no_grad():
        assert tok.decode([int(llama_forward(ts, meta, ids)["logits"][-1].argmax())]) == " Paris"
        sent = torch.tensor(tok.encode("The cat sat on the mat and looked out of the window at the birds in the garden.").ids)
        nll = {lay: Fn.cross_entropy(llama_forward(ts, meta, sent, lay)["logits"][:-1], sent[1:]).item() for lay in ("adjacent", "half")}
        assert nll["adjacent"] < nll["half"]
        ts64 = {k: v.double() for k, v in ts.items()}
        fw = llama_forward(ts64, meta, sent)
    for l in (0, 14, 29):
        hp = llama_heads(ts, meta, l)
        F = attention_field(fw["attn_in"][l], hp["Q"], hp["K"], hp["V"], pe=llama_pe(meta), causal=True)
        assert (F - fw["attn_out"][l]).norm() / fw["attn_out"][l].norm() < 1e-10
