/* Where the time of a multithreaded AOT model goes, parallel loop by loop.

   In: a shared library from `tsmlir-compile --shared` (or bench/aot_bench.py
   build) whose entry `<name>_forward` takes one f32 tensor and returns one.
   Out (stdout): per call, the time inside OpenMP parallel loops, the busiest
   thread's time in them, the serial time between them (what Amdahl's law
   charges), and per loop (by call site in the library): wall time, each
   thread's time in its share of the iterations (wall and thread CPU time),
   how late the second thread starts, and the serial gap before it.  Wall
   minus the busiest thread is the fork/join cost; the busiest minus the
   other thread is load imbalance.  An OMPT tool (the OpenMP runtime's
   tracing interface, in libiomp5) gives the loop events; calls slower than
   1.1x the median (the machine's other work) are left out.

   Build and run (libiomp5.so beside the library, or on LD_LIBRARY_PATH):
     cc -O2 -rdynamic -I .venv/opt/compiler/include -o omp_regions bench/omp_regions.c -ldl
     LD_LIBRARY_PATH=out ./omp_regions out/r.so r 1x3x64x64 2
   (library, name prefix, input shape, seconds).  On a shared machine,
   `chrt -f 10` in front keeps other processes off the cores (not off the
   memory bus).  Call sites are offsets into the library: `nm -n` names the
   function (the drivers are usually inlined into `forward`). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "omp-tools.h"

#define MAX_RANK 8
#define MAX_REGIONS 4000000
#define MAX_CALLS 100000
#define MAX_SITES 1024

typedef struct {
  float *allocated, *aligned;
  int64_t offset, dims[2 * MAX_RANK]; /* sizes then strides, `rank` of each */
} memref;

typedef struct {
  const void *site;
  double begin, end, gap;      /* wall; gap: serial time before it */
  double wb[2], we[2], cb[2], ce[2]; /* threads 0 and 1: loop wall / CPU */
} region;

static region *regions;
static int nregions, recording;
static double last_end;

static double wall(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static double cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void on_parallel_begin(ompt_data_t *task, const ompt_frame_t *frame, ompt_data_t *parallel,
                              unsigned requested, int flags, const void *site) {
  if (!recording || nregions >= MAX_REGIONS) {
    parallel->ptr = NULL;
    return;
  }
  region *r = &regions[nregions++];
  memset(r, 0, sizeof *r);
  r->site = site;
  r->begin = wall();
  r->gap = last_end > 0 ? r->begin - last_end : 0;
  parallel->ptr = r;
}

static void on_parallel_end(ompt_data_t *parallel, ompt_data_t *task, int flags, const void *site) {
  region *r = parallel->ptr;
  if (r) last_end = r->end = wall();
}

static void on_implicit_task(ompt_scope_endpoint_t endpoint, ompt_data_t *parallel,
                             ompt_data_t *task, unsigned count, unsigned index, int flags) {
  if (endpoint == ompt_scope_begin) task->value = index;
}

static void on_work(ompt_work_t kind, ompt_scope_endpoint_t endpoint, ompt_data_t *parallel,
                    ompt_data_t *task, uint64_t count, const void *site) {
  region *r = parallel ? parallel->ptr : NULL;
  int t = (int)task->value;
  if (!r || t > 1) return;
  if (endpoint == ompt_scope_begin) {
    r->wb[t] = wall();
    r->cb[t] = cpu();
  } else {
    r->we[t] = wall();
    r->ce[t] = cpu();
  }
}

static int tool_init(ompt_function_lookup_t lookup, int device, ompt_data_t *data) {
  ompt_set_callback_t set = (ompt_set_callback_t)lookup("ompt_set_callback");
  set(ompt_callback_parallel_begin, (ompt_callback_t)on_parallel_begin);
  set(ompt_callback_parallel_end, (ompt_callback_t)on_parallel_end);
  set(ompt_callback_implicit_task, (ompt_callback_t)on_implicit_task);
  set(ompt_callback_work, (ompt_callback_t)on_work);
  return 1;
}

static void tool_fini(ompt_data_t *data) {}

/* The OpenMP runtime looks this up in the executable (hence -rdynamic). */
ompt_start_tool_result_t *ompt_start_tool(unsigned version, const char *runtime) {
  static ompt_start_tool_result_t result = {tool_init, tool_fini, {0}};
  return &result;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct {
  const void *site;
  int n;
  double wall, busiest, other, cpu_busiest, late, gap, t0, t1;
} site_sum;

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s LIB NAME SHAPE(1x3x64x64) SECONDS\n", argv[0]);
    return 2;
  }
  mallopt(M_MMAP_THRESHOLD, 32 << 20); /* the JIT's allocator policy (native_libs) */
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  void *lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  char symbol[256];
  snprintf(symbol, sizeof symbol, "%s_forward", argv[2]);
  int (*forward)(memref *, memref *) = (int (*)(memref *, memref *))dlsym(lib, symbol);
  snprintf(symbol, sizeof symbol, "%s_free", argv[2]);
  void (*release)(void *) = (void (*)(void *))dlsym(lib, symbol);
  if (!forward || !release) {
    fprintf(stderr, "no %s_forward / %s_free in %s\n", argv[2], argv[2], argv[1]);
    return 1;
  }
  memref in = {0};
  int rank = 0;
  int64_t sizes[MAX_RANK], count = 1;
  for (char *p = argv[3]; *p && rank < MAX_RANK; rank++) {
    sizes[rank] = strtoll(p, &p, 10);
    count *= sizes[rank];
    if (*p == 'x') p++;
  }
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; i--) {
    in.dims[i] = sizes[i];
    in.dims[rank + i] = stride;
    stride *= sizes[i];
  }
  float *x = aligned_alloc(64, ((count * 4 + 63) / 64) * 64);
  for (int64_t i = 0; i < count; i++) x[i] = (float)((i * 7919) % 1000) / 1000.f - 0.5f;
  in.allocated = in.aligned = x;
  regions = calloc(MAX_REGIONS, sizeof(region));
  static int first[MAX_CALLS + 1];
  static double call_wall[MAX_CALLS], call_begin[MAX_CALLS], call_end[MAX_CALLS];
  for (int i = 0; i < 3; i++) { /* warm-up: first-call packing, page faults */
    memref out;
    forward(&in, &out);
    release(out.allocated);
  }
  int calls = 0;
  double seconds = atof(argv[4]), start = wall();
  recording = 1;
  while (wall() - start < seconds && calls < MAX_CALLS) {
    memref out;
    first[calls] = nregions;
    last_end = 0;
    call_begin[calls] = wall();
    if (forward(&in, &out)) return 3;
    call_end[calls] = wall();
    release(out.allocated);
    call_wall[calls] = call_end[calls] - call_begin[calls];
    calls++;
  }
  recording = 0;
  first[calls] = nregions;

  double *sorted = malloc(calls * sizeof(double));
  memcpy(sorted, call_wall, calls * sizeof(double));
  qsort(sorted, calls, sizeof(double), by_value);
  double median = sorted[calls / 2], limit = 1.1 * median;
  static site_sum sites[MAX_SITES];
  int nsites = 0, kept = 0;
  double in_loops = 0, busiest = 0, gaps = 0, head = 0, tail = 0;
  for (int c = 0; c < calls; c++) {
    if (call_wall[c] > limit || first[c + 1] == first[c]) continue;
    kept++;
    head += regions[first[c]].begin - call_begin[c];
    tail += call_end[c] - regions[first[c + 1] - 1].end;
    for (int i = first[c]; i < first[c + 1]; i++) {
      region *r = &regions[i];
      int s = 0;
      while (s < nsites && sites[s].site != r->site) s++;
      if (s == nsites) {
        if (nsites == MAX_SITES) continue;
        memset(&sites[nsites++], 0, sizeof(site_sum));
        sites[s].site = r->site;
      }
      double w0 = r->we[0] - r->wb[0], w1 = r->we[1] - r->wb[1];
      double c0 = r->ce[0] - r->cb[0], c1 = r->ce[1] - r->cb[1];
      site_sum *t = &sites[s];
      t->n++;
      t->wall += r->end - r->begin;
      t->busiest += w0 > w1 ? w0 : w1;
      t->other += w0 > w1 ? w1 : w0;
      t->cpu_busiest += c0 > c1 ? c0 : c1;
      t->late += r->wb[1] > 0 ? r->wb[1] - r->begin : 0;
      t->gap += r->gap;
      t->t0 += w0;
      t->t1 += w1;
      in_loops += r->end - r->begin;
      busiest += w0 > w1 ? w0 : w1;
      gaps += r->gap;
    }
  }
  if (!kept) {
    printf("%d calls, none with a parallel loop\n", calls);
    return 0;
  }
  printf("%d calls, median %.3f ms; over the %d within 1.1x of it, per call (ms):\n"
         "  in parallel loops %.3f (busiest thread %.3f), serial: before the first %.3f, "
         "between %.3f, after the last %.3f; %.1f loops\n",
         calls, median * 1e3, kept, in_loops / kept * 1e3, busiest / kept * 1e3,
         head / kept * 1e3, gaps / kept * 1e3, tail / kept * 1e3,
         (double)(first[calls] - first[0]) / calls);
  printf("%-10s %6s %9s %9s %9s %9s %9s %9s %9s %9s\n", "site", "/call", "wall_us",
         "busiest", "other", "cpu_busy", "late_us", "gap_us", "thread0", "thread1");
  for (int s = 0; s < nsites; s++) {
    Dl_info info;
    dladdr(sites[s].site, &info);
    double n = sites[s].n;
    printf("0x%-8lx %6.1f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n",
           (unsigned long)((const char *)sites[s].site - (const char *)info.dli_fbase), n / kept,
           sites[s].wall / n * 1e6, sites[s].busiest / n * 1e6, sites[s].other / n * 1e6,
           sites[s].cpu_busiest / n * 1e6, sites[s].late / n * 1e6, sites[s].gap / n * 1e6,
           sites[s].t0 / n * 1e6, sites[s].t1 / n * 1e6);
  }
  return 0;
}
