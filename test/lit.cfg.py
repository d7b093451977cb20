# lit configuration of plstm's FileCheck tests.
import os
import lit.formats

config.name = "plstm"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "unit-jit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.plstm_obj_root, "test")

# Tools: ours first, then LLVM's FileCheck/not/count.
path = os.pathsep.join([config.plstm_tools_dir, config.llvm_tools_dir,
                        config.environment.get("PATH", os.environ.get("PATH", ""))])
config.environment["PATH"] = path
# Unused prefixes and leaked variables are errors (STYLE.md).
config.environment["FILECHECK_OPTS"] = "--enable-var-scope --allow-unused-prefixes=false"

config.substitutions.append(("%examples", os.path.join(config.plstm_src_root, "examples")))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%npytool", config.python_executable + " " + os.path.join(config.test_source_root, "Tools", "Inputs", "npytool.py")))
config.substitutions.append(("%toolinputs", os.path.join(config.test_source_root, "Tools", "Inputs")))
# A stand-in libcuda.so.1 (test/unit/fake-cuda) for the CUDA backend's errors.
config.substitutions.append(("%fakecuda", os.path.join(config.plstm_obj_root, "lib", "libplstm-fake-cuda.so")))
# The CUDA toolkit's ptxas assembles the generated PTX (tests that need it
# say `REQUIRES: ptxas`; the path can be overridden with PLSTM_PTXAS).
ptxas = os.environ.get("PLSTM_PTXAS", "/usr/local/cuda/bin/ptxas")
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
# A real CUDA driver (libcuda.so.1 loadable): the GPU execution tests run;
# without one they are reported UNSUPPORTED, never failed.
try:
    import ctypes
    ctypes.CDLL(os.environ.get("PLSTM_CUDA_DRIVER", "libcuda.so.1"))
    config.available_features.add("cuda-driver")
except OSError:
    pass
