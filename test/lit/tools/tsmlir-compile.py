# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t/model.pt
# RUN: tsmlir-compile %t/model.pt --input '?x4xf32' --input 4xf32 --name tiny -o %t/out | filecheck %s --check-prefix=FILES
# RUN: filecheck %s --input-file %t/out/tiny.h
# RUN: filecheck %s --input-file %t/out/tiny_runtime.c --check-prefix=RUNTIME
# RUN: not tsmlir-compile %t/model.pt --input 4xq32 -o %t/bad 2>&1 | filecheck %s --check-prefix=BADSPEC
# RUN: not tsmlir-compile %t/missing.pt --input 4xf32 -o %t/bad 2>&1 | filecheck %s --check-prefix=MISSING
# tsmlir-compile writes an object file, a C header and a C runtime; the header
# declares the memref descriptors and one C function per entry point.
import sys

import torch


class Tiny(torch.nn.Module):
    def forward(self, x, bias):
        return torch.relu(x + bias), x * 2.0


torch.jit.script(Tiny()).save(sys.argv[1])

# FILES: {{.*}}/out/tiny.o
# FILES-NEXT: {{.*}}/out/tiny.h
# FILES-NEXT: {{.*}}/out/tiny_runtime.c
# FILES-NOT: tiny.so

# CHECK: #ifndef TINY_H_
# CHECK: #include <stdint.h>
# CHECK-LABEL: #ifndef TSMLIR_MEMREF_F32_2D_DEFINED
# CHECK: typedef struct {
# CHECK-NEXT: float *allocated;
# CHECK-NEXT: float *aligned;
# CHECK-NEXT: int64_t offset;
# CHECK-NEXT: int64_t sizes[2];
# CHECK-NEXT: int64_t strides[2];
# CHECK-NEXT: } tsmlir_memref_f32_2d;
# CHECK-LABEL: #ifndef TSMLIR_MEMREF_F32_1D_DEFINED
# CHECK: } tsmlir_memref_f32_1d;
# CHECK: /* forward(x: ?x4xf32, bias: 4xf32) -> (out0: ?x4xf32, out1: ?x4xf32)
# CHECK-NEXT: TorchScript returns (out0, out1). */
# CHECK-NEXT: int tiny_forward(const tsmlir_memref_f32_2d *x,
# CHECK-NEXT: const tsmlir_memref_f32_1d *bias,
# CHECK-NEXT: tsmlir_memref_f32_2d *out0,
# CHECK-NEXT: tsmlir_memref_f32_2d *out1);
# CHECK: const char *tiny_error_message(int64_t status);
# CHECK: void tiny_free(void *allocated);
# CHECK: #endif /* TINY_H_ */

# RUNTIME: static const char *const tiny_messages_[] = {
# RUNTIME: "tiny_forward: argument 'bias' (input 1, compiled for 4xf32) must have size 4 in dim 0",
# RUNTIME: void _tsmlir_tiny_forward(tiny_forward_results_ *, tsmlir_memref_f32_2d *, tsmlir_memref_f32_1d *);
# RUNTIME: int tiny_forward(
# RUNTIME: _tsmlir_tiny_forward(&res, &in0, &in1);

# BADSPEC: tsmlir-compile: error: bad input spec '4xq32': unknown element type 'q32'
# BADSPEC-NOT: Traceback

# MISSING: tsmlir-compile: error: no such file: '{{.*}}missing.pt'
