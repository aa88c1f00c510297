// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// A static matmul with >= 16 rows gets the packed-B kernel (register tile
// 6 x 16 with AVX2, 8 x 32 with AVX-512).  17 x 300 @ 300 x 65: k blocks of
// 256 rows (a last one of 44), one block of 5 panels (65 columns, the last
// panel 1 wide), 2 full row strips and a tail strip.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: %[[A:[^:]*]]: memref<17x300xf32>, %[[B:[^:]*]]: memref<300x65xf32>, %[[C:[^:]*]]: memref<17x65xf32>, %[[MLO:[^:]*]]: index, %[[MHI:[^:]*]]: index, %[[NLO:[^:]*]]: index, %[[NHI:[^:]*]]: index)
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
// CHECK: vector.store %[[ACC]]#0, %[[C]][%[[M0]],
// CHECK: vector.maskedstore %[[C]][%[[M0]], %{{.*}}], %{{.*}}, %[[ACC]]#0
// The last 17 mod 6 (or 8) rows: a kernel of that many rows.
// CHECK: scf.if
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<[[L]]xf32>{{.*}})
// CHECK: vector.fma
// CHECK-NOT: linalg.matmul
// CHECK: return
// On one thread the driver runs the kernel over all of C.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver(
// CHECK-NOT: scf.parallel
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %{{.*}}, %{{.*}}, %c0, %c17, %c0, %c65)
// CHECK-LABEL: func.func @mm$packed
// CHECK: call @tsm_matmul_packed_0_driver(
// CHECK-NOT: linalg.matmul
func.func @mm$packed(%a: tensor<17x300xf32>, %b: tensor<300x65xf32>) -> tensor<17x65xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<17x300xf32>, tensor<300x65xf32>) -> tensor<17x65xf32>
  return %0 : tensor<17x65xf32>
}

// Same types (a network's repeated layers): one kernel, one driver.
// CHECK-LABEL: func.func private @tsm_matmul_packed_1(
// CHECK-NOT: func.func private @tsm_matmul_packed_2
// CHECK-LABEL: func.func @mm$shared
// CHECK: call @tsm_matmul_packed_1_driver(
// CHECK: call @tsm_matmul_packed_1_driver(
func.func @mm$shared(%a: tensor<20x30xf32>, %b: tensor<30x30xf32>) -> tensor<20x30xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<20x30xf32>, tensor<30x30xf32>) -> tensor<20x30xf32>
  %1 = "tsm.matmul"(%0, %b) : (tensor<20x30xf32>, tensor<30x30xf32>) -> tensor<20x30xf32>
  return %1 : tensor<20x30xf32>
}
