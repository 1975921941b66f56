"Weight extraction on small random checkpoints (no data needed): our BERT/Llama forwards vs references, heads vs sublayers."
import math
import pytest
import torch

from symlearn.attention.flow import attention_field, rope_rotate
from symlearn.attention.models import bert_forward, bert_reference, bert_heads, llama_forward, llama_heads, llama_pe

F64 = torch.float64



def fake_bert(g, L=2, d=16, H=4, ff=32, vocab=50):
    w = {"embeddings.word_embeddings.weight": torch.randn(vocab, d, generator=g, dtype=F64),
         "embeddings.position_embeddings.weight": torch.randn(32, d, generator=g, dtype=F64),
         "embeddings.token_type_embeddings.weight": torch.randn(2, d, generator=g, dtype=F64),
         "embeddings.LayerNorm.weight": 1 + 0.1 * torch.randn(d, generator=g, dtype=F64),
         "embeddings.LayerNorm.bias": 0.1 * torch.randn(d, generator=g, dtype=F64)}
    for l in range(L):
        p = f"encoder.layer.{l}."
        for name, (o, i) in {"attention.self.query": (d, d), "attention.self.key": (d, d), "attention.self.value": (d, d),
                             "attention.output.dense": (d, d), "intermediate.dense": (ff, d), "output.dense": (d, ff)}.items():
            w[p + name + ".weight"] = torch.randn(o, i, generator=g, dtype=F64) / math.sqrt(i)
            w[p + name + ".bias"] = 0.1 * torch.randn(o, generator=g, dtype=F64)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"] = 1 + 0.1 * torch.randn(d, generator=g, dtype=F64)
            w[p + ln + ".bias"] = 0.1 * torch.randn(d, generator=g, dtype=F64)
    cfg = {"num_hidden_layers": L, "hidden_size": d, "num_attention_heads": H, "intermediate_size": ff, "layer_norm_eps": 1e-12}
    return w, cfg


def test_bert_forward_matches_torch_encoder_layers(gen):
    w, cfg = fake_bert(gen)
    ids = torch.randint(0, 50, (9,), generator=gen)
    assert (bert_forward(w, cfg, ids)["hidden"] - bert_reference(w, cfg, ids)).abs().max() < 1e-10


def test_bert_heads_reproduce_sublayer_with_biases(gen):
    w, cfg = fake_bert(gen)
    fw = bert_forward(w, cfg, torch.randint(0, 50, (7,), generator=gen))
    for l in range(2):
        hp = bert_heads(w, cfg, l)
        F = attention_field(fw["attn_in"][l], hp["Q"], hp["K"], hp["V"], key_bias=hp["key_bias"], drift=hp["drift"])
        assert (F - fw["attn_out"][l]).norm() / fw["attn_out"][l].norm() < 1e-12
        F0 = attention_field(fw["attn_in"][l], hp["Q"], hp["K"], hp["V"])          # negative control: biases matter
        assert (F0 - fw["attn_out"][l]).norm() / fw["attn_out"][l].norm() > 1e-3


def fake_llama(g, L=2, d=16, H=4, Hkv=2, dk=4, ff=24, vocab=40):
    ts = {"token_embd.weight": torch.randn(vocab, d, generator=g, dtype=F64), "output_norm.weight": 1 + 0.1 * torch.randn(d, generator=g, dtype=F64)}
    for l in range(L):
        b = f"blk.{l}."
        ts[b + "attn_norm.weight"] = 1 + 0.1 * torch.randn(d, generator=g, dtype=F64)
        ts[b + "ffn_norm.weight"] = 1 + 0.1 * torch.randn(d, generator=g, dtype=F64)
        for name, (o, i) in {"attn_q": (H * dk, d), "attn_k": (Hkv * dk, d), "attn_v": (Hkv * dk, d), "attn_output": (d, H * dk),
                             "ffn_gate": (ff, d), "ffn_up": (ff, d), "ffn_down": (d, ff)}.items():
            ts[b + name + ".weight"] = torch.randn(o, i, generator=g, dtype=F64) / math.sqrt(i)
    meta = {"llama.block_count": L, "llama.attention.head_count": H, "llama.attention.head_count_kv": Hkv,
            "llama.attention.layer_norm_rms_epsilon": 1e-5, "llama.rope.freq_base": 100.0}
    return ts, meta


def test_llama_heads_reproduce_sublayer_gqa_rope(gen):
    ts, meta = fake_llama(gen)
    fw = llama_forward(ts, meta, torch.randint(0, 40, (10,), generator=gen))
    for l in range(2):
        hp = llama_heads(ts, meta, l)
        F = attention_field(fw["attn_in"][l], hp["Q"], hp["K"], hp["V"], pe=llama_pe(meta), causal=True)
        assert (F - fw["attn_out"][l]).norm() / fw["attn_out"][l].norm() < 1e-12


def test_llama_gqa_mapping_matches_explicit_repeat(gen):
    ts, meta = fake_llama(gen)
    hp = llama_heads(ts, meta, 0, dtype=F64)
    g = ts["blk.0.attn_norm.weight"]
    Wk = (ts["blk.0.attn_k.weight"] * g).reshape(2, 4, 16)
    assert torch.equal(hp["K"], torch.repeat_interleave(Wk, 2, dim=0))       # query head h uses KV head h // 2


def test_llama_forward_causal_and_layout_sensitive(gen):
    ts, meta = fake_llama(gen)
    ids = torch.randint(0, 40, (8,), generator=gen)
    a, b = llama_forward(ts, meta, ids)["logits"], llama_forward(ts, meta, ids[:5])["logits"]
    assert (a[:5] - b).abs().max() < 1e-12                                    # causal: a prefix does not see the future
    assert (llama_forward(ts, meta, ids, "half")["logits"] - a).abs().max() > 1e-6
