"""The header cache: fetched once, never used when a file is missing or truncated (fetched again instead), and
what a killed fetch left beside it is swept. The wheel download is replaced by a small wheel built here."""

import os
import subprocess
import sys
import zipfile

import pytest

from ttgen import headers


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TTGEN_CACHE", str(tmp_path / "cache"))
    downloads = []

    def download(dest, progress):
        wheel = dest / f"ttnn-{headers.TTNN_VERSION}-cp312-cp312-manylinux_2_34_x86_64.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            for rel in headers._REQUIRED:
                archive.writestr(f"ttnn/tt_metal/{rel}", f"// {rel}\n" * 20)
            archive.writestr("ttnn/other.py", "outside the headers")
        downloads.append(wheel.name)
        return wheel

    monkeypatch.setattr(headers, "_download", download)
    return downloads


def _quiet(description, completed, total):
    pass


def test_fetched_once_then_found(cache):
    root = headers.ensure_headers(_quiet)
    assert (root / headers._REQUIRED[0]).is_file()
    assert headers.ensure_headers(_quiet) == root
    assert len(cache) == 1
    assert not (root.parent / "tt_metal" / "other.py").exists()


@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_a_damaged_copy_is_fetched_again(cache, damage):
    root = headers.ensure_headers(_quiet)
    header = root / headers._REQUIRED[-1]
    text = header.read_text()
    if damage == "truncate":
        header.write_text(text[: len(text) // 2])
    else:
        header.unlink()
    assert headers.headers_present() is None
    assert headers.ensure_headers(_quiet) == root
    assert header.read_text() == text
    assert len(cache) == 2
    assert [p.name for p in root.parent.parent.iterdir()] == [root.parent.name], "the damaged copy stayed"


def test_a_marker_without_sizes_is_not_trusted(cache):
    root = headers.ensure_headers(_quiet)
    (root.parent / headers._MARKER).write_text(f"ttnn {headers.TTNN_VERSION}\n")  # an older ttgen's marker
    assert headers.headers_present() is None
    headers.ensure_headers(_quiet)
    assert len(cache) == 2


def test_partials_of_killed_fetches_are_swept(cache):
    folder = headers.cache_dir()
    folder.parent.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed = folder.parent / f".{folder.name}.p{dead.pid}.x1.partial"
    legacy = folder.parent / f".{folder.name}.partial-a8f3"  # an older ttgen named no owner
    running = folder.parent / f".{folder.name}.p{os.getpid()}.x2.partial"
    for path in (killed, legacy, running):
        (path / "tt_metal").mkdir(parents=True)
    headers.ensure_headers(_quiet)
    assert not killed.exists() and not legacy.exists()
    assert running.exists(), "the partial copy of a fetch still running was removed"
    killed.mkdir()
    headers.ensure_headers(_quiet)  # swept even when the cache is already complete
    assert not killed.exists()


def test_a_fetch_killed_mid_download_leaves_nothing_after_the_next(cache, tmp_path):
    hang = ("import sys, time\nfrom ttgen import headers\n"
            "def download(dest, progress):\n"
            "    (dest / 'ttnn.whl.part').write_bytes(b'x' * 4096)\n"
            "    print('downloading', flush=True)\n"
            "    time.sleep(60)\n"
            "headers._download = download\nheaders.ensure_headers(lambda *a: None)\n")
    process = subprocess.Popen([sys.executable, "-c", hang], stdout=subprocess.PIPE, text=True, env=os.environ)
    assert process.stdout.readline().strip() == "downloading"
    process.kill()
    process.wait()
    parent = headers.cache_dir().parent
    assert any(p.name.endswith(".download") for p in parent.iterdir())
    headers.ensure_headers(_quiet)
    assert [p.name for p in parent.iterdir()] == [headers.cache_dir().name]
