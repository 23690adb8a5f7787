"""ONNX files that one lesson writes and the next reads (deploy/01 -> 02, 03): checked before any work.

`check_onnx_model(path, inputs, outputs, expected=...)` loads the file with onnx, runs onnx.checker, and
compares its graph's inputs and outputs (names, element types, shapes, with None for a free axis such as
the batch) with what the lesson needs, so that another model, a damaged file or something that is not ONNX
at all is one DataError paragraph naming the file, never onnxruntime's exception half-way through a run.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DataError


def _shape(value_info) -> list[int | None]:
    dims = value_info.type.tensor_type.shape.dim
    return [d.dim_value if d.HasField("dim_value") else None for d in dims]


def _dims(shape) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def _describe(values) -> str:
    return ", ".join(f"{v.name} {_dims(_shape(v))}" for v in values) or "none"


def check_onnx_model(path: str | os.PathLike, inputs: dict[str, list[int | None]],
                     outputs: dict[str, list[int | None]], *, expected: str):
    """The loaded ModelProto, once its inputs and outputs are exactly `inputs` and `outputs` (float32)."""
    import onnx

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file" + (" (it is a folder)" if path.is_dir() else "") +
                        f"; give {expected}.")
    try:
        proto = onnx.load(path)
        onnx.checker.check_model(proto)
    except Exception as err:  # protobuf and onnx raise several kinds for a damaged or foreign file
        raise DataError(f"{path} is not a valid ONNX model ({type(err).__name__}): give {expected}.") from None
    float32 = onnx.TensorProto.FLOAT
    for kind, wanted, got in (("input", inputs, proto.graph.input), ("output", outputs, proto.graph.output)):
        have = {v.name: v for v in got}
        fits = have.keys() == wanted.keys() and all(
            have[name].type.tensor_type.elem_type == float32 and _shape(have[name]) == shape
            for name, shape in wanted.items())
        if not fits:
            need = ", ".join(f"{n} {_dims(s)}" for n, s in wanted.items())
            raise DataError(f"{path} is not {expected}: its {kind}s are {_describe(got)}, the lesson needs "
                            f"{need} (float32, ? = any batch size).")
    return proto
