# lit configuration for pdec's file tests.
# Each test is a .pde / .pdir / .test file with RUN: lines; substitutions:
#   pdec, FileCheck, not, npycmp  -> the tools of this build
#   %stdlib -> the source stdlib dir;  %examples -> the source examples dir
import os
import lit.formats

config.name = "pdec"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".pde", ".pdir", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py.in"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = config.pdec_obj_dir

import sys
config.substitutions.append(("%srcroot", config.pdec_source_dir))
# Differential run of a model through interp and c on random inputs.
diff_engines = os.path.join(config.pdec_source_dir, "tests", "tools", "diff_engines.sh")
config.substitutions.append(("%diff", "env PYTHON=%s %s" % (sys.executable, diff_engines)))
# A rewrite moves no output beyond round-off (the interpreter, without and
# with the pass in %{pass}... given as the first argument).
config.substitutions.append(("%rewrite", "env PYTHON=%s DIFF_RTOL=1e-5 DIFF_REF='--engine interp --passes canonicalize' "
                             "DIFF_NEW='--engine interp --passes canonicalize,transform_once' %s" % (sys.executable, diff_engines)))
config.substitutions.append(("%stdlib", os.path.join(config.pdec_source_dir, "stdlib")))
config.substitutions.append(("%examples", os.path.join(config.pdec_source_dir, "examples")))
config.substitutions.append(("%data", os.path.join(os.path.dirname(config.pdec_source_dir), "shared", "data")))

path = os.pathsep.join([config.pdec_bin_dir, os.path.dirname(config.filecheck),
                        config.environment.get("PATH", os.environ.get("PATH", ""))])
config.environment["PATH"] = path
config.environment["PDEC_STDLIB_DIR"] = os.path.join(config.pdec_source_dir, "stdlib")
# Compiled code is cached inside the build tree, never in the user's cache.
config.environment["XDG_CACHE_HOME"] = os.path.join(os.path.dirname(config.pdec_bin_dir), "cache")
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "HOME"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

data = os.path.join(os.path.dirname(config.pdec_source_dir), "shared", "data")
if os.path.isdir(os.path.join(data, "acasxu", "nnet")):
    config.available_features.add("acasxu")

if os.path.exists("/usr/bin/dot"):
    config.available_features.add("graphviz")

# OpenCL: PoCL compiles kernels into a cache of its own, in the source
# tree's .cache (shared by the plain and the sanitized build, ignored by
# git); the tests under opencl/ need a platform.
import subprocess
config.environment["POCL_CACHE_DIR"] = os.path.join(config.pdec_source_dir, ".cache", "pocl")
os.makedirs(config.environment["POCL_CACHE_DIR"], exist_ok=True)
for var in ("OCL_ICD_VENDORS", "PDEC_OPENCL_DEVICE"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
try:
    devices = subprocess.run([os.path.join(config.pdec_bin_dir, "pdec"), "devices"], capture_output=True,
                             env=config.environment, timeout=60)
    if devices.returncode == 0:
        config.available_features.add("opencl")
    else:
        lit_config.note("no OpenCL platform: the opencl tests are skipped (%s)" % devices.stderr.decode().strip())
except (OSError, subprocess.TimeoutExpired) as e:
    lit_config.note("no OpenCL platform: the opencl tests are skipped (%s)" % e)
import shutil
if shutil.which("clang-15") and shutil.which("llvm-spirv-15"):
    config.available_features.add("spirv")
else:
    lit_config.note("clang-15 or llvm-spirv-15 missing: the SPIR-V test is skipped")
