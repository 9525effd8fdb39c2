"""An analysis as bytes and back: what worker processes send and the cache stores. Anything but the exact bytes
``encode`` wrote is refused before marshal reads it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlops_audit.facts.code import analyse
from mlops_audit.facts.codec import DIGEST, decode, encode

SOURCE = '''
import numpy as np
from sklearn.linear_model import LogisticRegression as LR  # mlops-audit: ignore[MOD001] reason
import torch.nn

class Model(torch.nn.Module):
    pass

def test_fit():
    m = LR(C=1.0, random_state=42)
    m.fit(np.zeros((2, 2)), [0, 1], verbose=True)
    assert m
    open("/home/me/data.csv")

np.random.seed(0)
'''


def test_round_trip_gives_back_the_same_analysis() -> None:
    info = analyse(SOURCE)
    assert info.calls and info.functions and info.classes and info.suppressions and info.strings
    back = decode(encode(info))
    assert back == info
    assert [c.name for c in back.calls] == [c.name for c in info.calls]  # still Call tuples, fields by name
    assert back.functions[0].asserts is True


def test_a_syntax_error_round_trips() -> None:
    info = analyse("def (:\n")
    assert info.error and decode(encode(info)) == info


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([*"ab_.=()[]:,'\"\n #09", "import ", "def ", "x.fit(", "assert ", "é"]),
                max_size=80).map("".join))
def test_any_source_round_trips(source: str) -> None:
    info = analyse(source)
    assert decode(encode(info)) == info


@pytest.mark.parametrize("position", [0, DIGEST - 1, DIGEST, DIGEST + 3, -1])
def test_one_flipped_byte_is_refused(position: int) -> None:
    data = bytearray(encode(analyse(SOURCE)))
    data[position] ^= 0x01
    with pytest.raises(ValueError):
        decode(bytes(data))


@pytest.mark.parametrize("data", [b"", b"x" * DIGEST, b"\x00" * 200, b"[]"])
def test_bytes_it_did_not_write_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        decode(data)


def test_truncated_bytes_are_refused() -> None:
    data = encode(analyse(SOURCE))
    for cut in (1, len(data) // 2, len(data) - 1):
        with pytest.raises(ValueError):
            decode(data[:cut])


def test_keyword_tuples_and_names_are_shared_across_analyses() -> None:
    """Thousands of files pass the same keywords (``random_state=42``): one tuple for all of them in memory."""
    one = decode(encode(analyse("import m\nm.fit(x, random_state=42)\n")))
    two = decode(encode(analyse("import m\n\nm.fit(y, random_state=42)\n")))
    assert one.calls[0].kwargs == (("random_state", "42"),)
    assert one.calls[0].kwargs is two.calls[0].kwargs
    assert one.calls[0].name is two.calls[0].name


def test_calls_and_functions_are_decoded_only_when_read() -> None:
    """An analysis read back keeps its calls and functions as bytes until a rule reads them; encoding it again
    passes those bytes on without decoding them."""
    info = decode(encode(analyse(SOURCE)))
    assert info._calls is None and info._functions is None
    assert info.call_names and info.packages  # the summaries are there at once
    again = encode(info)
    assert info._calls is None and info._functions is None
    assert decode(again) == analyse(SOURCE)
    assert info.calls[0].name == "sklearn.linear_model.LogisticRegression"
    assert info._calls is None and info._functions is None  # decoded for the reader, not kept
    assert info.calls == info.calls and info.calls is not info.calls
    assert info == analyse(SOURCE)


def test_the_summary_gives_each_call_name_with_its_first_line() -> None:
    info = analyse("import m\nm.fit(x)\nprint(1)\nm.fit(y)\nm.train()\nprint(2)\n")
    assert info.call_names == ("m.fit", "print", "m.train")
    assert info.call_lines == (2, 3, 5)
    assert info.keywords == () and info.packages == ("m",)


def test_a_lazily_read_analysis_is_the_analysis() -> None:
    """A cached analysis is read (marshal) only when a field is: the same fields, the error known before."""
    from mlops_audit.facts import codec

    for source in ("import numpy as np\nnp.random.seed(0)\ndef test_a():\n    assert 1\nclass T:\n    pass\n"
                   "x = '/home/a'\n", "def (\n"):
        info = analyse(source)
        reads: list[int] = []
        data = codec.encode(info)

        def load(data: bytes = data, reads: list[int] = reads) -> bytes:
            reads.append(1)
            return data

        lazy = codec.decode_lazy(load, lambda: pytest.fail("recovered"), info.error)
        assert lazy.error == info.error and reads == []  # the error is known: nothing read yet
        assert codec.decode(codec.encode(lazy)) == info
        assert lazy == info and lazy.calls == info.calls and lazy.functions == info.functions
        assert reads == [1]  # read once, when a field first was


def test_a_lazily_read_analysis_found_damaged_is_made_again() -> None:
    """Bytes whose checksum does not match are never read by marshal: the analysis is made again."""
    from mlops_audit.facts import codec

    info = analyse("import numpy as np\nnp.random.seed(0)\n")
    sealed = codec.encode(info)
    for damaged in (b"\x00" * 40, b"", None, sealed[:-1] + bytes([sealed[-1] ^ 1]), sealed[:10]):
        lazy = codec.decode_lazy(lambda damaged=damaged: damaged, lambda: analyse("import numpy as np\n"
                                 "np.random.seed(0)\n"), None)
        assert lazy.imports == info.imports and lazy.calls == info.calls
