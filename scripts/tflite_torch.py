"""TFLite graph -> equivalent ``torch.nn.Module`` (TorchScript-able), for arcface's model step.

The module is generated operator by operator from the graph read by ``tflite_reader``:

* activations that are 4-D in TFLite (NHWC) are kept NCHW in torch; the module's input is NCHW
  (``N x C x H x W``) and every output has TFLite's own layout and shape (except that the batch
  dimension follows the input);
* CONV_2D / DEPTHWISE_CONV_2D / MAX_POOL_2D use TFLite's padding exactly: VALID, or SAME with
  ``total = max((ceil(in / s) - 1) * s + (k - 1) * d + 1 - in, 0)``, ``before = total // 2`` and
  the rest after (so stride-2 layers pad asymmetrically, more at the bottom/right); SAME max
  pooling pads with -inf. Padding is computed from the actual input size, so fully convolutional
  graphs (MTCNN's P-Net) accept any image size;
* fused activations (NONE, RELU, RELU6, RELU_N1_TO_1, TANH) are applied after the operator;
* constants that broadcast against NHWC activations are re-laid out for NCHW;
* RESHAPE / FULLY_CONNECTED / reductions of a 4-D activation see it in NHWC order (as TFLite does);
* PReLU, which these graphs spell out element-wise, is recognised and run as one ``F.prelu``:
  ``relu(x) + a * (x - abs(x))`` (= prelu with slope 2a) and ``relu(x) + a * neg(relu(neg(x)))``
  (= prelu with slope a), when the intermediate tensors feed nothing else (5x faster on CPU);
* SAME padding that does not depend on the input size (stride 1, odd kernel) becomes the
  convolution's own symmetric padding;
* weights, biases and PReLU slopes are parameters (the module can be fine-tuned), other
  constants buffers.

Any operator outside ``tflite_reader.OPS`` is refused with a message that names it.
"""
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F  # noqa: F401  (used by the generated code)

import tflite_reader as tfl
from generated_module import load_generated_class

_NHWC_TO_NCHW_AXIS = [0, 2, 3, 1]  # TFLite axis a of a 4-D tensor is torch axis _NHWC_TO_NCHW_AXIS[a]


# Bumped when the generated module changes, so that prepare_models.py rewrites converted models.
VERSION = 3


class ConversionError(ValueError):
    pass


# Helpers the generated forward() calls (TorchScript-compatible free functions).
def _pad_same(x: torch.Tensor, kh: int, kw: int, sh: int, sw: int, dh: int, dw: int, value: float) -> torch.Tensor:
    h, w = x.size(2), x.size(3)
    oh, ow = (h + sh - 1) // sh, (w + sw - 1) // sw
    th = max((oh - 1) * sh + (kh - 1) * dh + 1 - h, 0)
    tw = max((ow - 1) * sw + (kw - 1) * dw + 1 - w, 0)
    if th == 0 and tw == 0:
        return x
    return F.pad(x, [tw // 2, tw - tw // 2, th // 2, th - th // 2], value=value)


def _nhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1) if x.dim() == 4 else x


def _activation(expr: str, act: str) -> str:
    if act == "NONE":
        return expr
    if act == "RELU":
        return f"torch.relu({expr})"
    if act == "RELU6":
        return f"torch.clamp({expr}, 0.0, 6.0)"
    if act == "RELU_N1_TO_1":
        return f"torch.clamp({expr}, -1.0, 1.0)"
    if act == "TANH":
        return f"torch.tanh({expr})"
    raise ConversionError(f"unsupported fused activation {act}")


class _Builder:
    def __init__(self, graph: tfl.SubGraph, what: str, static_padding: bool = False):
        self.g = graph
        self.what = what
        self.static_padding = static_padding  # SAME padding from the graph's tensor sizes (fixed input size)
        self.lines: List[str] = []
        self.consts: Dict[str, torch.Tensor] = {}
        self.layout: Dict[int, str] = {}  # tensor index -> "nchw" | "plain"
        self.rank: Dict[int, int] = {}
        self.skip = set()        # operator indices folded into a fused PReLU
        self.prelu = {}          # ADD operator index -> (input tensor, slope array)
        self._find_prelu()

    def _find_prelu(self):
        g = self.g
        producer, consumers = {}, {}
        for op in g.operators:
            for o in op.outputs:
                producer[o] = op
            for i in op.inputs:
                consumers.setdefault(i, []).append(op)
        outputs = set(g.outputs)

        def only_feeds(t, op):
            return t not in outputs and len(consumers.get(t, [])) == 1 and consumers[t][0] is op

        def prod(t, name):
            p = producer.get(t)
            return p if p is not None and p.name == name else None

        for add in g.operators:
            if add.name != "ADD" or add.options.get("activation") != "NONE" or len(add.inputs) != 2:
                continue
            for r_t, m_t in (add.inputs, add.inputs[::-1]):
                relu, mul = prod(r_t, "RELU"), prod(m_t, "MUL")
                if relu is None or mul is None or mul.options.get("activation") != "NONE":
                    continue
                x = relu.inputs[0]
                consts = [i for i in mul.inputs if g.tensors[i].data is not None]
                if len(consts) != 1 or not only_feeds(r_t, add) or not only_feeds(m_t, add):
                    continue
                s_t = [i for i in mul.inputs if i not in consts][0]
                alpha = np.asarray(g.tensors[consts[0]].data, dtype=np.float32).reshape(-1)
                chain = None
                sub = prod(s_t, "SUB")
                if sub is not None and sub.inputs[0] == x and only_feeds(s_t, mul):
                    ab = prod(sub.inputs[1], "ABS")
                    if ab is not None and ab.inputs[0] == x and only_feeds(sub.inputs[1], sub):
                        chain, slope = [relu, ab, sub, mul], 2.0 * alpha
                neg2 = prod(s_t, "NEG")
                if chain is None and neg2 is not None and only_feeds(s_t, mul):
                    r1 = prod(neg2.inputs[0], "RELU")
                    if r1 is not None and only_feeds(neg2.inputs[0], neg2):
                        neg1 = prod(r1.inputs[0], "NEG")
                        if neg1 is not None and neg1.inputs[0] == x and only_feeds(r1.inputs[0], r1):
                            chain, slope = [relu, neg1, r1, neg2, mul], alpha
                if chain is None:
                    continue
                # x must have the channel count of the slope (or the slope be a scalar)
                shape = g.tensors[x].shape
                if alpha.size not in (1, shape[-1] if shape else 1):
                    continue
                self.skip.update(op.index for op in chain)
                self.prelu[add.index] = (x, slope)
                break

    def const(self, arr: np.ndarray, name: str) -> str:
        key = f"c{len(self.consts)}_{name}"
        self.consts[key] = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32).copy())
        return f"self.{key}"

    def var(self, i: int) -> str:
        return f"t{i}"

    def operand(self, i: int, like: int) -> str:
        """Expression for tensor ``i`` used in an element-wise op next to activation ``like``."""
        t = self.g.tensors[i]
        if t.data is None:
            return self.var(i)
        arr = np.asarray(t.data, dtype=np.float32)
        if arr.size == 1:
            return repr(float(arr.reshape(-1)[0]))
        if self.layout.get(like) == "nchw":
            if arr.ndim > 4:
                raise ConversionError(f"constant '{t.name}' of rank {arr.ndim} against a 4-D activation")
            arr = arr.reshape((1,) * (4 - arr.ndim) + arr.shape).transpose(0, 3, 1, 2)
        return self.const(arr, "k")

    def set_out(self, op, layout: str, rank: int):
        o = op.outputs[0]
        self.layout[o] = layout
        self.rank[o] = rank

    def build(self) -> str:
        g = self.g
        bad = sorted({op.name for op in g.operators if op.code not in tfl.OPS})
        if bad:
            raise ConversionError(f"{self.what}: unsupported TFLite operator(s): {', '.join(bad)}")
        if len(g.inputs) != 1:
            raise ConversionError(f"{self.what}: expected one input, found {len(g.inputs)}")
        inp = g.inputs[0]
        self.lines.append(f"{self.var(inp)} = x")
        r = len(g.tensors[inp].shape)
        self.layout[inp] = "nchw" if r == 4 else "plain"
        self.rank[inp] = r
        for op in g.operators:
            if op.index in self.skip:
                continue
            if op.index in self.prelu:
                x, slope = self.prelu[op.index]
                self.lines.append(f"{self.var(op.outputs[0])} = F.prelu({self.var(x)}, {self.const(slope, 'prelu')})")
                self.set_out(op, self.layout.get(x, "plain"), self.rank.get(x, 0))
                continue
            self.emit(op)
        outs = []
        for o in g.outputs:
            outs.append(f"_nhwc({self.var(o)})" if self.layout.get(o) == "nchw" else self.var(o))
        self.lines.append("return " + (outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ")"))
        return "\n".join(self.lines)

    def pad_same(self, op, x, kh, kw, sh, sw, dh, dw, value):
        """SAME padding of ``x``: computed at run time, or (static_padding) from the graph's tensor size."""
        shape = self.g.tensors[op.inputs[0]].shape
        if not self.static_padding or not shape or len(shape) != 4 or min(shape[1:3]) <= 0:
            return f"_pad_same({x}, {kh}, {kw}, {sh}, {sw}, {dh}, {dw}, {value})"
        h, w = shape[1], shape[2]
        th = max(((h + sh - 1) // sh - 1) * sh + (kh - 1) * dh + 1 - h, 0)
        tw = max(((w + sw - 1) // sw - 1) * sw + (kw - 1) * dw + 1 - w, 0)
        if th == 0 and tw == 0:
            return x
        return f"F.pad({x}, [{tw // 2}, {tw - tw // 2}, {th // 2}, {th - th // 2}], value={value})"

    def emit(self, op: tfl.Operator):
        g, L, o = self.g, self.lines, op.outputs[0]
        name, opt = op.name, op.options
        x = self.var(op.inputs[0])
        for i in op.inputs[:1]:
            if g.tensors[i].data is not None and name not in ("MUL", "ADD", "SUB", "DIV"):
                raise ConversionError(f"{self.what}: operator {op.index} ({name}) has a constant data input")
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            if self.layout.get(op.inputs[0]) != "nchw":
                raise ConversionError(f"{self.what}: {name} {op.index} on a tensor that is not 4-D")
            w = g.tensors[op.inputs[1]].data
            if w is None or g.tensors[op.inputs[1]].dtype != "float32":
                raise ConversionError(f"{self.what}: {name} {op.index} needs constant float32 weights")
            if name == "CONV_2D":
                wt = w.transpose(0, 3, 1, 2)                       # OHWI -> OIHW
                groups = 1
            else:
                cout = w.shape[3]
                wt = w[0].transpose(2, 0, 1)[:, None, :, :]        # 1HWC -> C1HW
                cin = cout // max(opt["depth_multiplier"], 1)
                groups = cin
            kh, kw = wt.shape[2], wt.shape[3]
            b = None
            if len(op.inputs) > 2 and op.inputs[2] >= 0:
                b = g.tensors[op.inputs[2]].data
            src, pad = x, [0, 0]
            if opt["padding"] == "SAME":
                sh, sw, dh, dw = opt["stride_h"], opt["stride_w"], opt["dilation_h"], opt["dilation_w"]
                eh, ew = (kh - 1) * dh, (kw - 1) * dw  # total SAME padding at stride 1
                if sh == 1 and sw == 1 and eh % 2 == 0 and ew % 2 == 0:
                    pad = [eh // 2, ew // 2]
                else:
                    src = self.pad_same(op, x, kh, kw, sh, sw, dh, dw, "0.0")
            bias = self.const(b, "b") if b is not None else "None"
            expr = (f"F.conv2d({src}, {self.const(wt, 'w')}, {bias}, [{opt['stride_h']}, {opt['stride_w']}], "
                    f"{pad}, [{opt['dilation_h']}, {opt['dilation_w']}], {groups})")
            L.append(f"{self.var(o)} = {_activation(expr, opt['activation'])}")
            self.set_out(op, "nchw", 4)
        elif name == "MAX_POOL_2D":
            kh, kw, sh, sw = opt["filter_h"], opt["filter_w"], opt["stride_h"], opt["stride_w"]
            src = x
            if opt["padding"] == "SAME":
                src = self.pad_same(op, x, kh, kw, sh, sw, 1, 1, "float('-inf')")
            expr = f"F.max_pool2d({src}, [{kh}, {kw}], [{sh}, {sw}])"
            L.append(f"{self.var(o)} = {_activation(expr, opt['activation'])}")
            self.set_out(op, "nchw", 4)
        elif name in ("ADD", "MUL", "SUB", "DIV"):
            a_i, b_i = op.inputs[0], op.inputs[1]
            act_i = a_i if g.tensors[a_i].data is None else b_i
            a, b = self.operand(a_i, act_i), self.operand(b_i, act_i)
            sym = {"ADD": "+", "MUL": "*", "SUB": "-", "DIV": "/"}[name]
            L.append(f"{self.var(o)} = {_activation(f'({a} {sym} {b})', opt['activation'])}")
            self.set_out(op, self.layout.get(act_i, "plain"), self.rank.get(act_i, len(g.tensors[o].shape)))
        elif name in ("RELU", "ABS", "NEG", "EXP"):
            fn = {"RELU": "torch.relu", "ABS": "torch.abs", "NEG": "torch.neg", "EXP": "torch.exp"}[name]
            L.append(f"{self.var(o)} = {fn}({x})")
            self.set_out(op, self.layout.get(op.inputs[0], "plain"), self.rank.get(op.inputs[0], 0))
        elif name in ("SUM", "REDUCE_MAX"):
            axes = g.tensors[op.inputs[1]].data
            if axes is None:
                raise ConversionError(f"{self.what}: {name} {op.index} with non-constant axes")
            axes = [int(a) for a in np.asarray(axes).reshape(-1)]
            r = self.rank[op.inputs[0]]
            axes = [a + r if a < 0 else a for a in axes]
            keep = bool(opt["keep_dims"])
            src, layout = x, self.layout.get(op.inputs[0])
            if layout == "nchw" and keep:
                axes = [_NHWC_TO_NCHW_AXIS[a] for a in axes]
            elif layout == "nchw":
                src, layout = f"_nhwc({x})", "plain"
            if name == "SUM":
                expr = f"torch.sum({src}, {axes}, {keep})"
            else:
                expr = f"torch.amax({src}, {axes}, {keep})"
            L.append(f"{self.var(o)} = {expr}")
            self.set_out(op, layout if keep else "plain", r if keep else r - len(axes))
        elif name == "SOFTMAX":
            beta = float(opt.get("beta", 1.0))
            if self.layout.get(op.inputs[0]) == "nchw":
                L.append(f"{self.var(o)} = torch.softmax({x} * {beta!r}, 1)")
                self.set_out(op, "nchw", 4)
            else:
                L.append(f"{self.var(o)} = torch.softmax({x} * {beta!r}, -1)")
                self.set_out(op, "plain", self.rank[op.inputs[0]])
        elif name == "RESHAPE":
            shape = None
            if len(op.inputs) > 1 and g.tensors[op.inputs[1]].data is not None:
                shape = [int(s) for s in np.asarray(g.tensors[op.inputs[1]].data).reshape(-1)]
            elif opt.get("new_shape"):
                shape = list(opt["new_shape"])
            if shape is None:
                raise ConversionError(f"{self.what}: RESHAPE {op.index} with a non-constant shape")
            in_shape = g.tensors[op.inputs[0]].shape
            if shape and in_shape and shape[0] == in_shape[0]:
                shape[0] = -1  # the batch dimension follows the input
            elif -1 in shape:
                raise ConversionError(f"{self.what}: RESHAPE {op.index} mixes the batch into other axes")
            src = f"_nhwc({x})" if self.layout.get(op.inputs[0]) == "nchw" else x
            if len(shape) == 4:
                L.append(f"{self.var(o)} = {src}.reshape({shape}).permute(0, 3, 1, 2)")
                self.set_out(op, "nchw", 4)
            else:
                L.append(f"{self.var(o)} = {src}.reshape({shape})")
                self.set_out(op, "plain", len(shape))
        elif name == "FULLY_CONNECTED":
            w = g.tensors[op.inputs[1]].data
            if w is None or opt.get("weights_format", 0) != 0:
                raise ConversionError(f"{self.what}: FULLY_CONNECTED {op.index} needs constant float weights")
            if opt.get("keep_num_dims"):
                raise ConversionError(f"{self.what}: FULLY_CONNECTED {op.index} with keep_num_dims")
            b = None
            if len(op.inputs) > 2 and op.inputs[2] >= 0:
                b = g.tensors[op.inputs[2]].data
            src = f"_nhwc({x})" if self.layout.get(op.inputs[0]) == "nchw" else x
            bias = self.const(b, "b") if b is not None else "None"
            expr = f"F.linear({src}.reshape(-1, {w.shape[1]}), {self.const(w, 'w')}, {bias})"
            L.append(f"{self.var(o)} = {_activation(expr, opt['activation'])}")
            self.set_out(op, "plain", 2)
        else:  # pragma: no cover - guarded by the check in build()
            raise ConversionError(f"{self.what}: unsupported TFLite operator {name}")


_TEMPLATE = '''
class {cls}(torch.nn.Module):
    """Generated from {what}: NCHW input, outputs in TFLite's layout."""

    def __init__(self, consts):
        super().__init__()
        for k, v in consts.items():
            if k.endswith(("_w", "_b", "_prelu")):  # weights, biases, PReLU slopes: trainable
                self.register_parameter(k, torch.nn.Parameter(v))
            else:                                    # other constants of element-wise operators
                self.register_buffer(k, v)

    def forward(self, x: torch.Tensor){ret}:
{body}
'''


def to_torch(model: tfl.Model, what: str = "model", static_padding: bool = False) -> torch.nn.Module:
    """An eager ``torch.nn.Module`` equal to subgraph 0 of ``model`` (see the module docstring).
    ``static_padding``: SAME padding for the graph's own input size only (constant pads, which
    ``torch.onnx.export`` writes as plain Pad operators); the default adapts to any input size."""
    g = model.subgraphs[0]
    b = _Builder(g, what, static_padding)
    body = b.build()
    n_out = len(g.outputs)
    ret = " -> torch.Tensor" if n_out == 1 else " -> Tuple[" + ", ".join(["torch.Tensor"] * n_out) + "]"
    cls = "TFLiteGraph"
    src = _TEMPLATE.format(cls=cls, what=what.replace('"', "'"), ret=ret,
                           body="\n".join("        " + line for line in body.splitlines()))
    # TorchScript compiles from source files: write the generated class to a private module file.
    header = ("from typing import Tuple\nimport torch\nimport torch.nn.functional as F\n"
              "from tflite_torch import _pad_same, _nhwc\n")
    module = load_generated_class(header + src, "tflite", cls)(b.consts)
    module.eval()
    module.generated_source = src
    return module


def convert(path: str) -> torch.nn.Module:
    """Read ``path`` and convert it; raises tflite_reader.TFLiteError / ConversionError naming the problem."""
    return to_torch(tfl.read_model(path), what=path)
