"""Safetensors read/write: the `safetensors` package when installed, else this small numpy codec.

Format: 8-byte little-endian header length, a JSON header name -> {dtype, shape, data_offsets}
(offsets relative to the end of the header; an optional "__metadata__" of strings), raw
little-endian tensors. Debian 12 has no python3-safetensors, hence the fallback.
"""
import json
import struct

import numpy as np

try:  # pragma: no cover - depends on the machine
    from safetensors.numpy import load_file as _pkg_load, save_file as _pkg_save
except ImportError:
    _pkg_load = _pkg_save = None

DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4", "U8": "u1", "BF16": None}


class SafetensorsError(ValueError):
    """A file that is not a well-formed safetensors file."""


def read_safetensors(path, use_package=True):
    """Name -> numpy array (a copy, native byte order)."""
    if use_package and _pkg_load is not None:
        return {k: np.array(v) for k, v in _pkg_load(str(path)).items()}
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise SafetensorsError(f"{path}: too short to be a safetensors file")
    (size,) = struct.unpack("<Q", blob[:8])
    if 8 + size > len(blob):
        raise SafetensorsError(f"{path}: header length {size} runs past the end of the file")
    header = json.loads(blob[8:8 + size].decode("utf-8"))
    data = memoryview(blob)[8 + size:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = DTYPES.get(info["dtype"])
        if dtype is None:
            raise SafetensorsError(f"{path}: tensor {name} has dtype {info['dtype']}, which this reader does not read")
        start, end = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if end - start != count * np.dtype(dtype).itemsize or end > len(data):
            raise SafetensorsError(f"{path}: tensor {name}'s data_offsets {start}..{end} do not fit shape {info['shape']}")
        out[name] = np.frombuffer(data[start:end], dtype=dtype).astype(dtype[1:]).reshape(info["shape"])
    return out


def read_metadata(path):
    """The header's "__metadata__" (strings); {} when there is none. Only the header is read."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise SafetensorsError(f"{path}: too short to be a safetensors file")
        (size,) = struct.unpack("<Q", head)
        raw = f.read(size)
    if len(raw) != size:
        raise SafetensorsError(f"{path}: header length {size} runs past the end of the file")
    return dict(json.loads(raw.decode("utf-8")).get("__metadata__") or {})


def write_safetensors(path, tensors, metadata=None, use_package=True):
    """Writes name -> array as float32 (F32) tensors, names sorted, header padded to 8 bytes."""
    arrays = {k: np.ascontiguousarray(v, dtype="<f4") for k, v in tensors.items()}
    if use_package and _pkg_save is not None:
        _pkg_save(arrays, str(path), metadata=metadata)
        return
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name in sorted(arrays):
        nbytes = arrays[name].nbytes
        header[name] = {"dtype": "F32", "shape": list(arrays[name].shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name in sorted(arrays):
            f.write(arrays[name].tobytes())
