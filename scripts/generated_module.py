"""Loading the Python source a converter generated (tflite_torch.py, onnx_torch.py) as a module.

TorchScript compiles a module's methods from their source file, so a generated class must live in
a real file: it is written to a private temporary directory and imported from there.
"""
import importlib.util
import os
import sys
import tempfile


def load_generated_class(source, prefix, cls):
    """Write `source` to a new file and import it; return its class `cls`."""
    fname = os.path.join(tempfile.mkdtemp(prefix=prefix + "_"), prefix + "_generated.py")
    with open(fname, "w") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(f"{prefix}_generated_{abs(hash(fname))}", fname)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return getattr(mod, cls)
