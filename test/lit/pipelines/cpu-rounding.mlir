// RUN: tsmlir-opt %s --tsm-loops-to-llvm | filecheck %s

// Rounding ops stay LLVM intrinsics (one vroundps / roundsd each on x86 from
// SSE4.1 on, which the portable AOT target x86-64-v2 has): math-expand-ops
// would turn them into a dozen bit-manipulating ops per element (torch.round
// 5x slower than eager before), and nothing may become a libm call.
// CHECK-LABEL: llvm.func @rounding
// CHECK-NOT: llvm.call
// CHECK: llvm.intr.roundeven(%{{.*}}) : (vector<8xf32>) -> vector<8xf32>
// CHECK: llvm.intr.round(%{{.*}}) : (vector<8xf32>) -> vector<8xf32>
// CHECK: llvm.intr.ceil(%{{.*}}) : (vector<8xf32>) -> vector<8xf32>
// CHECK: llvm.intr.floor(%{{.*}}) : (vector<8xf32>) -> vector<8xf32>
// CHECK: llvm.intr.trunc(%{{.*}}) : (vector<8xf32>) -> vector<8xf32>
// CHECK: llvm.intr.roundeven(%{{.*}}) : (f64) -> f64
// CHECK-NOT: llvm.call
// CHECK: llvm.return
func.func @rounding(%x: vector<8xf32>, %y: f64)
    -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, f64) {
  %0 = math.roundeven %x : vector<8xf32>
  %1 = math.round %x : vector<8xf32>
  %2 = math.ceil %x : vector<8xf32>
  %3 = math.floor %x : vector<8xf32>
  %4 = math.trunc %x : vector<8xf32>
  %5 = math.roundeven %y : f64
  return %0, %1, %2, %3, %4, %5
      : vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, f64
}
