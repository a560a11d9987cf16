"""Builds the pyarcface extension through the project's CMake (offline; no downloads).

`pip install --no-build-isolation .` runs this: it configures the project in build-python/
(or $ARCFACE_PY_BUILD_DIR) with a static libarcface, builds the _pyarcface target and places it in
the package.
"""
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = os.environ.get("ARCFACE_PY_BUILD_DIR", os.path.join(ROOT, "build-python"))
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        subprocess.check_call([
            "cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython3_EXECUTABLE={sys.executable}",
            "-DARCFACE_BUILD_PYTHON=ON", "-DARCFACE_SHARED=OFF", "-DARCFACE_BUILD_TESTS=OFF",
            "-DARCFACE_BUILD_BENCHMARKS=OFF", "-DARCFACE_BUILD_EXAMPLES=OFF", "-DARCFACE_BUILD_CLI=OFF",
            "-DARCFACE_INSTALL=OFF"])
        subprocess.check_call(["cmake", "--build", build, "--target", "_pyarcface", "-j", jobs])
        built = [f for f in os.listdir(os.path.join(build, "python", "pyarcface")) if f.startswith("_pyarcface")
                 and f.endswith(".so")]
        if not built:
            raise RuntimeError("the CMake build produced no _pyarcface module")
        dest = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(os.path.join(build, "python", "pyarcface", built[0]), dest)


setup(ext_modules=[Extension("pyarcface._pyarcface", sources=[])], cmdclass={"build_ext": CMakeBuild})
