"""Undo the malloc setting Dask's nanny gives its worker processes.

The nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 (distributed.nanny.pre-spawn-environ).
Setting that variable also freezes glibc's mmap threshold at 128 KiB, so every tensor and image
buffer above it is mmap'ed and unmapped per call: measured, the detect + embed pipeline then costs
2.5-3x the CPU time per photo (72 vs 22 ms on LFW photos). mallopt at run time restores thresholds
close to glibc's own dynamic ones."""
import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_done = False


def undo_dask_malloc_trim() -> bool:
    """In a process started with MALLOC_TRIM_THRESHOLD_ set, raise the mmap threshold to 32 MiB and the
    trim threshold to 64 MiB (glibc only; once per process). Returns whether it changed anything."""
    global _done
    if _done or "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return False
    _done = True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(_M_TRIM_THRESHOLD, 64 << 20))
