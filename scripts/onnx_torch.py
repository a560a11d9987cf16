#!/usr/bin/env python3
"""ONNX graph -> equivalent ``torch.nn.Module`` (TorchScript-able), and ``import``: an ONNX face
embedder -> a self-describing arcface TorchScript model.

The module is generated operator by operator from the graph parsed by Debian's ``python3-onnx``,
in the manner of ``tflite_torch.py``:

* supported: opsets 9-13 of the default domain, operators ``OPS`` (ResNet/IResNet, MobileFaceNet,
  SFace-style embedders and the input normalisation some exports put inside the graph); any other
  operator is refused with a message naming it;
* the input is NCHW (an NHWC graph input, ``N x H x W x 3``, is fed by a permute); the batch may be
  fixed or dynamic in the graph: the module accepts any batch (a reshape whose leading size is the
  graph's fixed batch keeps the actual batch instead);
* Conv / pooling padding is ONNX's: explicit ``pads`` (asymmetric ones become an ``F.pad``) or
  ``auto_pad`` SAME_UPPER / SAME_LOWER / VALID computed from the static input size;
* shape arithmetic (``Shape -> Gather -> Unsqueeze -> Concat -> Reshape``, as ``x.view(x.size(0), -1)``
  exports) is resolved at conversion time into a reshape of the actual batch;
* weights, biases, BatchNorm scales and PReLU slopes are parameters (the module can be
  fine-tuned), other constants buffers; graph outputs of rank > 2 are flattened to ``N x D``;
* ``to_torch(..., multi_output=True)`` (detectors such as YuNet): every graph output is returned, in
  graph order and unflattened, as a tuple; the height and width of the input may then differ from the
  graph's (reshapes computed from ``Shape`` follow the actual tensors).

``verify_with_opencv`` runs the same ONNX file with OpenCV DNN (an independent runtime) and compares;
``main`` (``onnx_torch.py import FILE.onnx --name NAME --out DIR ...``) converts, checks against
OpenCV DNN and writes ``NAME.pt`` with its ``arcface.json`` metadata (see docs/models.md).
"""
import argparse
import importlib.util
import json
import os
import sys
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F  # noqa: F401  (used by the generated code)

from generated_module import load_generated_class

# Bumped when the generated module changes.
VERSION = 1
OPSETS = range(9, 14)
OPS = {
    "Conv", "BatchNormalization", "PRelu", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip",
    "Add", "Sub", "Mul", "Div", "Flatten", "Reshape", "Gemm", "MatMul", "Transpose",
    "GlobalAveragePool", "GlobalMaxPool", "AveragePool", "MaxPool", "ReduceMean", "Concat", "Pad",
    "Constant", "Identity", "Dropout", "Cast", "Shape", "Gather", "Unsqueeze", "Squeeze",
    "ConstantOfShape", "Slice",  # Slice: also on activations (detection heads)
    "Softmax",
}
SAME_RANK = {"Concat", "Slice", "Softmax", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "PRelu", "Identity",
             "Dropout", "Cast", "BatchNormalization", "Conv", "MaxPool", "AveragePool"}


class ConversionError(ValueError):
    pass


# ----------------------------------------------------------------------------- helpers the generated code calls
def _softmax(x: torch.Tensor, axis: int) -> torch.Tensor:
    """ONNX Softmax before opset 13: over all axes from ``axis`` on, as if flattened to 2-D."""
    return torch.softmax(x.reshape(x.shape[:axis] + [-1]), -1).reshape(x.shape)


def _flatten(x: torch.Tensor, axis: int) -> torch.Tensor:
    lead = 1
    for d in x.shape[:axis]:
        lead *= d
    return x.reshape([lead, -1])


class _Sym:
    """A shape entry known only at run time: the expression ``expr`` (e.g. ``v3.size(0)``)."""

    def __init__(self, expr: str):
        self.expr = expr

    def __repr__(self):
        return self.expr


def _attrs(node) -> Dict[str, object]:
    import onnx
    out = {}
    for a in node.attribute:
        out[a.name] = onnx.helper.get_attribute_value(a)
    return out


def _np(t) -> np.ndarray:
    from onnx import numpy_helper
    return numpy_helper.to_array(t)


def load_model(path: str):
    """Parse and check ``path``; raises ConversionError naming the file and the problem."""
    import onnx
    if not os.path.isfile(path):
        raise ConversionError(f"ONNX file '{path}' not found")
    try:
        model = onnx.load(path)
    except Exception as e:  # noqa: BLE001  (protobuf DecodeError, external data errors, ...)
        raise ConversionError(f"'{path}' is not an ONNX model or is truncated/corrupt: {type(e).__name__}: {e}")
    if not model.HasField("graph") or not model.graph.node:
        raise ConversionError(f"'{path}' is not an ONNX model or is truncated/corrupt: it holds no graph")
    try:
        onnx.checker.check_model(model)
    except Exception as e:  # noqa: BLE001
        msg = str(e).strip().splitlines()
        raise ConversionError(f"'{path}' is not a valid ONNX graph (truncated or corrupt?): {msg[0] if msg else e}")
    return model


class _Builder:
    def __init__(self, model, what: str, multi_output: bool = False):
        import onnx
        self.m, self.g, self.what, self.multi_output = model, model.graph, what, multi_output
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
        self.lines: List[str] = []
        self.consts: Dict[str, np.ndarray] = {}   # ONNX name -> constant value
        self.sym: Dict[str, list] = {}            # ONNX name -> shape value (list of int | _Sym)
        self.var: Dict[str, str] = {}             # ONNX name -> Python variable of an activation
        self.params: Dict[str, torch.Tensor] = {}
        self.trainable = set()
        for t in self.g.initializer:
            self.consts[t.name] = _np(t)
        try:
            inferred = onnx.shape_inference.infer_shapes(model)
        except Exception:  # noqa: BLE001  (shapes are only a help; conversion can go on without them)
            inferred = model
        self.shapes: Dict[str, list] = {}
        for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
            if vi.type.HasField("tensor_type") and vi.type.tensor_type.HasField("shape"):
                self.shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else None
                                        for d in vi.type.tensor_type.shape.dim]
        self.opencv_caveats = []  # features OpenCV DNN 4.6 is known to get wrong (named when the check fails)
        self.used = {}
        for n in self.g.node:
            for i in n.input:
                self.used[i] = self.used.get(i, 0) + 1
        for o in self.g.output:
            self.used[o.name] = self.used.get(o.name, 0) + 1

    # -- names and constants
    def new_var(self, name: str) -> str:
        v = f"v{len(self.var)}"
        self.var[name] = v
        return v

    def param(self, arr: np.ndarray, kind: str, trainable: bool) -> str:
        key = f"{kind}{len(self.params)}"
        self.params[key] = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32).copy())
        if trainable:
            self.trainable.add(key)
        return f"self.{key}"

    def is_const(self, name: str) -> bool:
        return name in self.consts

    def const(self, node, i: int, what: str) -> np.ndarray:
        name = node.input[i] if i < len(node.input) else ""
        if name not in self.consts:
            raise ConversionError(f"{self.what}: {node.op_type} node '{node.name}' needs a constant {what}")
        return self.consts[name]

    def operand(self, name: str) -> str:
        """Expression for input ``name`` of an element-wise operator."""
        if name in self.var:
            return self.var[name]
        if name in self.consts:
            arr = np.asarray(self.consts[name])
            if arr.size == 1 and arr.ndim <= 1:
                return repr(float(arr.reshape(-1)[0]))
            return self.param(arr, "k", False)
        raise ConversionError(f"{self.what}: tensor '{name}' is a shape value used as data")

    def shape_of(self, name: str) -> Optional[list]:
        return self.shapes.get(name)

    def rank(self, name: str) -> Optional[int]:
        s = self.shapes.get(name)
        return len(s) if s is not None else None

    def fail(self, node, why: str):
        raise ConversionError(f"{self.what}: {node.op_type} node '{node.name}': {why}")

    # -- the graph
    def build(self):
        g = self.g
        if self.opset is None or self.opset not in OPSETS:
            raise ConversionError(f"{self.what}: ONNX opset {self.opset} is not supported (opsets 9-13)")
        bad = sorted({n.op_type for n in g.node if n.op_type not in OPS or n.domain not in ("", "ai.onnx")})
        if bad:
            raise ConversionError(f"{self.what}: unsupported ONNX operator(s): {', '.join(bad)}")
        inputs = [i for i in g.input if i.name not in self.consts]
        if len(inputs) != 1:
            raise ConversionError(f"{self.what}: expected one graph input, found {len(inputs)}: "
                                  f"{', '.join(i.name for i in inputs)}")
        if len(g.output) != 1 and not self.multi_output:
            raise ConversionError(f"{self.what}: expected one graph output, found {len(g.output)}: "
                                  f"{', '.join(o.name for o in g.output)}")
        inp = inputs[0]
        shape = self.shapes.get(inp.name)
        if inp.type.tensor_type.elem_type != 1:  # FLOAT
            raise ConversionError(f"{self.what}: input '{inp.name}' is not float32")
        if not shape or len(shape) != 4:
            raise ConversionError(f"{self.what}: input '{inp.name}' has shape {shape}, expected N x 3 x H x W")
        self.nhwc = shape[1] != 3 and shape[3] == 3
        c, h, w = (shape[3], shape[1], shape[2]) if self.nhwc else shape[1:]
        if c != 3 or not h or not w:
            raise ConversionError(f"{self.what}: input '{inp.name}' has shape {shape}; need 3 channels and a fixed "
                                  f"height and width")
        self.input_name, self.input_hw, self.batch = inp.name, (h, w), shape[0]
        self.lines.append(f"{self.new_var(inp.name)} = x.permute(0, 2, 3, 1)" if self.nhwc
                          else f"{self.new_var(inp.name)} = x")
        for node in g.node:
            self.emit(node)
        for o in g.output:
            if o.name not in self.var:
                raise ConversionError(f"{self.what}: the output '{o.name}' does not depend on the input")
        if self.multi_output:
            self.lines.append(f"return ({', '.join(self.var[o.name] for o in g.output)},)")
            return "\n".join(self.lines)
        out = g.output[0].name
        r = self.rank(out)
        expr = self.var[out] if r == 2 else f"torch.flatten({self.var[out]}, 1)"
        self.lines.append(f"return {expr}")
        return "\n".join(self.lines)

    def fold(self, node) -> bool:
        """Evaluate ``node`` at conversion time when its inputs are constants or shape values."""
        op, ins = node.op_type, [i for i in node.input]
        a = _attrs(node)
        known = [i == "" or i in self.consts or i in self.sym for i in ins]
        if op == "Constant":
            if "value" in a:
                val = _np(a["value"])
            elif "value_float" in a:
                val = np.array(a["value_float"], np.float32)
            elif "value_floats" in a:
                val = np.array(a["value_floats"], np.float32)
            elif "value_int" in a:
                val = np.array(a["value_int"], np.int64)
            elif "value_ints" in a:
                val = np.array(a["value_ints"], np.int64)
            else:
                self.fail(node, f"unsupported Constant attribute(s) {sorted(a)}")
            self.consts[node.output[0]] = val
            return True
        if op == "Shape" and ins[0] in self.var:
            shape = self.shape_of(ins[0])
            if shape is None:
                self.fail(node, "the rank of its input is unknown")
            v = self.var[ins[0]]
            self.sym[node.output[0]] = [_Sym(f"{v}.size({k})") if (k == 0 or d is None) else int(d)
                                        for k, d in enumerate(shape)]
            return True
        if not all(known) or not ins:
            return False
        if not any(i in self.sym for i in ins):
            vals = [self.consts.get(i) for i in ins]
            res = _numpy_op(op, vals, a, self.opset)
            if res is None:
                return False
            self.consts[node.output[0]] = res
            return True
        # shape arithmetic with run-time entries
        vals = [self.sym[i] if i in self.sym else (None if i == "" else self.consts[i]) for i in ins]
        if op in ("Identity", "Cast"):
            res = vals[0]
        elif op == "Gather":
            idx = np.asarray(vals[1])
            if idx.ndim > 1 or (a.get("axis", 0) != 0) or isinstance(vals[1], list):
                self.fail(node, "gathers shape entries with an unsupported index")
            res = [vals[0][int(k)] for k in idx.reshape(-1)]
            res = res if idx.ndim == 1 else res[0]
        elif op == "Unsqueeze":
            res = vals[0] if isinstance(vals[0], list) else [vals[0]]
        elif op == "Squeeze":
            res = vals[0][0] if isinstance(vals[0], list) and len(vals[0]) == 1 else vals[0]
        elif op == "Concat":
            res = []
            for v in vals:
                res.extend(v if isinstance(v, list) else [int(e) for e in np.asarray(v).reshape(-1)])
        else:
            self.fail(node, "arithmetic on run-time shape values is not supported")
        self.sym[node.output[0]] = res
        return True

    def emit(self, node):
        if self.fold(node):
            return
        op, a = node.op_type, _attrs(node)
        ins, out = list(node.input), node.output[0]
        for extra in node.output[1:]:
            if self.used.get(extra):
                self.fail(node, f"its output '{extra}' is used (only inference graphs are supported)")
        if ins and ins[0] not in self.var and op not in ("Add", "Sub", "Mul", "Div", "Concat", "MatMul"):
            self.fail(node, "its data input is not computed from the graph input")
        x = self.var.get(ins[0]) if ins else None
        L = self.lines
        out_rank = None
        if op == "Conv":
            wt = self.const(node, 1, "weight")
            if wt.ndim != 4:
                self.fail(node, f"only 2-D convolutions are supported (weight of rank {wt.ndim})")
            src, pad = self.padded(node, x, a, wt.shape[2:], 0.0)
            b = self.param(self.const(node, 2, "bias"), "b", True) if len(ins) > 2 and ins[2] else "None"
            expr = (f"F.conv2d({src}, {self.param(wt, 'w', True)}, {b}, {list(a.get('strides', [1, 1]))}, {pad}, "
                    f"{list(a.get('dilations', [1, 1]))}, {a.get('group', 1)})")
        elif op == "BatchNormalization":
            if a.get("training_mode", 0):
                self.fail(node, "training mode")
            sc, bi, mean, var = (self.const(node, i, n) for i, n in enumerate(("scale", "bias", "mean", "var"), 1))
            expr = (f"F.batch_norm({x}, {self.param(mean, 'm', False)}, {self.param(var, 'v', False)}, "
                    f"{self.param(sc, 'w', True)}, {self.param(bi, 'b', True)}, False, 0.0, {float(a.get('epsilon', 1e-5))!r})")
        elif op == "PRelu":
            slope = np.asarray(self.const(node, 1, "slope"), np.float32)
            r = self.rank(ins[0])
            squeezed = slope.reshape(-1)
            if slope.size == 1:
                expr = f"F.prelu({x}, {self.param(squeezed, 'prelu', True)})"
            elif r is not None and r >= 2 and slope.ndim == r - 1 and all(d == 1 for d in slope.shape[1:]):
                expr = f"F.prelu({x}, {self.param(squeezed, 'prelu', True)})"  # (C, 1, 1): per channel
            else:
                s = self.param(slope, "prelu", True)
                expr = f"torch.where({x} >= 0, {x}, {x} * {s})"
        elif op == "Relu":
            expr = f"torch.relu({x})"
        elif op == "LeakyRelu":
            expr = f"F.leaky_relu({x}, {float(a.get('alpha', 0.01))!r})"
        elif op == "Sigmoid":
            expr = f"torch.sigmoid({x})"
        elif op == "Tanh":
            expr = f"torch.tanh({x})"
        elif op == "Clip":
            lo, hi = a.get("min"), a.get("max")
            if len(ins) > 1 and ins[1]:
                lo = float(self.const(node, 1, "min"))
            if len(ins) > 2 and ins[2]:
                hi = float(self.const(node, 2, "max"))
            expr = f"torch.clamp({x}, {None if lo is None else float(lo)!r}, {None if hi is None else float(hi)!r})"
        elif op in ("Add", "Sub", "Mul", "Div"):
            if not any(i in self.var for i in ins):
                self.fail(node, "no input is computed from the graph input")
            sym = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/"}[op]
            expr = f"({self.operand(ins[0])} {sym} {self.operand(ins[1])})"
        elif op == "Flatten":
            axis = a.get("axis", 1)
            if axis < 0:
                r = self.rank(ins[0])
                if r is None:
                    self.fail(node, "negative axis on an input of unknown rank")
                axis += r
            expr = f"torch.flatten({x}, 1)" if axis == 1 else f"_flatten({x}, {axis})"
        elif op == "Reshape":
            target = self.reshape_target(node, x)
            expr = f"{x}.reshape([{', '.join(str(t) for t in target)}])"
            out_rank = len(target)
        elif op == "Slice":
            expr = self.slice(node, x, a)
        elif op == "Softmax":
            r = self.rank(ins[0])
            axis = a.get("axis", -1 if self.opset >= 13 else 1)
            if axis < 0:
                if r is None:
                    self.fail(node, "negative axis on an input of unknown rank")
                axis += r
            if axis == 0:
                self.fail(node, "softmax over the batch axis")
            last = self.opset >= 13 or (r is not None and axis == r - 1)
            expr = f"torch.softmax({x}, {axis})" if last else f"_softmax({x}, {axis})"
        elif op == "Gemm":
            if a.get("transA", 0):
                self.fail(node, "transA is not supported")
            wt = self.const(node, 1, "weight B").astype(np.float32)
            wt = (wt if a.get("transB", 0) else wt.T) * float(a.get("alpha", 1.0))
            if a.get("alpha", 1.0) != 1.0:
                self.opencv_caveats.append(f"Gemm '{node.name}' has alpha {a['alpha']}, which OpenCV DNN 4.6 ignores")
            expr = f"F.linear({x}, {self.param(wt, 'w', True)}"
            if len(ins) > 2 and ins[2]:
                c = self.const(node, 2, "C").astype(np.float32) * float(a.get("beta", 1.0))
                if c.size == wt.shape[0] and (c.ndim == 1 or c.shape[0] == 1):
                    expr += f", {self.param(c.reshape(-1), 'b', True)})"
                else:
                    expr += f") + {self.param(c, 'k', False)}"
            else:
                expr += ")"
        elif op == "MatMul":
            if ins[1] in self.consts and ins[0] in self.var and self.consts[ins[1]].ndim == 2:
                expr = f"F.linear({x}, {self.param(self.consts[ins[1]].T, 'w', True)})"
            else:
                expr = f"torch.matmul({self.operand(ins[0])}, {self.operand(ins[1])})"
        elif op == "Transpose":
            perm = a.get("perm")
            if perm is None:
                r = self.rank(ins[0])
                if r is None:
                    self.fail(node, "default permutation on an input of unknown rank")
                perm = list(range(r))[::-1]
            if perm[0] != 0:
                self.fail(node, f"permutation {list(perm)} moves the batch axis")
            expr = f"{x}.permute({list(perm)})"
        elif op in ("GlobalAveragePool", "GlobalMaxPool"):
            r = self.rank(ins[0]) or 4
            fn = "torch.mean" if op == "GlobalAveragePool" else "torch.amax"
            expr = f"{fn}({x}, {list(range(2, r))}, True)"
        elif op == "ReduceMean":
            axes = a.get("axes")
            if axes is None:
                self.fail(node, "reduction over all axes (including the batch)")
            if 0 in axes:
                self.fail(node, "reduction over the batch axis")
            expr = f"torch.mean({x}, {list(axes)}, {bool(a.get('keepdims', 1))})"
        elif op in ("MaxPool", "AveragePool"):
            k = list(a["kernel_shape"])
            if len(k) != 2:
                self.fail(node, "only 2-D pooling is supported")
            if op == "MaxPool" and a.get("storage_order", 0):
                self.fail(node, "storage_order 1")
            include = bool(a.get("count_include_pad", 0))
            if include and any(a.get("pads", [])):
                self.opencv_caveats.append(f"AveragePool '{node.name}' counts its padding, which OpenCV DNN 4.6 does not")
            fill = float("-inf") if op == "MaxPool" else 0.0
            src, pad = self.padded(node, x, a, k, fill, pool=True, avg_exclude=op == "AveragePool" and not include)
            s, ceil = list(a.get("strides", [1, 1])), bool(a.get("ceil_mode", 0))
            if op == "MaxPool":
                expr = f"F.max_pool2d({src}, {k}, {s}, {pad}, {list(a.get('dilations', [1, 1]))}, {ceil})"
            else:
                expr = f"F.avg_pool2d({src}, {k}, {s}, {pad}, {ceil}, {include})"
        elif op == "Concat":
            parts = [self.operand(i) for i in ins]
            expr = f"torch.cat([{', '.join(parts)}], {a['axis']})"
        elif op == "Pad":
            expr = self.pad(node, x, a)
        elif op in ("Identity", "Dropout"):
            expr = x
        elif op == "Cast":
            if a["to"] not in (1, 10, 11):  # float, float16, double: the data stays float32
                self.fail(node, f"cast of data to ONNX type {a['to']}")
            expr = x
        elif op in ("Unsqueeze", "Squeeze"):
            axes = a.get("axes")
            if axes is None and len(ins) > 1 and ins[1]:
                axes = [int(v) for v in self.const(node, 1, "axes").reshape(-1)]
            if axes is None:
                self.fail(node, "axes not given")
            if 0 in axes:
                self.fail(node, "changes the batch axis")
            expr = x
            for ax in (sorted(axes) if op == "Unsqueeze" else sorted(axes, reverse=True)):
                expr = f"{expr}.{op.lower()}({ax})"
        else:
            self.fail(node, "is not supported on activations")
        L.append(f"{self.new_var(out)} = {expr}")
        # ONNX shape inference gives up after a reshape to a run-time shape: keep at least the rank.
        if self.shapes.get(out) is None:
            rank = out_rank if op == "Reshape" else self.rank(ins[0]) if op in SAME_RANK else None
            if rank:
                self.shapes[out] = [None] * rank

    def padded(self, node, x, a, k, fill, pool=False, avg_exclude=False):
        """(source expression, symmetric padding) for Conv / pooling with ONNX's padding rules."""
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        s, d = list(a.get("strides", [1, 1])), list(a.get("dilations", [1, 1]))
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            shape = self.shape_of(node.input[0])
            if shape is None or shape[2] is None or shape[3] is None:
                self.fail(node, "auto_pad SAME on an input of unknown size")
            pads = [0, 0, 0, 0]
            for i in range(2):
                n = shape[2 + i]
                total = max((-(-n // s[i]) - 1) * s[i] + (k[i] - 1) * d[i] + 1 - n, 0)
                small = total // 2
                pads[i], pads[i + 2] = (small, total - small) if auto == "SAME_UPPER" else (total - small, small)
        elif auto == "VALID":
            pads = [0, 0, 0, 0]
        else:
            pads = list(a.get("pads", [0, 0, 0, 0]))
        t, l, b, r = pads
        if t == b and l == r and (not pool or (2 * t <= k[0] and 2 * l <= k[1])):
            return x, [t, l]
        if avg_exclude:
            self.fail(node, f"asymmetric padding {pads} with count_include_pad 0")
        return f"F.pad({x}, [{l}, {r}, {t}, {b}], 'constant', {fill!r})", [0, 0]

    def pad(self, node, x, a):
        mode = a.get("mode", b"constant")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        if "pads" in a:
            pads, value = list(a["pads"]), float(a.get("value", 0.0))
        else:
            pads = [int(v) for v in self.const(node, 1, "pads").reshape(-1)]
            value = float(self.const(node, 2, "value").reshape(-1)[0]) if len(node.input) > 2 and node.input[2] else 0.0
        n = len(pads) // 2
        begin, end = pads[:n], pads[n:]
        if begin[0] or end[0]:
            self.fail(node, "pads the batch axis")
        tp = []
        for i in range(n - 1, 0, -1):
            tp += [begin[i], end[i]]
        if mode == "constant":
            return f"F.pad({x}, {tp}, 'constant', {value!r})"
        if n != 4 or begin[1] or end[1]:
            self.fail(node, f"mode {mode} only pads height and width of 4-D tensors")
        return f"F.pad({x}, {tp[:4]}, '{ {'reflect': 'reflect', 'edge': 'replicate'}.get(mode, mode) }')"

    def slice(self, node, x, a):
        """Python indexing for a Slice of an activation with constant starts/ends/axes/steps."""
        if "starts" in a:  # opset < 10
            starts, ends, axes, steps = list(a["starts"]), list(a["ends"]), a.get("axes"), None
        else:
            starts, ends = (list(self.const(node, i, w).reshape(-1)) for i, w in ((1, "starts"), (2, "ends")))
            axes = list(self.const(node, 3, "axes").reshape(-1)) if len(node.input) > 3 and node.input[3] else None
            steps = list(self.const(node, 4, "steps").reshape(-1)) if len(node.input) > 4 and node.input[4] else None
        axes = list(range(len(starts))) if axes is None else [int(v) for v in axes]
        steps = [1] * len(starts) if steps is None else [int(v) for v in steps]
        r = self.rank(node.input[0])
        if any(ax < 0 for ax in axes):
            if r is None:
                self.fail(node, "negative axes on an input of unknown rank")
            axes = [ax + r if ax < 0 else ax for ax in axes]
        if 0 in axes:
            self.fail(node, "slices the batch axis")
        if any(sp != 1 for sp in steps):
            self.fail(node, f"steps {steps} (only 1 is supported on activations)")
        index = [":"] * (max(axes) + 1)
        big = 2 ** 31 - 1
        for st, en, ax in zip(starts, ends, axes):
            st, en = int(st), int(en)
            index[ax] = f"{st if st else ''}:{en if en < big else ''}"
        return f"{x}[{', '.join(index)}]"

    def reshape_target(self, node, x):
        name = node.input[1]
        if name in self.sym:
            target = list(self.sym[name])
        elif name in self.consts:
            target = [int(v) for v in self.consts[name].reshape(-1)]
        else:
            self.fail(node, "its target shape is computed from data")
        in_shape = self.shape_of(node.input[0])
        for k, t in enumerate(target):
            if isinstance(t, int) and t == 0:       # ONNX: copy the input's size
                target[k] = _Sym(f"{x}.size({k})")
        # A graph exported with a fixed batch B reshapes to [B, ...]: keep the actual batch.
        if (self.batch and target and isinstance(target[0], int) and target[0] == self.batch and in_shape
                and in_shape[0] == self.batch):
            target[0] = _Sym(f"{x}.size(0)")
        return target


def _numpy_op(op, vals, a, opset):
    """Constant folding of the operators shape arithmetic uses; None: not folded here."""
    x = vals[0]
    if op in ("Identity", "Dropout"):
        return x
    if op == "Cast":
        to = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_, 11: np.float64}.get(a["to"])
        return None if to is None else np.asarray(x).astype(to)
    if op in ("Add", "Sub", "Mul", "Div"):
        y = vals[1]
        if op == "Div" and np.issubdtype(np.asarray(x).dtype, np.integer):
            return np.asarray(np.trunc(np.asarray(x) / y), np.asarray(x).dtype)
        return {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op](x, y)
    if op == "Unsqueeze":
        axes = a.get("axes") if "axes" in a else list(vals[1].reshape(-1))
        out = np.asarray(x)
        for ax in sorted(int(v) for v in axes):
            out = np.expand_dims(out, ax if ax >= 0 else ax + out.ndim + 1)
        return out
    if op == "Squeeze":
        axes = a.get("axes") if "axes" in a else (list(vals[1].reshape(-1)) if len(vals) > 1 and vals[1] is not None
                                                    else None)
        return np.squeeze(x, tuple(int(v) for v in axes) if axes is not None else None)
    if op == "Concat":
        return np.concatenate([np.asarray(v) for v in vals], a["axis"])
    if op == "Gather":
        return np.take(x, np.asarray(vals[1]), axis=a.get("axis", 0))
    if op == "Reshape":
        shape = [int(s) for s in vals[1].reshape(-1)]
        shape = [np.asarray(x).shape[k] if s == 0 else s for k, s in enumerate(shape)]
        return np.reshape(x, shape)
    if op == "Transpose":
        return np.transpose(x, a.get("perm"))
    if op == "Shape":
        return np.array(np.asarray(x).shape, np.int64)
    if op == "ConstantOfShape":
        fill = _np(a["value"]).reshape(-1) if "value" in a else np.zeros(1, np.float32)
        return np.full([int(v) for v in np.asarray(x).reshape(-1)], fill[0], fill.dtype)
    if op == "Slice":
        if "starts" in a:
            starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
        else:
            starts, ends = vals[1].reshape(-1), vals[2].reshape(-1)
            axes = vals[3].reshape(-1) if len(vals) > 3 and vals[3] is not None else None
            steps = vals[4].reshape(-1) if len(vals) > 4 and vals[4] is not None else None
        x = np.asarray(x)
        axes = list(range(len(starts))) if axes is None else axes
        steps = [1] * len(starts) if steps is None else steps
        index = [slice(None)] * x.ndim
        for st, en, ax, sp in zip(starts, ends, axes, steps):
            index[int(ax)] = slice(int(st), None if (sp < 0 and en < -x.shape[int(ax)]) else int(en), int(sp))
        return x[tuple(index)]
    if op == "Flatten":
        axis = a.get("axis", 1)
        return np.reshape(x, (int(np.prod(np.asarray(x).shape[:axis])), -1))
    return None


_TEMPLATE = '''
class {cls}(torch.nn.Module):
    """Generated from {what}: N x 3 x {h} x {w} input, {out_doc}."""

    def __init__(self, params: Dict[str, torch.Tensor], trainable: List[str]):
        super().__init__()
        for k, v in params.items():
            if k in trainable:   # weights, biases, BatchNorm scales and PReLU slopes: trainable
                self.register_parameter(k, torch.nn.Parameter(v))
            else:                # BatchNorm statistics and other constants
                self.register_buffer(k, v)

    def forward(self, x: torch.Tensor) -> {returns}:
{body}
'''


def to_torch(model, what: str = "model", multi_output: bool = False) -> torch.nn.Module:
    """An eager ``torch.nn.Module`` equal to ``model`` (a parsed ONNX ModelProto); see the module docstring.
    ``multi_output``: return all graph outputs as a tuple (else exactly one output, as ``N x D``)."""
    b = _Builder(model, what, multi_output)
    body = b.build()
    cls = "OnnxGraph"
    h, w = b.input_hw
    n_out = len(model.graph.output)
    returns = f"Tuple[{', '.join(['torch.Tensor'] * n_out)}]" if multi_output else "torch.Tensor"
    src = _TEMPLATE.format(cls=cls, what=what.replace('"', "'"), h=h, w=w, returns=returns,
                           out_doc=f"{n_out} outputs" if multi_output else "N x D output",
                           body="\n".join("        " + line for line in body.splitlines()))
    # TorchScript compiles from source files: write the generated class to a private module file.
    header = ("from typing import Dict, List, Tuple\nimport torch\nimport torch.nn.functional as F\n"
              "from onnx_torch import _flatten, _softmax\n")
    module = load_generated_class(header + src, "onnx", cls)(b.params, sorted(b.trainable))
    module.eval()
    module.generated_source = src
    module.input_size = (h, w)
    module.input_nhwc = b.nhwc
    module.fixed_batch = b.batch
    module.opencv_caveats = b.opencv_caveats
    return module


def convert(path: str, multi_output: bool = False) -> torch.nn.Module:
    """Read ``path`` and convert it; raises ConversionError naming the file and the problem."""
    return to_torch(load_model(path), what=path, multi_output=multi_output)


def run_opencv(path: str, x: np.ndarray, nhwc: bool = False) -> np.ndarray:
    """Outputs of OpenCV DNN running the ONNX file ``path`` on NCHW ``x``, one sample at a time."""
    import cv2
    try:
        net = cv2.dnn.readNetFromONNX(path)
    except cv2.error as e:
        raise ConversionError(f"OpenCV DNN cannot read '{path}' to check the conversion: {str(e).strip()[-300:]}")
    outs = []
    for sample in x:
        blob = sample[None].transpose(0, 2, 3, 1) if nhwc else sample[None]
        net.setInput(np.ascontiguousarray(blob, dtype=np.float32))
        try:
            outs.append(np.asarray(net.forward()).reshape(1, -1))
        except cv2.error as e:
            raise ConversionError(f"OpenCV DNN cannot run '{path}' to check the conversion: {str(e).strip()[-300:]}")
    return np.concatenate(outs)


def verify_with_opencv(path: str, module: torch.nn.Module, inputs: np.ndarray, tol: float = 1e-4,
                       converted: Optional[torch.nn.Module] = None) -> float:
    """Max abs difference between ``module`` (run batched) and OpenCV DNN on ``path``, relative to the
    output scale when that exceeds 1; raises ConversionError above ``tol``. ``converted``: the eager
    module ``to_torch`` returned, when ``module`` is its scripted copy (for its input layout and notes)."""
    converted = converted if converted is not None else module
    ref = run_opencv(path, inputs, getattr(converted, "input_nhwc", False))
    with torch.no_grad():
        got = module(torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32))).numpy()
    if got.shape != ref.shape:
        raise ConversionError(f"{path}: the converted module returns {tuple(got.shape)}, OpenCV DNN {tuple(ref.shape)}")
    scale = max(1.0, float(np.abs(ref).max()))
    err = float(np.abs(got - ref).max()) / scale
    if not np.isfinite(err) or err > tol:
        caveats = getattr(converted, "opencv_caveats", [])
        raise ConversionError(f"{path}: the converted module differs from OpenCV DNN by {err:.3g} (relative to the "
                              f"output scale {scale:.3g}; tolerance {tol:g}); not written"
                              + (f" (note: {'; '.join(caveats)})" if caveats else ""))
    return err


# ----------------------------------------------------------------------------- import: ONNX -> arcface model
def _input_normalised_in_graph(model) -> bool:
    """insightface's rule: an export whose first nodes subtract/multiply normalises its input itself."""
    return any(n.op_type in ("Sub", "Mul", "Div") for n in model.graph.node[:8])


def import_onnx(path, name, out_dir, template="arcface_112x112", color="RGB", mean=None, std=None, flip="sum",
                force=False, threshold=0.3, log=print):
    """Convert ``path``, check it against OpenCV DNN and write ``out_dir/name.pt`` with its metadata.
    Returns the path written. Raises ConversionError (bad file, unsupported graph, check failed)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import prepare_models as pm
    import re
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name or ""):
        raise ConversionError(f"model name '{name}' is not valid (letters, digits, '.', '_', '-'; no '/' or '+')")
    templates = {"arcface_112x112": (pm.ARCFACE_112x112, 112, 112), "sphereface_96x112": (pm.SPHEREFACE_96x112, 96, 112)}
    if template not in templates:
        raise ConversionError(f"unknown template '{template}' (expected {', '.join(templates)})")
    if flip not in ("none", "sum", "concat"):
        raise ConversionError(f"unknown flip policy '{flip}' (expected none, sum or concat)")
    target = os.path.join(out_dir, name + ".pt")
    if os.path.exists(target) and not force:
        raise ConversionError(f"'{target}' exists (use --force to replace it)")
    model = load_model(path)
    module = to_torch(model, path)
    h, w = module.input_size
    points, tw, th = templates[template]
    if (tw, th) != (w, h):
        raise ConversionError(f"{path}: the network takes {w}x{h} crops but template {template} is {tw}x{th}")
    if mean is None and std is None:
        inside = _input_normalised_in_graph(model)
        mean, std = ([0.0] * 3, [1.0] * 3) if inside else ([127.5] * 3, [127.5] * 3)
        log(f"input scaling: mean {mean[0]}, std {std[0]} "
            f"({'the graph normalises its input itself' if inside else 'the ArcFace/insightface convention'}; "
            f"give --mean/--std to override)")
    mean = [float(v) for v in (mean if mean is not None else [0.0] * 3)]
    std = [float(v) for v in (std if std is not None else [1.0] * 3)]
    mean, std = (mean * 3 if len(mean) == 1 else mean), (std * 3 if len(std) == 1 else std)
    if len(mean) != 3 or len(std) != 3 or 0.0 in std:
        raise ConversionError("--mean and --std take 1 or 3 values, std non-zero")
    scripted = torch.jit.script(module)
    rng = np.random.RandomState(0)
    x = ((rng.uniform(0, 255, (3, 3, h, w)) - np.array(mean)[:, None, None]) / np.array(std)[:, None, None])
    x = x.astype(np.float32)  # random pixels, scaled as the network expects
    with torch.no_grad():
        eager = module(torch.from_numpy(x)).numpy()
        script = scripted(torch.from_numpy(x)).numpy()
    if eager.ndim != 2 or not np.isfinite(eager).all():
        raise ConversionError(f"{path}: the network output is {eager.shape}, not N x D finite values")
    if float(np.abs(eager - script).max()) > 1e-5:
        raise ConversionError(f"{path}: TorchScript differs from the eager module")
    err = verify_with_opencv(path, scripted, x, converted=module)
    log(f"checked against OpenCV DNN on 3 random inputs: max difference {err:.2e} (relative to the output scale)")
    d = int(eager.shape[1])
    digest = pm.sha256(path)
    producer = f"{model.producer_name} {model.producer_version}".strip() or "unknown exporter"
    meta = pm.embedder_meta(
        name, f"ONNX import ({producer}, opset {max(o.version for o in model.opset_import)})", h, w, template, points,
        flip, d, 2 * d if flip == "concat" else d, threshold, path, digest,
        notes=f"imported from {os.path.basename(path)} by scripts/onnx_torch.py; threshold not calibrated yet "
              f"(run arcface calibrate)")
    meta["input"].update({"color": color, "mean": mean, "std": std})
    meta["converter"] = f"onnx_torch/{VERSION}"
    meta["conversion_check"] = {"runtime": "OpenCV DNN", "max_difference": err}
    os.makedirs(out_dir, exist_ok=True)
    meta = dict(meta, format=pm.FORMAT)
    tmp = target + ".tmp"
    torch.jit.save(scripted, tmp, _extra_files={"arcface.json": json.dumps(meta, indent=1)})
    os.replace(tmp, target)
    log(f"wrote {target} ({d}-d network output, flip {flip}, {color}, (x - {mean[0]:g}) / {std[0]:g}, {template})")
    return target


def main(argv=None):
    ap = argparse.ArgumentParser(description="Import an ONNX face embedder as an arcface TorchScript model.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    imp = sub.add_parser("import", help="convert FILE.onnx, check it against OpenCV DNN, write NAME.pt")
    imp.add_argument("onnx")
    imp.add_argument("--name", required=True)
    imp.add_argument("--out", required=True, help="models directory")
    imp.add_argument("--template", default="arcface_112x112")
    g = imp.add_mutually_exclusive_group()
    g.add_argument("--rgb", dest="color", action="store_const", const="RGB")
    g.add_argument("--bgr", dest="color", action="store_const", const="BGR")
    imp.add_argument("--mean", type=float, nargs="+")
    imp.add_argument("--std", type=float, nargs="+")
    imp.add_argument("--flip", default="sum", choices=["none", "sum", "concat"])
    imp.add_argument("--threshold", type=float, default=0.3)
    imp.add_argument("--force", action="store_true")
    args = ap.parse_args(argv)
    for module, package in (("onnx", "python3-onnx"), ("cv2", "python3-opencv")):
        if importlib.util.find_spec(module) is None:
            print(f"error: the Python module {module} is missing (Debian: apt-get install {package})", file=sys.stderr)
            return 1
    try:
        import_onnx(args.onnx, args.name, args.out, args.template, args.color or "RGB", args.mean, args.std,
                    args.flip, args.force, args.threshold)
    except ConversionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
