"""CSV formats of docs/architecture.md (Data formats): round trips and bad files named by line and column."""

from __future__ import annotations

import io

import numpy as np
import pytest

from engine.irt.simulation import simulate_bank, simulate_responses
from itembank.io import FileFormatError, read_parameters, read_responses, write_parameters, write_responses


@pytest.mark.parametrize("model,k", [("2pl", 2), ("3pl", 2), ("grm", 4), ("gpcm", 3), ("rasch", 2)])
def test_parameters_round_trip(tmp_path, model, k):
    bank = simulate_bank(6, model, 3, n_categories=k)
    path = tmp_path / "p.csv"
    write_parameters(path, bank)
    back = read_parameters(path)
    np.testing.assert_array_equal(back.item_ids, bank.item_ids)
    for name in ("a", "b", "c", "d", "thresholds"):
        np.testing.assert_allclose(getattr(back, name), getattr(bank, name), rtol=1e-5, equal_nan=True)


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_responses_round_trip(tmp_path, layout):
    data = simulate_responses(simulate_bank(5, "grm", 1), np.linspace(-2, 2, 30), 2, missing_rate=0.3)
    path = tmp_path / "r.csv"
    write_responses(path, data, layout=layout)
    back = read_responses(path).align(data.item_ids)
    order = [list(back.student_ids).index(s) for s in data.student_ids if s in set(back.student_ids)]
    kept = [i for i, s in enumerate(data.student_ids) if s in set(back.student_ids)]
    np.testing.assert_array_equal(
        np.nan_to_num(back.to_table()[order], nan=-1), np.nan_to_num(data.to_table()[kept], nan=-1)
    )


BAD_LONG = {
    "unknown item": ("student_id,item_id,score\ns1,x,1\ns1,zz,0\n", "line 3, column item_id: unknown item 'zz'"),
    "out of range": ("student_id,item_id,score\ns1,x,1\ns2,x,2\n", "line 3, column score: score 2"),
    "repeat": ("student_id,item_id,score\ns1,x,1\ns1,x,0\n", "line 3: student 's1' answered item 'x' again"),
    "text": ("student_id,item_id,score\ns1,x,one\n", "line 2, column score"),
}


@pytest.mark.parametrize("case", sorted(BAD_LONG))
def test_bad_long_files_name_the_line(tmp_path, case):
    text, message = BAD_LONG[case]
    path = tmp_path / "r.csv"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=message):
        read_responses(path, n_categories={"x": 2})


def test_bad_wide_file_names_line_and_column(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("student_id,x,y\ns1,1,0\ns2,0,3\n")
    with pytest.raises(FileFormatError, match="line 3, column y: score 3 is out of range 0..1"):
        read_responses(path, n_categories={"x": 2, "y": 2})
    with pytest.raises(FileFormatError, match="column 3: unknown item 'y'"):
        read_responses(path, n_categories={"x": 2})


BAD_PARAMS = {
    "model": ("item_id,model,a,b\ni1,9pl,1,0\n", "line 2, column model"),
    "number": ("item_id,model,a,b\ni1,2pl,x,0\n", "line 2, column a"),
    "missing b": ("item_id,model,a,b\ni1,2pl,1,\n", "line 2, column b"),
    "gap": ("item_id,model,a,b1,b2,b3\ni1,grm,1,-1,,1\n", "line 2: thresholds"),
    "order": ("item_id,model,a,b1,b2\ni1,grm,1,1,-1\n", "line 2: item i1: grm thresholds must increase"),
    "duplicate": ("item_id,model,a,b\ni1,2pl,1,0\ni1,2pl,1,0\n", "line 3"),
    "column": ("item_id,model,a,b,q\ni1,2pl,1,0,1\n", "unknown column 'q'"),
}


@pytest.mark.parametrize("case", sorted(BAD_PARAMS))
def test_bad_parameter_files(tmp_path, case):
    text, message = BAD_PARAMS[case]
    path = tmp_path / "p.csv"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=message):
        read_parameters(path)


def test_not_utf8_names_line_and_byte_past_the_first_buffer(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"student_id,x\n" + b"s1,1\n" * 5000 + b"s\xff2,0\n")
    with pytest.raises(FileFormatError, match=r"line 5002: not UTF-8 text \(byte 2 of the line\)"):
        read_responses(path)


def test_mixed_line_ends_and_a_byte_order_mark_read_alike(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbfstudent_id,x,y\r\ns1,1,0\ns2,0,1\rs3,1,1\r\n")
    table = read_responses(path)
    assert table.student_ids.tolist() == ["s1", "s2", "s3"]
    assert table.to_table().tolist() == [[1, 0], [0, 1], [1, 1]]


def test_upload_stream_is_read_like_a_file_and_named_as_the_upload():
    stream = io.BytesIO(b"item_id,model,a,b\ni1,2pl,x,0\n")
    with pytest.raises(FileFormatError) as caught:
        read_parameters(stream)
    assert caught.value.problem == "line 2, column a: 'x' is not a number"
    assert not stream.closed


COLUMNAR_CASES = {
    "wide": "student_id,x,y,z\ns1,1,0,\ns2,0,,2\ns3,1,1,1\n",
    "long": "student_id,item_id,score\ns1,x,1\ns1,y,0\ns2,x,0\ns3,y,1\ns2,y,1\n",
    "long, administered_at, unsorted": (
        "student_id,item_id,score,administered_at\ns2,y,1,2026-01-02\ns1,x,1,2026-01-01\ns1,y,0,\n"
    ),
    "blanks, CRLF, BOM, spaces, quotes": '\ufeffstudent_id,x,y\r\n s1 ,1,0\r\n\r\n"s,2", 1 ,1\r\n',
    "neutralized ids": "student_id,item_id,score\n'=s1,x,1\ns2,'+y,0\n",
}


@pytest.mark.parametrize("case", sorted(COLUMNAR_CASES))
def test_columnar_reader_reads_what_the_line_reader_reads(tmp_path, case):
    from itembank.io import _read_long, _read_responses_columnar, _read_wide, read_csv_rows

    path = tmp_path / "r.csv"
    path.write_text(COLUMNAR_CASES[case], encoding="utf-8", newline="")
    header, body = read_csv_rows(path)
    by_line = (_read_long if header[1:3] == ["item_id", "score"] else _read_wide)(path, header, body, None)
    fast = _read_responses_columnar(path, None)
    assert fast is not None  # read by pyarrow, not handed to the line reader
    assert fast.student_ids.tolist() == by_line.student_ids.tolist()
    assert fast.item_ids.tolist() == by_line.item_ids.tolist()
    assert fast.is_sparse == by_line.is_sparse
    np.testing.assert_array_equal(fast.n_categories, by_line.n_categories)
    np.testing.assert_array_equal(np.nan_to_num(fast.to_table(), nan=-1), np.nan_to_num(by_line.to_table(), nan=-1))


def test_a_large_long_file_is_read_whole_and_in_order(tmp_path):
    rng = np.random.default_rng(5)
    students, items = rng.integers(0, 3000, 60_000), rng.integers(0, 400, 60_000)
    pairs = np.unique(students * 400 + items)
    rng.shuffle(pairs)
    path = tmp_path / "r.csv"
    rows = [f"S{p // 400},I{p % 400},{(p * 7) % 3}" for p in pairs]
    path.write_text("student_id,item_id,score\n" + "\n".join(rows) + "\n")
    data = read_responses(path)
    assert data.n_responses == len(pairs)
    table = data.to_table()
    student_pos = {s: i for i, s in enumerate(data.student_ids.tolist())}
    item_pos = {s: i for i, s in enumerate(data.item_ids.tolist())}
    for p in pairs[:500]:
        assert table[student_pos[f"S{p // 400}"], item_pos[f"I{p % 400}"]] == (p * 7) % 3
