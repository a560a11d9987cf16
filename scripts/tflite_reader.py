"""A reader for the few TFLite flatbuffer tables arcface's converter needs.

The layout follows TFLite's public ``schema.fbs`` (Model, SubGraph, Tensor, Buffer, Operator,
OperatorCode and the options of the operators listed in ``OPS``); only Debian's
``python3-flatbuffers`` runtime is used (no generated code). Field numbers below are the schema's
field order; a union occupies two fields (its type, then its value).

    model = read_model("MobileFaceNet.tflite")
    graph = model.subgraphs[0]
    for op in graph.operators: print(op.name, op.inputs, op.outputs, op.options)
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
from flatbuffers import number_types as N
from flatbuffers import table

# BuiltinOperator codes (schema.fbs enum BuiltinOperator) of the operators this converter knows.
OPS = {
    0: "ADD", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 9: "FULLY_CONNECTED", 17: "MAX_POOL_2D",
    18: "MUL", 19: "RELU", 22: "RESHAPE", 25: "SOFTMAX", 41: "SUB", 42: "DIV", 47: "EXP", 59: "NEG",
    74: "SUM", 82: "REDUCE_MAX", 101: "ABS",
}
# A few more names, only to say what an unsupported operator is.
OTHER_OPS = {
    1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 6: "DEQUANTIZE", 14: "LOGISTIC", 21: "RELU6", 23: "RESIZE_BILINEAR",
    28: "TANH", 32: "CUSTOM", 34: "PAD", 39: "TRANSPOSE", 40: "MEAN", 43: "SQUEEZE", 45: "STRIDED_SLICE",
    49: "SPLIT", 53: "CAST", 54: "PRELU", 55: "MAXIMUM", 57: "MINIMUM", 75: "SQRT", 76: "RSQRT", 83: "PACK",
    98: "LEAKY_RELU", 114: "QUANTIZE", 126: "BATCH_MATMUL",
}
TENSOR_TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 6: "bool", 7: "int16", 9: "int8"}
NUMPY_TYPES = {"float32": np.float32, "float16": np.float16, "int32": np.int32, "uint8": np.uint8,
               "int64": np.int64, "bool": np.bool_, "int16": np.int16, "int8": np.int8}
ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
PADDINGS = {0: "SAME", 1: "VALID"}


class TFLiteError(ValueError):
    """The file is not a TFLite model this reader understands."""


class _Table:
    """Field access by schema field number (vtable slot 4 + 2 * field)."""

    def __init__(self, buf, pos):
        self.t = table.Table(buf, pos)

    def _off(self, field_no):
        return self.t.Offset(4 + 2 * field_no)

    def scalar(self, field_no, flags, default):
        o = self._off(field_no)
        return self.t.Get(flags, o + self.t.Pos) if o else default

    def table(self, field_no) -> Optional["_Table"]:
        o = self._off(field_no)
        return _Table(self.t.Bytes, self.t.Indirect(o + self.t.Pos)) if o else None

    def tables(self, field_no) -> List["_Table"]:
        o = self._off(field_no)
        if not o:
            return []
        start, n = self.t.Vector(o), self.t.VectorLen(o)
        return [_Table(self.t.Bytes, self.t.Indirect(start + 4 * i)) for i in range(n)]

    def vector(self, field_no, flags) -> np.ndarray:
        o = self._off(field_no)
        if not o:
            return np.zeros(0, dtype=flags.N_type if hasattr(flags, "N_type") else np.uint8)
        return self.t.GetVectorAsNumpy(flags, o)

    def string(self, field_no) -> str:
        o = self._off(field_no)
        return self.t.String(o + self.t.Pos).decode("utf-8", "replace") if o else ""


@dataclass
class Tensor:
    index: int
    name: str
    shape: List[int]
    dtype: str
    buffer: int
    data: Optional[np.ndarray] = None   # constant contents (weights, shapes), None for activations
    quantized: bool = False


@dataclass
class Operator:
    index: int
    name: str                 # "CONV_2D", ...
    code: int
    inputs: List[int]
    outputs: List[int]
    options: Dict[str, object] = field(default_factory=dict)


@dataclass
class SubGraph:
    name: str
    tensors: List[Tensor]
    inputs: List[int]
    outputs: List[int]
    operators: List[Operator]


@dataclass
class Model:
    version: int
    description: str
    subgraphs: List[SubGraph]


def _options(name, t: Optional[_Table]) -> Dict[str, object]:
    """Decode the builtin options table of operator ``name`` (schema field order)."""
    i8, i32, b = N.Int8Flags, N.Int32Flags, N.BoolFlags
    if name in ("CONV_2D",):
        if t is None:
            raise TFLiteError(f"{name} without options")
        return {"padding": PADDINGS[t.scalar(0, i8, 0)], "stride_w": t.scalar(1, i32, 0),
                "stride_h": t.scalar(2, i32, 0), "activation": ACTIVATIONS[t.scalar(3, i8, 0)],
                "dilation_w": t.scalar(4, i32, 1), "dilation_h": t.scalar(5, i32, 1)}
    if name == "DEPTHWISE_CONV_2D":
        if t is None:
            raise TFLiteError(f"{name} without options")
        return {"padding": PADDINGS[t.scalar(0, i8, 0)], "stride_w": t.scalar(1, i32, 0),
                "stride_h": t.scalar(2, i32, 0), "depth_multiplier": t.scalar(3, i32, 0),
                "activation": ACTIVATIONS[t.scalar(4, i8, 0)],
                "dilation_w": t.scalar(5, i32, 1), "dilation_h": t.scalar(6, i32, 1)}
    if name == "MAX_POOL_2D":
        if t is None:
            raise TFLiteError(f"{name} without options")
        return {"padding": PADDINGS[t.scalar(0, i8, 0)], "stride_w": t.scalar(1, i32, 0),
                "stride_h": t.scalar(2, i32, 0), "filter_w": t.scalar(3, i32, 0),
                "filter_h": t.scalar(4, i32, 0), "activation": ACTIVATIONS[t.scalar(5, i8, 0)]}
    if name == "FULLY_CONNECTED":
        if t is None:
            return {"activation": "NONE", "weights_format": 0, "keep_num_dims": False}
        return {"activation": ACTIVATIONS[t.scalar(0, i8, 0)], "weights_format": t.scalar(1, i8, 0),
                "keep_num_dims": bool(t.scalar(2, b, False))}
    if name in ("ADD", "MUL", "SUB", "DIV"):
        return {"activation": ACTIVATIONS[t.scalar(0, i8, 0)] if t is not None else "NONE"}
    if name == "RESHAPE":
        return {"new_shape": t.vector(0, N.Int32Flags).tolist() if t is not None else None}
    if name in ("SUM", "REDUCE_MAX"):
        return {"keep_dims": bool(t.scalar(0, b, False)) if t is not None else False}
    if name == "SOFTMAX":
        return {"beta": t.scalar(0, N.Float32Flags, 0.0) if t is not None else 1.0}
    return {}


def read_model(path: str) -> Model:
    """Parse ``path``. @raises TFLiteError for a file that is not a float TFLite model."""
    with open(path, "rb") as f:
        buf = bytearray(f.read())
    if len(buf) < 8 or bytes(buf[4:8]) != b"TFL3":
        raise TFLiteError(f"{path}: not a TFLite model (no 'TFL3' file identifier)")
    try:
        root = _Table(buf, int.from_bytes(buf[0:4], "little"))
        version = root.scalar(0, N.Uint32Flags, 0)
        codes = []
        for c in root.tables(1):
            deprecated = c.scalar(0, N.Int8Flags, 0)
            code = c.scalar(3, N.Int32Flags, 0)
            codes.append(max(deprecated, code))  # schema: the larger of the two is the real code
        buffers = []
        for bt in root.tables(4):
            data = bt.vector(0, N.Uint8Flags)
            offset, size = bt.scalar(1, N.Uint64Flags, 0), bt.scalar(2, N.Uint64Flags, 0)
            if len(data) == 0 and offset > 1 and size > 0:  # data stored after the flatbuffer
                data = np.frombuffer(bytes(buf[offset:offset + size]), dtype=np.uint8)
            buffers.append(data)
        subgraphs = []
        for sg in root.tables(2):
            tensors = []
            for i, tt in enumerate(sg.tables(0)):
                dtype = TENSOR_TYPES.get(tt.scalar(1, N.Int8Flags, 0), f"type{tt.scalar(1, N.Int8Flags, 0)}")
                shape = tt.vector(0, N.Int32Flags).tolist()
                bidx = tt.scalar(2, N.Uint32Flags, 0)
                q = tt.table(4)
                quantized = q is not None and len(q.vector(2, N.Float32Flags)) > 0
                t = Tensor(i, tt.string(3), shape, dtype, bidx, quantized=quantized)
                raw = buffers[bidx] if 0 < bidx < len(buffers) else None
                if raw is not None and len(raw):
                    if dtype not in NUMPY_TYPES:
                        raise TFLiteError(f"{path}: tensor '{t.name}' has unsupported type {dtype}")
                    arr = np.frombuffer(bytes(raw), dtype=NUMPY_TYPES[dtype])
                    if arr.size != int(np.prod(shape)) if shape else arr.size != 1:
                        raise TFLiteError(f"{path}: tensor '{t.name}' holds {arr.size} values for shape {shape}")
                    t.data = arr.reshape(shape) if shape else arr.reshape(())
                tensors.append(t)
            ops = []
            for j, ot in enumerate(sg.tables(3)):
                ci = ot.scalar(0, N.Uint32Flags, 0)
                if ci >= len(codes):
                    raise TFLiteError(f"{path}: operator {j} uses opcode index {ci} of {len(codes)}")
                code = codes[ci]
                name = OPS.get(code) or OTHER_OPS.get(code) or f"BUILTIN_{code}"
                opts = _options(name, ot.table(4)) if code in OPS else {}
                ops.append(Operator(j, name, code, ot.vector(1, N.Int32Flags).tolist(),
                                    ot.vector(2, N.Int32Flags).tolist(), opts))
            subgraphs.append(SubGraph(sg.string(4), tensors, sg.vector(1, N.Int32Flags).tolist(),
                                      sg.vector(2, N.Int32Flags).tolist(), ops))
    except TFLiteError:
        raise
    except Exception as e:  # noqa: BLE001 - any decoding failure means a corrupt file
        raise TFLiteError(f"{path}: corrupt TFLite flatbuffer ({type(e).__name__}: {e})") from e
    if not subgraphs:
        raise TFLiteError(f"{path}: TFLite model without a subgraph")
    return Model(version, root.string(3), subgraphs)


def unsupported_operators(model: Model) -> List[str]:
    """Names of the operators in ``model`` that the converter cannot translate."""
    return sorted({op.name for sg in model.subgraphs for op in sg.operators if op.code not in OPS})


def summary(model: Model) -> str:
    g = model.subgraphs[0]
    counts: Dict[str, int] = {}
    for op in g.operators:
        counts[op.name] = counts.get(op.name, 0) + 1
    ins = [(g.tensors[i].name, g.tensors[i].shape) for i in g.inputs]
    outs = [(g.tensors[i].name, g.tensors[i].shape) for i in g.outputs]
    return f"inputs {ins} outputs {outs}; {len(g.operators)} ops: {counts}"


if __name__ == "__main__":
    import sys
    for p in sys.argv[1:]:
        m = read_model(p)
        print(p, summary(m))
