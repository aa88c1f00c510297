# lit configuration: IR-level tests under test/lit (one folder per layer).
import os
import shutil
import sys

import lit.formats

config.name = "tsmlir"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".py"]
config.excludes = ["lit.cfg.py", "Output", "__pycache__", "inputs"]

bin_dir = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([bin_dir, config.environment.get("PATH", os.environ["PATH"])])
config.environment["PYTHONPATH"] = os.path.dirname(os.path.abspath(__file__))
for var in ("HOME", "TMPDIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
config.substitutions.append(("%python", sys.executable))
assert shutil.which("filecheck", path=config.environment["PATH"]), "filecheck not installed"
