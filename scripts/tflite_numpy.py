"""A plain per-operator evaluator of a TFLite graph in numpy (float64), the reference the converter
is tested against. It works in TFLite's own NHWC layout with explicit loops over kernel taps and
shares no code with ``tflite_torch`` (only the flatbuffer reader).

    out = evaluate(tflite_reader.read_model(path), {input_index: nhwc_array})
"""
from typing import Dict, List

import numpy as np

import tflite_reader as tfl


def _act(x, act):
    if act == "NONE":
        return x
    if act == "RELU":
        return np.maximum(x, 0)
    if act == "RELU6":
        return np.clip(x, 0, 6)
    if act == "RELU_N1_TO_1":
        return np.clip(x, -1, 1)
    if act == "TANH":
        return np.tanh(x)
    raise NotImplementedError(act)


def _pad_amounts(size, k, s, d, padding):
    if padding == "VALID":
        return 0, 0, (size - (k - 1) * d - 1) // s + 1
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2, out


def _windows(x, kh, kw, sh, sw, dh, dw, padding, fill):
    """x: N,H,W,C -> list over taps (i, j) of N,OH,OW,C slices (with padding ``fill``)."""
    n, h, w, c = x.shape
    pt, pb, oh = _pad_amounts(h, kh, sh, dh, padding)
    pl, pr, ow = _pad_amounts(w, kw, sw, dw, padding)
    xp = np.full((n, h + pt + pb, w + pl + pr, c), fill, dtype=x.dtype)
    xp[:, pt:pt + h, pl:pl + w, :] = x
    taps = {}
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dh, j * dw
            taps[(i, j)] = xp[:, r0:r0 + (oh - 1) * sh + 1:sh, c0:c0 + (ow - 1) * sw + 1:sw, :]
    return taps, oh, ow


def conv2d(x, w, b, o):
    """w: O,KH,KW,I (TFLite layout)."""
    cout, kh, kw, _ = w.shape
    taps, oh, ow = _windows(x, kh, kw, o["stride_h"], o["stride_w"], o["dilation_h"], o["dilation_w"],
                            o["padding"], 0.0)
    y = np.zeros((x.shape[0], oh, ow, cout))
    for (i, j), patch in taps.items():
        y += patch @ w[:, i, j, :].T
    if b is not None:
        y += b
    return _act(y, o["activation"])


def depthwise(x, w, b, o):
    """w: 1,KH,KW,C*M; output channel c*M+m reads input channel c."""
    _, kh, kw, cout = w.shape
    m = o["depth_multiplier"] or 1
    taps, oh, ow = _windows(x, kh, kw, o["stride_h"], o["stride_w"], o["dilation_h"], o["dilation_w"],
                            o["padding"], 0.0)
    y = np.zeros((x.shape[0], oh, ow, cout))
    for (i, j), patch in taps.items():
        y += np.repeat(patch, m, axis=3) * w[0, i, j, :]
    if b is not None:
        y += b
    return _act(y, o["activation"])


def max_pool(x, o):
    taps, _, _ = _windows(x, o["filter_h"], o["filter_w"], o["stride_h"], o["stride_w"], 1, 1, o["padding"],
                          -np.inf)
    return _act(np.max(np.stack(list(taps.values())), axis=0), o["activation"])


def evaluate(model: tfl.Model, inputs: Dict[int, np.ndarray]) -> List[np.ndarray]:
    """Run subgraph 0 on ``inputs`` (tensor index -> array in the TFLite layout); returns the outputs."""
    g = model.subgraphs[0]
    bad = tfl.unsupported_operators(model)
    if bad:
        raise NotImplementedError("unsupported operators: " + ", ".join(bad))
    vals: Dict[int, np.ndarray] = {i: np.asarray(v, dtype=np.float64) for i, v in inputs.items()}

    def get(i):
        if i in vals:
            return vals[i]
        t = g.tensors[i]
        if t.data is None:
            raise KeyError(f"tensor {i} ({t.name}) has no value")
        return np.asarray(t.data, dtype=np.float64 if t.dtype.startswith("float") else t.data.dtype)

    for op in g.operators:
        o, name = op.options, op.name
        a = get(op.inputs[0])
        opt_b = get(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
        if name == "CONV_2D":
            y = conv2d(a, get(op.inputs[1]), opt_b, o)
        elif name == "DEPTHWISE_CONV_2D":
            y = depthwise(a, get(op.inputs[1]), opt_b, o)
        elif name == "MAX_POOL_2D":
            y = max_pool(a, o)
        elif name == "ADD":
            y = _act(a + get(op.inputs[1]), o["activation"])
        elif name == "SUB":
            y = _act(a - get(op.inputs[1]), o["activation"])
        elif name == "MUL":
            y = _act(a * get(op.inputs[1]), o["activation"])
        elif name == "DIV":
            y = _act(a / get(op.inputs[1]), o["activation"])
        elif name == "RELU":
            y = np.maximum(a, 0)
        elif name == "ABS":
            y = np.abs(a)
        elif name == "NEG":
            y = -a
        elif name == "EXP":
            y = np.exp(a)
        elif name in ("SUM", "REDUCE_MAX"):
            axes = tuple(int(v) for v in np.asarray(get(op.inputs[1])).reshape(-1))
            f = np.sum if name == "SUM" else np.max
            y = f(a, axis=axes, keepdims=bool(o["keep_dims"]))
        elif name == "SOFTMAX":
            z = a * o.get("beta", 1.0)
            z = np.exp(z - z.max(axis=-1, keepdims=True))
            y = z / z.sum(axis=-1, keepdims=True)
        elif name == "RESHAPE":
            shape = (list(np.asarray(get(op.inputs[1])).reshape(-1).astype(int)) if len(op.inputs) > 1
                     else list(o["new_shape"]))
            if shape[0] == g.tensors[op.inputs[0]].shape[0]:
                shape[0] = a.shape[0]
            y = a.reshape(shape)
        elif name == "FULLY_CONNECTED":
            w = get(op.inputs[1])
            y = a.reshape(-1, w.shape[1]) @ w.T
            if opt_b is not None:
                y = y + opt_b
            y = _act(y, o["activation"])
        else:  # pragma: no cover
            raise NotImplementedError(name)
        vals[op.outputs[0]] = y
    return [vals[i] for i in g.outputs]
