"""Crash-safe file writes and checksums shared by the embedding shards and the sharded gallery."""
import hashlib
import os
import uuid

TEMP_MARK = ".tmp-"


def fsync_dir(directory):
    """fsync a directory so that a rename inside it survives a power cut (no-op where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, write):
    """Write PATH through write(fileobj) into PATH.tmp-PID-UUID in the same directory, fsync, rename.

    Readers see either the old file or the complete new one, never a half-written file; a process
    killed in the middle leaves only a temp file (removed by remove_temp_files)."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    tmp = f"{path}{TEMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(directory)


def append_line(path, line):
    """Append one line (text without newline) and fsync; a torn last line is ignored by readers."""
    with open(path, "ab") as f:
        f.write(line.encode("utf-8") + b"\n")
        f.flush()
        os.fsync(f.fileno())


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def remove_temp_files(directory):
    """Remove temp files left by writers that were killed; returns how many."""
    n = 0
    for name in os.listdir(directory):
        if TEMP_MARK in name:
            try:
                os.unlink(os.path.join(directory, name))
                n += 1
            except OSError:
                pass
    return n
