#!/usr/bin/env bash
# Runs the Python test suite with the pyarcface that set-up installed in .venv, or, without a
# venv, with the module of the build tree (build/python) on PYTHONPATH.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
if [ -x "$ROOT/.venv/bin/python" ] && "$ROOT/.venv/bin/python" -c "import pyarcface" 2>/dev/null; then
  PY="$ROOT/.venv/bin/python"
else
  PY=/usr/bin/python3
  export PYTHONPATH="$BUILD_DIR/python${PYTHONPATH:+:$PYTHONPATH}"
fi
export ARCFACE_CLI=${ARCFACE_CLI:-$BUILD_DIR/arcface}
cd "$ROOT"
exec "$PY" -m pytest -q -p no:cacheprovider tests/python "$@"
