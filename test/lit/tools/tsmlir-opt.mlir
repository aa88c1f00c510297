// The pass driver: listing, flags, pipelines, output file, failures.
// RUN: tsmlir-opt --list-passes | filecheck %s --check-prefix=LIST
// LIST: tsmlir passes:
// LIST-DAG: --tsm-lower-elementwise
// LIST-DAG: --tsm-verify
// LIST: tsmlir stages and pipelines:
// LIST-DAG: --tsm-to-linalg
// LIST-DAG: --tsm-cpu-pipeline
// LIST: upstream MLIR passes
// LIST: --canonicalize

// A tsm pass and an upstream pass, by flag and by pipeline text, give the same IR.
// RUN: tsmlir-opt %s --tsm-lower-elementwise --canonicalize -o %t.flags.mlir
// RUN: tsmlir-opt %s --pass-pipeline='builtin.module(tsm-lower-elementwise,canonicalize)' -o %t.text.mlir
// RUN: diff %t.flags.mlir %t.text.mlir
// RUN: filecheck %s --input-file=%t.flags.mlir --check-prefix=LOWERED
// LOWERED: linalg.generic
// LOWERED-NOT: tsm.add

// Reading from stdin.
// RUN: cat %s | tsmlir-opt - | filecheck %s --check-prefix=STDIN
// STDIN: "tsm.add"

// Print after all.
// RUN: tsmlir-opt %s --tsm-lower-elementwise --mlir-print-ir-after-all 2>&1 | filecheck %s --check-prefix=AFTER
// AFTER: IR Dump After tsm-lower-elementwise

// Failures: an unknown pass or a bad file exits non-zero with a message, no traceback.
// RUN: not tsmlir-opt %s --no-such-pass 2>&1 | filecheck %s --check-prefix=UNKNOWN
// UNKNOWN: 'no-such-pass' does not refer to a registered pass
// UNKNOWN-NOT: Traceback
// RUN: not tsmlir-opt %t.missing.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// MISSING: tsmlir-opt: error: cannot read
// MISSING-NOT: Traceback

// --target-cpu names the CPU that CPU-specific passes generate code for (in
// the module attributes tsm.target_avx512 and tsm.target_amx_bf16); an
// unknown name is an error.
// RUN: tsmlir-opt %s --target-cpu x86-64-v4 | filecheck %s --check-prefix=V4
// V4: module attributes {tsm.target_amx_bf16 = false, tsm.target_avx512 = true}
// RUN: tsmlir-opt %s --target-cpu x86-64-v3 | filecheck %s --check-prefix=V3
// V3: module attributes {tsm.target_amx_bf16 = false, tsm.target_avx512 = false}
// RUN: tsmlir-opt %s --target-cpu sapphirerapids | filecheck %s --check-prefix=SPR
// SPR: module attributes {tsm.target_amx_bf16 = true, tsm.target_avx512 = true}
// RUN: not tsmlir-opt %s --target-cpu no-such-cpu 2>&1 | filecheck %s --check-prefix=BADCPU
// BADCPU: tsmlir-opt: error: 'no-such-cpu' is not a CPU LLVM knows
// BADCPU-NOT: Traceback

func.func @forward(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tsm.add"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
