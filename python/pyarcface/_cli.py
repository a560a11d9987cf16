"""The ``arcface`` console script of the pip-installed package: runs the C++ command-line tool
shipped in ``pyarcface/bin`` (``arcface --help`` lists its commands)."""
import os
import sys


def main():
    exe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "arcface")
    if not os.access(exe, os.X_OK):
        sys.exit(f"arcface: error: the command-line tool is not part of this installation ({exe} is missing); "
                 f"install pyarcface from its wheel or build the project with CMake")
    os.execv(exe, [exe] + sys.argv[1:])


if __name__ == "__main__":
    main()
