"""Extension build for `pip install`: oups._oups from python/src plus the liboups sources of
the checkout (../src), linked with the system compression libraries."""
import glob
import os
import re

import numpy
from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.relpath(os.path.join(here, ".."), here)
version = re.search(r"project\(oups VERSION ([0-9.]+)", open(os.path.join(here, "..", "CMakeLists.txt")).read())[1]
sources = sorted(glob.glob("src/*.c")) + sorted(glob.glob(os.path.join(root, "src", "*", "*.c")))

setup(ext_modules=[Extension(
    "oups._oups", sources=sources,
    include_dirs=[os.path.join(root, "include"), os.path.join(root, "src"), numpy.get_include()],
    define_macros=[("OUPS_BUILDING", None), ("_GNU_SOURCE", None), ("OUPS_VERSION_STRING", f'"{version}"')],
    extra_compile_args=["-std=c11", "-O2", "-fvisibility=hidden"],
    libraries=["zstd", "snappy", "lz4", "z", "brotlienc", "brotlidec", "m", "pthread"],
)])
