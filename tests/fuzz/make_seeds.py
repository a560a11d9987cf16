"""Writes the seed corpus of the fuzz harnesses (scripts/fuzz.sh): one valid input per format.

    /usr/bin/python3 tests/fuzz/make_seeds.py OUT_DIR [MODELS_DIR]

The gallery and photo-cache harnesses append the checksum themselves when the first byte is odd,
so their seeds are b"\\x01" + the file without its checksum.
"""
import json
import os
import struct
import sys
import zipfile

import numpy as np


def npy(arr):
    import io
    b = io.BytesIO()
    np.save(b, arr)
    return b.getvalue()


def gallery(dim=4):
    header = json.dumps({"embedder": "m", "dimension": dim, "identities": 2, "samples": 3, "match": "template",
                         "flip": "sum"}).encode()
    out = b"ARCFGALY" + struct.pack("<II", 1, len(header)) + header
    rng = np.random.default_rng(0)
    for name, count in (("alice", 2), ("bob", 1)):
        rows = rng.normal(size=(count, dim)).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        out += struct.pack("<I", len(name)) + name.encode() + struct.pack("<I", count) + rows.tobytes()
    return out


def photo_cache(key=b"k", dim=4):
    out = b"ARCFPHC1" + struct.pack("<II", 1, len(key)) + key + struct.pack("<IQ", dim, 2)
    for i, path in enumerate((b"/a/b.jpg", b"/c/d.jpg")):
        v = np.zeros(dim, np.float32)
        v[i] = 1
        out += struct.pack("<I", len(path)) + path + bytes([i % 2]) + np.full(10, 0.5, np.float32).tobytes() + v.tobytes()
    return out


def main():
    out = sys.argv[1]
    models = sys.argv[2] if len(sys.argv) > 2 else ""
    seeds = {
        "npy": [npy(np.zeros((3, 4), np.float32)), npy(np.ones(5, np.float32)), npy(np.float32(1))],
        "gallery_file": [b"\x01" + gallery()],
        "photo_cache": [b"\x01" + photo_cache()],
        "lfw_pairs": [b"2\nA 1 2\nB 3 4\nA 1 C 2\nD 1 E 5\n", b"2 1\nA 1 2\nB 1 C 1\nD 2 3\nE 1 F 2\n"],
        "model_metadata": [],
        "image_header": [],
    }
    for name in ("mobilefacenet-ms1m.pt", "mobilefacenet-casia.pt"):
        path = os.path.join(models, name)
        if os.path.isfile(path):
            with zipfile.ZipFile(path) as z:
                for entry in z.namelist():
                    if entry.endswith("extra/arcface.json"):
                        seeds["model_metadata"].append(z.read(entry))
    try:
        import cv2
        img = np.zeros((20, 30, 3), np.uint8)
        for ext in (".png", ".jpg", ".bmp", ".webp", ".tiff", ".ppm"):
            ok, buf = cv2.imencode(ext, img)
            if ok:
                seeds["image_header"].append(buf.tobytes()[:512])
    except ImportError:
        pass
    seeds["image_header"].append(b"GIF89a\x1e\x00\x14\x00")
    for harness, items in seeds.items():
        d = os.path.join(out, harness)
        os.makedirs(d, exist_ok=True)
        for i, data in enumerate(items):
            with open(os.path.join(d, f"seed{i}"), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
