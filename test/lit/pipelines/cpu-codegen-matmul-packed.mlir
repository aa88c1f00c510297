// RUN: tsmlir-opt %s --target-cpu x86-64-v3 --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s
// RUN: tsmlir-opt %s --target-cpu x86-64-v4 --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s --check-prefix=V4

// A static matmul with >= 32 rows gets the packed-B kernel (register tile
// 6 x 16 with AVX2, 8 x 32 with AVX-512).  35 x 300 @ 300 x 65: k blocks of
// 256 rows (a last one of 44), one block of 5 panels (65 columns, the last
// panel 1 wide), 5 (or 4) full row strips and a tail strip.
// With AVX-512 (x86-64-v4): 32-wide panels, 8 x 32 register tiles.
// V4-LABEL: func.func private @tsm_matmul_packed_0(
// V4: memref.alloca() {alignment = 64 : i64} : memref<{{[0-9]+}}x256x32xf32>
// V4: scf.for %{{.*}} step %c8
// V4: %{{.*}}:8 = scf.for
// V4: vector.fma %{{.*}} : vector<32xf32>
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: %[[A:[^:]*]]: memref<35x300xf32>, %[[B:[^:]*]]: memref<300x65xf32>, %[[C:[^:]*]]: memref<35x65xf32>, %{{[^:]*}}: memref<?xf32>, %{{[^:]*}}: index, %{{[^:]*}}: i1, %{{[^:]*}}: i1, %[[MLO:[^:]*]]: index, %[[MHI:[^:]*]]: index, %[[NLO:[^:]*]]: index, %[[NHI:[^:]*]]: index)
// CHECK-SAME: passthrough = ["noinline"]
// The packed block: [panels][k1][lanes], on the stack.
// CHECK: %[[BP:.*]] = memref.alloca() {alignment = 64 : i64} : memref<{{[0-9]+}}x256x[[L:16|32]]xf32>
// CHECK: scf.for %[[N0:.*]] = %[[NLO]] to %[[NHI]] step
// CHECK: scf.for %[[K0:.*]] = %c0 to %c300 step %c256
// CHECK: %[[KB:.*]] = arith.minsi
// Pack: full panels copy plainly, the last one with masked loads (zeros
// past the edge), each k row of a panel one vector.
// CHECK: scf.for %[[P:.*]] = %c0 to %[[NP:.*]] step %c1
// CHECK: %[[PMASK:.*]] = vector.create_mask %{{.*}} : vector<[[L]]xi1>
// CHECK: scf.if
// CHECK: scf.for %[[PK:.*]] = %c0 to %[[KB]]
// CHECK: %[[V:.*]] = vector.load %[[B]][%{{.*}}, %{{.*}}] : memref<300x65xf32>, vector<[[L]]xf32>
// CHECK: vector.store %[[V]], %[[BP]][%[[P]], %[[PK]], %c0]
// CHECK: } else {
// CHECK: vector.maskedload %[[B]][%{{.*}}], %[[PMASK]], %cst
// CHECK: vector.store
// Full row strips x panels: C tile loaded, carried in registers across
// the k block, updated by broadcast + FMA from the packed panel, stored.
// CHECK: scf.for %[[M0:.*]] = %[[MLO]] to %{{.*}} step %c{{6|8}}
// CHECK: scf.for %[[Q:.*]] = %c0 to %[[NP]] step %c1
// CHECK: %[[CIN:.*]]:{{6|8}} = scf.if
// CHECK: vector.load %[[C]]
// CHECK: vector.maskedload %[[C]]
// CHECK: %[[ACC:.*]]:{{6|8}} = scf.for %[[K:.*]] = %c0 to %[[KB]] step %c1 iter_args(%{{.*}} = %[[CIN]]#0,
// CHECK: %[[BV:.*]] = vector.load %[[BP]][%[[Q]], %[[K]], %c0]
// CHECK: %[[X:.*]] = memref.load %[[A]][%[[M0]], %{{.*}}]
// CHECK: %[[XB:.*]] = vector.broadcast %[[X]] : f32 to vector<[[L]]xf32>
// CHECK: vector.fma %[[XB]], %[[BV]], %{{.*}} : vector<[[L]]xf32>
// CHECK: scf.yield
// The stored tile is clamped at %floor: -inf (no change) unless the
// driver asks for a ReLU (see cpu-codegen-matmul-epilogue.mlir).
// CHECK: %[[E:.*]] = arith.maximumf %[[ACC]]#0, %{{.*}} : vector<[[L]]xf32>
// CHECK: vector.store %[[E]], %[[C]][%[[M0]],
// CHECK: vector.maskedstore %[[C]][%[[M0]], %{{.*}}], %{{.*}}, %[[E]]
// The last 35 mod 6 (or 8) rows: a kernel of that many rows.
// CHECK: scf.if
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<[[L]]xf32>{{.*}})
// CHECK: vector.fma
// CHECK-NOT: linalg.matmul
// CHECK: return
// On one thread the driver runs the kernel over all of C.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver(
// CHECK-NOT: scf.parallel
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %c0, %c35, %c0, %c65)
// CHECK-LABEL: func.func @mm$packed
// CHECK: call @tsm_matmul_packed_0_driver(
// CHECK-NOT: linalg.matmul
func.func @mm$packed(%a: tensor<35x300xf32>, %b: tensor<300x65xf32>) -> tensor<35x65xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<35x300xf32>, tensor<300x65xf32>) -> tensor<35x65xf32>
  return %0 : tensor<35x65xf32>
}

// Same types (a network's repeated layers): one kernel, one driver.
// CHECK-LABEL: func.func private @tsm_matmul_packed_1(
// CHECK-NOT: func.func private @tsm_matmul_packed_2
// CHECK-LABEL: func.func @mm$shared
// CHECK: call @tsm_matmul_packed_1_driver(
// CHECK: call @tsm_matmul_packed_1_driver(
func.func @mm$shared(%a: tensor<40x30xf32>, %b: tensor<30x30xf32>) -> tensor<40x30xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<40x30xf32>, tensor<30x30xf32>) -> tensor<40x30xf32>
  %1 = "tsm.matmul"(%0, %b) : (tensor<40x30xf32>, tensor<30x30xf32>) -> tensor<40x30xf32>
  return %1 : tensor<40x30xf32>
}

// A constant B (a weight; from 1 row, here 17): packed once, by the first call, into a global of
// its own in the layout [n/lanes][k][lanes]; the kernel reads that global
// (no packing on the stack) at panel n0/lanes + p, row k0 + k (k0 = 0 here).
// CHECK-LABEL: func.func private @tsm_matmul_packed_2(
// CHECK-SAME: %[[A:[^:]*]]: memref<17x30xf32>, %[[BP:[^:]*]]: memref<[[P:[0-9]+x30x[0-9]+xf32]]>
// CHECK-NOT: memref.alloca
// CHECK: scf.for %[[N0:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[PBASE:.*]] = arith.divui %[[N0]], %c{{16|32}}
// CHECK: %[[PANEL:.*]] = arith.addi %[[PBASE]], %{{.*}}
// CHECK: scf.for %[[K:.*]] = %c0 to
// CHECK: vector.load %[[BP]][%[[PANEL]], %[[K]], %c0] : memref<[[P]]>
// CHECK: vector.fma
// The packing function: every panel of B, the last one masked.
// CHECK-LABEL: func.func private @tsm_matmul_packed_prepack_0(
// CHECK-SAME: %[[W:[^:]*]]: memref<30x20xf32>, %[[OUT:[^:]*]]: memref<[[P]]>
// CHECK: vector.load %[[W]]
// CHECK: vector.store %{{.*}}, %[[OUT]]
// CHECK: vector.maskedload %[[W]]
// CHECK: vector.store %{{.*}}, %[[OUT]]
// CHECK: memref.global "private" @[[G:tsm_matmul_packed_2_w0_b]] : memref<[[P]]> = uninitialized
// CHECK: memref.global "private" @[[G]]_ready : memref<i8> = dense<0>
// CHECK-LABEL: func.func private @tsm_matmul_packed_2_w0(
// CHECK-SAME: %[[DA:[^:]*]]: memref<17x30xf32>, %[[DB:[^:]*]]: memref<30x20xf32>, %[[DC:[^:]*]]: memref<17x20xf32>)
// CHECK: %[[PACKED:.*]] = memref.get_global @[[G]] :
// CHECK: %[[READY:.*]] = memref.get_global @[[G]]_ready
// CHECK: %[[FLAG:.*]] = memref.load %[[READY]][]
// CHECK: %[[TODO:.*]] = arith.cmpi eq, %[[FLAG]], %c0_i8
// CHECK: scf.if %[[TODO]] {
// CHECK: call @tsm_matmul_packed_prepack_0(%[[DB]], %[[PACKED]])
// CHECK: memref.store %c1_i8, %[[READY]][]
// CHECK: }
// CHECK: call @tsm_matmul_packed_2(%[[DA]], %[[PACKED]], %[[DC]], %{{.*}}, %c0, %c17, %c0, %c20)
// CHECK-LABEL: func.func @mm$weight
// CHECK: %[[CW:.*]] = memref.get_global @__constant_30x20xf32
// CHECK: call @tsm_matmul_packed_2_w0(%{{.*}}, %[[CW]], %{{.*}})
func.func @mm$weight(%a: tensor<17x30xf32>) -> tensor<17x20xf32> {
  %w = arith.constant dense_resource<w> : tensor<30x20xf32>
  %0 = "tsm.matmul"(%a, %w) : (tensor<17x30xf32>, tensor<30x20xf32>) -> tensor<17x20xf32>
  return %0 : tensor<17x20xf32>
}

// 49 rows (49 mod 6 = 1): no strip of 1 row at a fraction of the FMA rate;
// the rows after the full strips of 6 (8) go in strips of 5 (7): 4 x 6 + 5
// x 5 (7 x 7), and no tail kernel follows.
// CHECK-LABEL: func.func private @tsm_matmul_packed_3(
// CHECK-SAME: %{{[^:]*}}: memref<49x40xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c{{6|8}}
// CHECK: vector.fma
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c{{5|7}}
// CHECK: %{{.*}}:{{5|7}} = scf.for
// CHECK: vector.fma
// CHECK-NOT: iter_args
// CHECK: return
// CHECK-LABEL: func.func @mm$short_strips
func.func @mm$short_strips(%a: tensor<49x40xf32>, %b: tensor<40x20xf32>) -> tensor<49x20xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<49x40xf32>, tensor<40x20xf32>) -> tensor<49x20xf32>
  return %0 : tensor<49x20xf32>
}

// One row by a constant B (batch-1 inference): the packed kernel too; its
// one-row tile sums 4 k's at a time (4 sums: the FMA's latency hidden),
// then the k's left.
// CHECK-LABEL: func.func private @tsm_matmul_packed_4(
// CHECK-SAME: %{{[^:]*}}: memref<1x30xf32>
// CHECK: %{{.*}}:4 = scf.for %{{.*}} step %{{.*}} iter_args
// CHECK-COUNT-4: vector.fma
// CHECK: scf.for
// CHECK: vector.fma
// CHECK-LABEL: func.func @mm$weight_row
// CHECK: call @tsm_matmul_packed_4_w0(
func.func @mm$weight_row(%a: tensor<1x30xf32>) -> tensor<1x40xf32> {
  %w = arith.constant dense_resource<w> : tensor<30x40xf32>
  %0 = "tsm.matmul"(%a, %w) : (tensor<1x30xf32>, tensor<30x40xf32>) -> tensor<1x40xf32>
  return %0 : tensor<1x40xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x04000000000000000000000000000000"
    }
  }
#-}
