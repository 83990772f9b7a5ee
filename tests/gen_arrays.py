#!/usr/bin/python3
"""Writes the array-file fixtures of tests/test_arrayfile.c into
tests/data/arrays/: .npy files made by real numpy (np.save and
np.lib.format.write_array, versions 1.0, 2.0 and 3.0; float16, float32 and
float64 in both byte orders; C and Fortran order; 0-d to 3-d), safetensors
files made by the small writer below, the np.save reference files that
npy_write_f32 must reproduce byte for byte, and a set of bad files
(tests/data/arrays/bad/), one per validation case of src/arrayfile.c.

Run from the repository root with the interpreter that has numpy and torch:
    /usr/bin/python3 tests/gen_arrays.py
Everything is deterministic, so rerunning changes nothing unless numpy's or
torch's behaviour does.

tests/data/arrays/EXPECTED.txt, one good fixture a line ('#' lines are
comments):
    SPEC<TAB>NDIM<TAB>DIMS<TAB>BITS
SPEC is the file name (relative to tests/data/arrays), or FILE:TENSOR for a
safetensors tensor; DIMS the shape, comma-separated ('-' for 0-d); BITS the
float32 bit patterns (8 hex digits, space-separated) of the array in C
order, as torch.from_numpy(a).float() gives them (big-endian arrays are
first converted to native order, which torch.from_numpy requires;
safetensors tensors go through torch.frombuffer(...).float()), so the C test
needs neither numpy nor torch.

tests/data/arrays/bad/EXPECTED.txt, one bad case a line:
    SPEC<TAB>SUBSTRING
SPEC relative to tests/data/arrays/bad; arrayfile_open must fail with a
message containing SUBSTRING.
"""
import io
import json
import os
import struct

import numpy as np
import torch

DIR = os.path.join("tests", "data", "arrays")
BAD = os.path.join(DIR, "bad")
MAGIC = b"\x93NUMPY"

os.makedirs(BAD, exist_ok=True)
expected = []  # (spec, shape, bits)
bad = []  # (spec, substring)


def f32_bits(t):
    """A torch float32 tensor's bits in C order, as 8-digit hex strings."""
    a = t.contiguous().reshape(-1).numpy().view(np.uint32)
    return ["%08x" % int(x) for x in a]


def torch_float(arr):
    """torch.from_numpy(arr).float(), arr first put in native byte order."""
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return torch.from_numpy(arr).float()


def expect(spec, shape, t):
    expected.append((spec, tuple(shape), f32_bits(t)))


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def save_npy(name, arr, version=None):
    """arr by numpy itself: np.save, or write_array with a version."""
    path = os.path.join(DIR, name)
    if version is None:
        np.save(path, arr)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, arr, version=version)
    back = np.load(path)
    assert back.dtype == arr.dtype and back.shape == arr.shape
    expect(name, arr.shape, torch_float(back))


def npy_raw(header, version=(1, 0), data=b"", hlen=None):
    h = header.encode("latin1") if isinstance(header, str) else header
    if hlen is None:
        hlen = len(h)
    fmt = "<H" if version[0] == 1 else "<I"
    return MAGIC + bytes(version) + struct.pack(fmt, hlen) + h + data


def from_bits16(bits, order="<"):
    return np.array(bits, dtype=np.uint16).view(np.float16).astype(np.dtype(order + "f2"))


def from_bits64(bits):
    return np.array(bits, dtype=np.uint64).view(np.float64)


# ---- good .npy files ----------------------------------------------------

# float32 specials: NaNs (quiet, signalling, negative), infinities, -0,
# subnormals, the largest and smallest normals.
F32_SPECIAL = np.array(
    [0x7FC00000, 0x7F800001, 0xFFC12345, 0x7F800000, 0xFF800000, 0x80000000, 0x00000001, 0x807FFFFF,
     0x7F7FFFFF, 0x00800000, 0x3F800000, 0xBEAAAAAB, 0x40490FDB, 0x3DCCCCCD, 0xC2F6E979],
    dtype=np.uint32).view(np.float32)

a = F32_SPECIAL.reshape(3, 5)
save_npy("f32_2d.npy", a)
save_npy("f32_2d_be.npy", a.astype(">f4"))
save_npy("f32_2d_fortran.npy", np.asfortranarray(F32_SPECIAL[:12].reshape(4, 3)))
save_npy("f32_1d.npy", F32_SPECIAL[:5].copy())
save_npy("f32_0d.npy", np.array(F32_SPECIAL[4]))
save_npy("f32_3d.npy", (np.arange(24, dtype=np.float32) * np.float32(0.37) - 3).reshape(2, 3, 4))
save_npy("f32_3d_fortran_be.npy",
         np.asfortranarray((np.arange(24, dtype=np.float32) * np.float32(-1.25) + 7).reshape(2, 3, 4)).astype(">f4"))
save_npy("f32_empty_1d.npy", np.zeros((0,), np.float32))
save_npy("f32_empty_0x3.npy", np.zeros((0, 3), np.float32))
save_npy("f32_empty_3x0.npy", np.zeros((3, 0), np.float32))
save_npy("f32_v2.npy", F32_SPECIAL[:6].reshape(2, 3), version=(2, 0))
save_npy("f32_v3_fortran.npy", np.asfortranarray(F32_SPECIAL[:6].reshape(2, 3)), version=(3, 0))

# float64 values whose rounding to float32 is a tie (to even: down, up),
# just off a tie, overflowing (inf, also the tie at FLT_MAX + half an ulp),
# underflowing (+0, -0, subnormal ties), and NaNs with payloads.
e = 2.0 ** -24
F64 = np.array(
    [1 + e, 1 + 3 * e, 1 + e + 2.0 ** -40, -(1 + 3 * e), 2.0 ** -150, 3 * 2.0 ** -150, -(2.0 ** -150),
     (2 - 2.0 ** -23) * 2.0 ** 127 + 2.0 ** 103, (2 - 2.0 ** -23) * 2.0 ** 127 + 2.0 ** 103 - 2.0 ** 80,
     1e300, -1e300, 1e-300, -1e-300, 0.1, 1 / 3, np.pi],
    dtype=np.float64)
F64_NAN = from_bits64([0x7FF0000000000001, 0x7FF8000000000001, 0x7FF4000020000000, 0xFFF0123456789ABC])
f64 = np.concatenate([F64, F64_NAN])
save_npy("f64_2d.npy", f64.reshape(4, 5))
save_npy("f64_2d_be_fortran.npy", np.asfortranarray(f64.reshape(5, 4)).astype(">f8"))
save_npy("f64_v3.npy", f64[:8].copy(), version=(3, 0))

# float16: subnormals, infinities, NaNs (a signalling one gets quieted by
# c10's conversion, payload kept), -0, the largest value.
F16_BITS = [0x0001, 0x03FF, 0x0400, 0x8000, 0x7C00, 0xFC00, 0x7C01, 0xFE01, 0x7E00, 0x7BFF, 0x3C00, 0xB555,
            0x3555, 0x8001, 0x7D55, 0x0000]
save_npy("f16_1d.npy", from_bits16(F16_BITS))
save_npy("f16_2d_be.npy", from_bits16(F16_BITS[:12], ">").reshape(3, 4))
save_npy("f16_2d_fortran.npy", np.asfortranarray(from_bits16(F16_BITS[:12]).reshape(3, 4)))

# The np.save reference files for npy_write_f32 (also read back as good
# fixtures): 0-d, 1-d, 2-d, 3-d, empty, and a first axis of many digits.
save_npy("ref_save_0d.npy", np.array(np.float32(1.5)))
save_npy("ref_save_1d.npy", np.arange(5, dtype=np.float32) / np.float32(3))
save_npy("ref_save_2d.npy", (np.arange(15, dtype=np.float32) * np.float32(-0.7) + 2).reshape(3, 5))
save_npy("ref_save_3d.npy", (np.arange(24, dtype=np.float32) - 12).reshape(2, 3, 4))
save_npy("ref_save_empty.npy", np.zeros((0,), np.float32))
save_npy("ref_save_wide0.npy", np.zeros((123456789012, 0), np.float32))
save_npy("ref_save_long.npy", np.linspace(-1, 1, 1000, dtype=np.float32))


# Headers numpy reads but np.save does not write: Python 2's long ints,
# double quotes, other key orders, no trailing comma, no spaces, '=' '|' and
# bare byte orders, u'' strings. Each is checked with np.load.
def hand_npy(name, header, arr, version=(1, 0)):
    write(os.path.join(DIR, name), npy_raw(header, version, arr.tobytes(order="A")))
    back = np.load(os.path.join(DIR, name))
    assert back.shape == arr.shape and back.dtype == arr.dtype and back.tobytes(order="A") == arr.tobytes(order="A")
    expect(name, arr.shape, torch_float(back))


hand_npy("hand_py2_long.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 2L), }\n",
         F32_SPECIAL[:6].reshape(3, 2))
hand_npy("hand_quotes.npy", '{"shape": (2,), "descr": "=f4", "fortran_order": False}', F32_SPECIAL[6:8].copy())
hand_npy("hand_pipe_f8.npy", "{'descr':'|f8','fortran_order':False,'shape':(2,)}\n", f64[:2].copy(), (2, 0))
hand_npy("hand_unicode.npy", "{u'descr': u'>f2',\n 'fortran_order': True,\t'shape': (2, 2), }   \n",
         np.asfortranarray(from_bits16(F16_BITS[:4], ">").reshape(2, 2)), (3, 0))
hand_npy("hand_bare_f4.npy", "{'descr': 'f4', 'fortran_order': False, 'shape': (), }", np.array(np.float32(7.25)))


# ---- safetensors ----------------------------------------------------------

ST_DTYPE = {"F32": (np.float32, torch.float32), "F64": (np.float64, torch.float64), "F16": (np.float16, torch.float16),
            "BF16": (None, torch.bfloat16), "I32": (np.int32, torch.int32)}


def st_bytes(tensors, metadata=None, pad=True):
    """A safetensors file as the library writes it: 8-byte little-endian
    header length, the JSON header (padded with spaces to a multiple of 8),
    the buffer. tensors: (name, dtype, shape, raw bytes) in buffer order."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    off = 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in tensors)


def bf16_bits(x):
    """float32 -> bfloat16 bits, rounding to nearest even as c10 does."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    nan = np.isnan(np.asarray(x, dtype=np.float32))
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    r[nan] = 0x7FC0
    return r


def st_expect(fname, tensors):
    for name, dtype, shape, raw in tensors:
        if dtype not in ("F32", "F64", "F16", "BF16"):
            continue
        t = torch.frombuffer(bytearray(raw), dtype=ST_DTYPE[dtype][1]).reshape(shape) if raw else \
            torch.zeros(shape, dtype=ST_DTYPE[dtype][1])
        expect("%s:%s" % (fname, name), shape, t.float())


bf_src = np.array([1.0, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, -3.14159, 1e-40, 65504.0, np.inf, -0.0, 3.4e38, 1 / 3],
                  dtype=np.float32)
bf = bf16_bits(bf_src)
# torch agrees on the rounding
assert (torch.from_numpy(bf_src).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16) == bf).all()
bf = np.concatenate([bf, np.array([0x7F81, 0xFF81], np.uint16)])  # signalling NaNs stay as they are

MODEL = [
    ("w", "F32", (3, 5), F32_SPECIAL.tobytes()),
    ("b", "F64", (6,), f64[:6].tobytes()),
    ("h", "F16", (2, 3), from_bits16(F16_BITS[:6]).tobytes()),
    ("bf", "BF16", (3, 4), bf.tobytes()),
    ("s", "F32", (), np.float32(-2.5).tobytes()),
    ("e", "F32", (0, 4), b""),
    ("cube", "F16", (2, 2, 2), from_bits16(F16_BITS[8:16]).tobytes()),
    ("i", "I32", (2,), np.array([1, -1], np.int32).tobytes()),
]
write(os.path.join(DIR, "model.safetensors"), st_bytes(MODEL, metadata={"format": "pt", "note": "gradexp"}))
st_expect("model.safetensors", MODEL)
# unpadded header, no metadata, names needing JSON escapes
ESC = [("caf\u00e9 \"q\" \U0001F600", "F32", (2,), np.array([1, 2], np.float32).tobytes())]
write(os.path.join(DIR, "escapes.safetensors"), st_bytes(ESC, pad=False))
expected.append(("escapes.safetensors:caf\u00e9 \"q\" \U0001F600", (2,), ["3f800000", "40000000"]))

# ---- bad files ------------------------------------------------------------


def bad_file(name, data, substring, spec=None):
    write(os.path.join(BAD, name), data)
    bad.append((spec or name, substring))


def hdr(descr="'<f4'", fortran="False", shape="(3,)", extra=""):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, %s}" % (descr, fortran, shape, extra)


ok12 = np.zeros(3, np.float32).tobytes()
buf = io.BytesIO()
np.save(buf, np.arange(15, dtype=np.float32).reshape(3, 5))
saved = buf.getvalue()

bad_file("empty.npy", b"", "empty file")
bad_file("short.bin", b"abcde", "not a .npy or safetensors file (it has only 5 bytes)")
bad_file("garbage.txt", b"hello, this is not an array file\n",
         "not a .npy file (no \\x93NUMPY magic) nor a safetensors file (no JSON header)")
bad_file("preamble_magic_only.npy", MAGIC[:4], "truncated: the file ends inside the .npy preamble (it has 4 bytes)")
bad_file("preamble_short.npy", MAGIC + b"\x01\x00\x76", "truncated: the file ends inside the .npy preamble (it has 9 bytes)")
bad_file("preamble_v2_short.npy", MAGIC + b"\x02\x00\x76\x00", "truncated: the file ends inside the .npy preamble (it has 10 bytes)")
bad_file("version_4.npy", npy_raw(hdr(), (4, 0), ok12), "unsupported .npy format version 4.0 (gradexp reads 1.0, 2.0 and 3.0)")
bad_file("version_1_1.npy", npy_raw(hdr(), (1, 1), ok12), "unsupported .npy format version 1.1")
bad_file("header_huge.npy", npy_raw(hdr(), (2, 0), ok12, hlen=0xFFFFFFF0),
         "header length 4294967280 is too large (gradexp reads headers up to 65536 bytes)")
bad_file("header_truncated.npy", saved[:60], "truncated: the header says it is 118 bytes, the file has 50 after the preamble")
bad_file("data_truncated.npy", saved[:-48], "truncated: the header says 15 float32 (60 bytes) of data, the file has 12")
bad_file("data_truncated_v3.npy", npy_raw(hdr("'<f8'", shape="(2, 2)"), (3, 0), b"\0" * 31),
         "truncated: the header says 4 float64 (32 bytes) of data, the file has 31")
bad_file("not_dict.npy", npy_raw("[1, 2]\n"), "header is not a dict (at byte 10: expected '{')")
bad_file("set.npy", npy_raw("{'descr', 'shape'}\n"), "header is not a dict (at byte 18: expected ':')")
bad_file("header_empty.npy", npy_raw(""), "header is not a dict (at byte 10: expected '{')")
bad_file("syntax.npy", npy_raw("{'descr': '<f4' 'fortran_order': False, 'shape': (3,), }"),
         "header is not a dict (at byte 26: expected ',' or '}')")
bad_file("unterminated.npy", npy_raw("{'descr': '<f4, 'fortran_order': False}"), "header is not a dict (at byte")
bad_file("name.npy", npy_raw(hdr(fortran="false")), "header is not a dict (at byte 44: a name, not a literal)")
bad_file("text_after.npy", npy_raw(hdr() + " x\n", data=ok12), "header is not a dict (at byte 68: text after the dict)")
bad_file("nul.npy", npy_raw(hdr() + "\0", data=ok12), "header is not a dict (at byte 67: text after the dict)")
bad_file("deep.npy", npy_raw(hdr(extra="'x': " + "(" * 100 + ")" * 100)), "header is not a dict (at byte")
bad_file("missing_shape.npy", npy_raw("{'descr': '<f4', 'fortran_order': False, }"), "missing key 'shape'")
bad_file("missing_descr.npy", npy_raw("{'fortran_order': False, 'shape': (3,)}", data=ok12), "missing key 'descr'")
bad_file("unexpected_key.npy", npy_raw(hdr(extra="'x': 1, "), data=ok12), "unexpected key 'x'")
bad_file("unexpected_int_key.npy", npy_raw(hdr(extra="7: 1, "), data=ok12), "unexpected key 7")
bad_file("duplicate_key.npy", npy_raw(hdr(extra="'descr': '<f4'"), data=ok12), "duplicate key 'descr'")
bad_file("dtype_i4.npy", npy_raw(hdr("'<i4'"), data=ok12),
         "unsupported dtype '<i4' (gradexp reads float16, float32 and float64)")
bad_file("dtype_c8.npy", npy_raw(hdr('"<c8"'), data=ok12), "unsupported dtype '<c8'")
bad_file("dtype_object.npy", npy_raw(hdr("'|O'"), data=ok12), "object arrays are not supported")
bad_file("dtype_structured.npy", npy_raw(hdr("[('a', '<f4'), ('b', '<f4')]"), data=ok12),
         "unsupported dtype [('a', '<f4'), ('b', '<f4')] (gradexp reads")
bad_file("dtype_not_string.npy", npy_raw(hdr("4"), data=ok12), "unsupported dtype 4 (gradexp reads")
bad_file("fortran_int.npy", npy_raw(hdr(fortran="1"), data=ok12), "fortran_order must be True or False, not 1")
bad_file("shape_list.npy", npy_raw(hdr(shape="[3]"), data=ok12),
         "shape must be a tuple of non-negative integers, not [3]")
bad_file("shape_paren_int.npy", npy_raw(hdr(shape="(3)"), data=ok12),
         "shape must be a tuple of non-negative integers, not (3)")
bad_file("shape_negative.npy", npy_raw(hdr(shape="(-1,)")), "shape must be a tuple of non-negative integers, not (-1,)")
bad_file("shape_bool.npy", npy_raw(hdr(shape="(True, 3)")), "shape must be a tuple of non-negative integers")
bad_file("shape_float.npy", npy_raw(hdr(shape="(3.0,)")), "shape must be a tuple of non-negative integers")
bad_file("shape_9d.npy", npy_raw(hdr(shape="(1, 1, 1, 1, 1, 1, 1, 1, 1)")),
         "shape has 9 dimensions (gradexp reads at most 8)")
bad_file("shape_overflow.npy", npy_raw(hdr(shape="(4294967296, 4294967296)")), "shape overflows")
bad_file("shape_bytes_overflow.npy", npy_raw(hdr("'<f8'", shape="(2305843009213693952,)")), "shape overflows")
bad_file("shape_bigint.npy", npy_raw(hdr(shape="(99999999999999999999999,)")), "shape overflows")
bad_file("shape_cols_overflow.npy", npy_raw(hdr(shape="(0, 4294967296, 4294967296)")), "shape overflows")
bad_file("v3_not_utf8.npy", npy_raw(hdr("'<f\xff4'"), (3, 0), ok12), "header is not UTF-8 (at byte 25)")
bad_file("v2_latin1_dtype.npy", npy_raw(hdr("'<f\xff4'"), (2, 0), ok12), "unsupported dtype '<f?4' (gradexp reads")


def st_raw(header, data=b"", n=None):
    h = header.encode() if isinstance(header, str) else header
    return struct.pack("<Q", len(h) if n is None else n) + h + data


def info(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


def st_json(d, data=b""):
    return st_raw(json.dumps(d), data)


eight = np.array([1, 2], np.float32).tobytes()
bad_file("st_header_past_end.safetensors", st_raw('{"a": 1}', n=1000), "header length 1000 runs past the end of the file (16 bytes)")
bad_file("st_header_too_large.safetensors", st_raw('{"a": 1}', n=200000000),
         "header length 200000000 is over the safetensors limit of 100 MB")
bad_file("st_no_brace.safetensors", st_raw(' {"a": 1}'), "header does not start with '{'")
bad_file("st_empty_header.safetensors", st_raw(""), "header does not start with '{'")
bad_file("st_not_json.safetensors", st_raw('{"a": }'), "header is not JSON (at byte 14: expected a value)")
bad_file("st_truncated_json.safetensors", st_raw('{"a": {"dtype"'), "header is not JSON (at byte 22: expected ':')")
bad_file("st_bad_escape.safetensors", st_raw('{"a\\q": 1}'), "header is not JSON (at byte 11: bad escape)")
bad_file("st_lone_surrogate.safetensors", st_raw('{"a\\ud800x": 1}'), "header is not JSON (at byte 11: lone surrogate")
bad_file("st_lone_low_surrogate.safetensors", st_raw('{"\\udc00": 1}'), "lone surrogate")
bad_file("st_bad_utf8.safetensors", st_raw(b'{"a\xc0\x80": 1}'), "header is not JSON (at byte 11: invalid UTF-8)")
bad_file("st_control_char.safetensors", st_raw(b'{"a\tb": 1}'), "header is not JSON (at byte 11: control character")
bad_file("st_bad_number.safetensors", st_raw('{"a": 01}'), "header is not JSON (at byte 15: expected ',' or '}')")
bad_file("st_deep.safetensors", st_raw('{"a": ' + "[" * 200 + "]" * 200 + "}"),
         "header is not JSON (at byte 141: nested too deeply)")
bad_file("st_text_after.safetensors", st_raw('{} x'), "header is not JSON (at byte 11: text after the JSON object)")
bad_file("st_single_quotes.safetensors", st_raw("{'a': 1}"), "header is not JSON (at byte 9: expected a string key)")
bad_file("st_duplicate_tensor.safetensors",
         st_raw('{"a": %s, "a": %s}' % (json.dumps(info()), json.dumps(info(offsets=(8, 16)))), eight + eight),
         "duplicate key 'a'")
bad_file("st_duplicate_field.safetensors",
         st_raw('{"a": {"dtype": "F32", "dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', eight),
         "tensor 'a': duplicate key 'dtype'")
bad_file("st_duplicate_metadata.safetensors",
         st_raw('{"__metadata__": {"k": "1", "k": "2"}, "a": %s}' % json.dumps(info()), eight),
         "duplicate key 'k' in __metadata__")
bad_file("st_metadata_twice.safetensors",
         st_raw('{"__metadata__": {}, "__metadata__": {}, "a": %s}' % json.dumps(info()), eight),
         "duplicate key '__metadata__'")
bad_file("st_metadata_value.safetensors", st_json({"__metadata__": {"k": 1}, "a": info()}, eight),
         "__metadata__ must map strings to strings")
bad_file("st_metadata_list.safetensors", st_json({"__metadata__": ["k"], "a": info()}, eight),
         "__metadata__ must map strings to strings")
bad_file("st_tensor_not_object.safetensors", st_json({"a": 5}), "tensor 'a': not an object")
bad_file("st_missing_field.safetensors", st_json({"a": {"dtype": "F32", "shape": [2]}}, eight),
         "tensor 'a': missing key 'data_offsets'")
bad_file("st_unexpected_field.safetensors", st_json({"a": dict(info(), foo=1)}, eight), "tensor 'a': unexpected key 'foo'")
bad_file("st_dtype_unknown.safetensors", st_json({"a": info("Q8")}, eight),
         "tensor 'a': unsupported dtype 'Q8' (not a safetensors dtype)")
bad_file("st_dtype_not_string.safetensors", st_json({"a": info(4)}, eight), "tensor 'a': dtype is not a string")
bad_file("st_shape_negative.safetensors", st_json({"a": info(shape=(2, -1))}, eight),
         "tensor 'a': shape must be a list of non-negative integers")
bad_file("st_shape_float.safetensors", st_json({"a": info(shape=(2.0,))}, eight),
         "tensor 'a': shape must be a list of non-negative integers")
bad_file("st_shape_huge_int.safetensors", st_raw('{"a": {"dtype": "F32", "shape": [18446744073709551616], "data_offsets": [0, 8]}}', eight),
         "tensor 'a': shape must be a list of non-negative integers")
bad_file("st_shape_not_list.safetensors", st_json({"a": dict(info(), shape=2)}, eight),
         "tensor 'a': shape must be a list of non-negative integers")
bad_file("st_offsets_one.safetensors", st_json({"a": info(offsets=(0,))}, eight), "tensor 'a': data_offsets must be [begin, end]")
bad_file("st_offsets_three.safetensors", st_json({"a": info(offsets=(0, 8, 8))}, eight),
         "tensor 'a': data_offsets must be [begin, end]")
bad_file("st_offsets_reversed.safetensors", st_json({"a": info(shape=(0,), offsets=(8, 4))}, eight),
         "tensor 'a': data_offsets [8, 4] end before they begin")
bad_file("st_offsets_past_end.safetensors", st_json({"a": info(shape=(16,), offsets=(0, 64))}, eight + eight),
         "tensor 'a': data_offsets [0, 64] run past the end of the file (buffer is 16 bytes)")
bad_file("st_size_mismatch.safetensors", st_json({"a": info(shape=(2, 2), offsets=(0, 12))}, eight + b"\0" * 4),
         "tensor 'a': data_offsets [0, 12] hold 12 bytes, but 4 F32 need 16")
bad_file("st_shape_overflow.safetensors", st_json({"a": info(shape=(4294967296, 4294967296))}, eight),
         "tensor 'a': shape overflows")
bad_file("st_overlap.safetensors", st_json({"a": info(), "b": info(offsets=(4, 12))}, eight + b"\0" * 4),
         "tensors 'a' and 'b' overlap")
bad_file("st_empty_inside.safetensors", st_json({"a": info(), "z": info(shape=(0,), offsets=(4, 4))}, eight),
         "tensors 'a' and 'z' overlap")
bad_file("st_hole.safetensors", st_json({"a": info(), "b": info(offsets=(12, 20))}, eight + b"\0" * 12),
         "bytes 8 to 12 of the buffer belong to no tensor")
bad_file("st_trailing_bytes.safetensors", st_json({"a": info()}, eight + b"\0" * 4),
         "bytes 8 to 12 at the end of the buffer belong to no tensor")
bad_file("st_no_tensors_data.safetensors", st_json({}, b"\0" * 4), "bytes 0 to 4 at the end of the buffer belong to no tensor")
TWO = [("a", "F32", (2,), eight), ("b", "I32", (2,), eight)]
write(os.path.join(BAD, "st_two.safetensors"), st_bytes(TWO))
bad.append(("st_two.safetensors", "st_two.safetensors: a safetensors file: name the tensor as tests/data/arrays/bad/st_two.safetensors:NAME (it holds: a, b)"))
bad.append(("st_two.safetensors:foo", "no tensor 'foo' (it holds: a, b)"))
bad.append(("st_two.safetensors:b", "tensor 'b': unsupported dtype 'I32' (gradexp reads F16, BF16, F32 and F64)"))
MANY = [("t%d" % i, "F32", (1,), np.float32(i).tobytes()) for i in range(9)]
write(os.path.join(BAD, "st_many.safetensors"), st_bytes(MANY))
bad.append(("st_many.safetensors:x", "no tensor 'x' (it holds: t0, t1, t2, t3, t4, ... (9 tensors))"))
bad_file("st_9d.safetensors", st_json({"a": info(shape=(1,) * 8 + (2,))}, eight),
         "tensor 'a': shape has 9 dimensions (gradexp reads at most 8)", spec="st_9d.safetensors:a")
bad_file("st_none.safetensors", st_json({}), "no tensor 'a' (it holds no tensors)", spec="st_none.safetensors:a")
bad.append(("../f32_2d.npy:w", "a .npy file holds one array: name it without ':w'"))
bad.append(("no_such_file.npy", "no_such_file.npy: No such file or directory"))
bad.append(("no_such_file.safetensors:w", "no_such_file.safetensors:w: No such file or directory"))


# ---- write the lists ---------------------------------------------------------

def main():
    with open(os.path.join(DIR, "EXPECTED.txt"), "w", encoding="utf-8") as f:
        f.write("# EXPECTED.txt - generated by tests/gen_arrays.py with numpy %s and torch %s; do not edit.\n"
                % (np.__version__, torch.__version__))
        f.write("# SPEC<TAB>NDIM<TAB>DIMS<TAB>float32 bits in C order (see the script)\n")
        for spec, shape, bits in expected:
            dims = ",".join(str(d) for d in shape) if shape else "-"
            f.write("%s\t%d\t%s\t%s\n" % (spec, len(shape), dims, " ".join(bits)))
    with open(os.path.join(BAD, "EXPECTED.txt"), "w", encoding="utf-8") as f:
        f.write("# EXPECTED.txt - generated by tests/gen_arrays.py; do not edit.\n")
        f.write("# SPEC<TAB>substring of arrayfile_open's message\n")
        for spec, sub in bad:
            f.write("%s\t%s\n" % (spec, sub))
    total = sum(os.path.getsize(os.path.join(d, n)) for d in (DIR, BAD) for n in os.listdir(d)
                if os.path.isfile(os.path.join(d, n)))
    print("%d good arrays, %d bad cases, %d bytes in %s" % (len(expected), len(bad), total, DIR))


main()
