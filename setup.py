"""Builds the pyarcface extension through the project's CMake (offline; no downloads).

`pip install --no-build-isolation .` (or `pip wheel`) runs this: it configures the project in
build-python/ (or $ARCFACE_PY_BUILD_DIR) with a static libarcface, builds the _pyarcface target and
the `arcface` command-line tool and places them in the package (the tool in pyarcface/bin/, run by
the `arcface` console script), with the model converters in pyarcface/scripts/ (for
`arcface models install`). No path of the source tree is compiled in: an installed package finds
its models in $ARCFACE_MODELS, ~/.local/share/arcface/models or the system directories.
"""
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
# The model converters (as CMake installs them into share/arcface/scripts).
SCRIPTS = ["prepare_models.py", "onnx_torch.py", "arcface_nets.py", "tflite_reader.py", "tflite_torch.py",
           "generated_module.py", "quantize_model.py", "measured_precisions.json"]


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = os.environ.get("ARCFACE_PY_BUILD_DIR", os.path.join(ROOT, "build-python"))
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        subprocess.check_call([
            "cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython3_EXECUTABLE={sys.executable}",
            "-DARCFACE_BUILD_PYTHON=ON", "-DARCFACE_SHARED=OFF", "-DARCFACE_BUILD_TESTS=OFF",
            "-DARCFACE_BUILD_BENCHMARKS=OFF", "-DARCFACE_BUILD_EXAMPLES=OFF", "-DARCFACE_BUILD_CLI=ON",
            "-DARCFACE_INSTALL=OFF", "-DARCFACE_MODELS_DIR=", "-DARCFACE_SOURCE_SCRIPTS_DIR=",
            "-DCMAKE_BUILD_WITH_INSTALL_RPATH=ON"])  # the tool: $ORIGIN only, no build directory
        subprocess.check_call(["cmake", "--build", build, "--target", "_pyarcface", "arcface-cli", "-j", jobs])
        built = [f for f in os.listdir(os.path.join(build, "python", "pyarcface")) if f.startswith("_pyarcface")
                 and f.endswith(".so")]
        if not built:
            raise RuntimeError("the CMake build produced no _pyarcface module")
        dest = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(os.path.join(build, "python", "pyarcface", built[0]), dest)
        package = os.path.dirname(dest)
        bin_dir = os.path.join(package, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        shutil.copy2(os.path.join(build, "arcface"), os.path.join(bin_dir, "arcface"))
        # The tool's commands module, which the front end `arcface` loads from its own directory.
        shutil.copy2(os.path.join(build, "libarcface_cli_commands.so"), os.path.join(bin_dir, "libarcface_cli_commands.so"))
        omp = [f for f in os.listdir(build) if f.startswith("libarcface_omp_env.so.") and f.count(".") == 2]
        for f in omp:  # the tool's RPATH is $ORIGIN
            shutil.copy2(os.path.join(build, f), os.path.join(bin_dir, f))
        scripts = os.path.join(package, "scripts")
        os.makedirs(scripts, exist_ok=True)
        for f in SCRIPTS:
            shutil.copyfile(os.path.join(ROOT, "scripts", f), os.path.join(scripts, f))


setup(ext_modules=[Extension("pyarcface._pyarcface", sources=[])], cmdclass={"build_ext": CMakeBuild})
