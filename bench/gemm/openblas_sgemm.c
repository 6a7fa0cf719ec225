/*
 * openblas_sgemm: the raw OpenBLAS anchor of `bench/pwmk-bench gemm` (no interpreter between the clock and sgemm).
 *
 * Loads libopenblas.so.0 at run time (Debian: libopenblas0-pthread), sets its thread count to argv[1], prints one
 * JSON line with its configuration, then answers each line of stdin "OP M K N SECONDS" (OP: NN, NT or TN, row-major
 * C[M,N] = op(A) op(B) as PWMK's Gemm names them) with one JSON line holding the median GFLOP/s over 5 batches,
 * after a warm-up of SECONDS / 2. The same rule times PWMK's side (bench/Pwmk.Bench/Gemm/GemmTiming.cs).
 * Build: cc -O2 -o openblas_sgemm openblas_sgemm.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    void *lib = dlopen("libopenblas.so.0", RTLD_NOW);
    if (!lib) {
        fprintf(stderr, "openblas_sgemm: cannot load libopenblas.so.0: %s\n", dlerror());
        return 2;
    }
    sgemm_fn sgemm = (sgemm_fn)dlsym(lib, "cblas_sgemm");
    void (*set_threads)(int) = (void (*)(int))dlsym(lib, "openblas_set_num_threads");
    int (*get_threads)(void) = (int (*)(void))dlsym(lib, "openblas_get_num_threads");
    char *(*get_config)(void) = (char *(*)(void))dlsym(lib, "openblas_get_config");
    Dl_info where;
    if (!sgemm || !set_threads || !get_threads || !get_config || !dladdr((void *)sgemm, &where)) {
        fprintf(stderr, "openblas_sgemm: libopenblas.so.0 lacks cblas_sgemm or the openblas_* calls\n");
        return 2;
    }
    set_threads(threads);
    char path[4096];
    const char *library = realpath(where.dli_fname, path) ? path : where.dli_fname;
    printf("{\"config\": \"%s\", \"threads\": %d, \"library\": \"%s\"}\n", get_config(), get_threads(), library);
    fflush(stdout);

    char op[8];
    int m, k, n;
    double seconds;
    while (scanf("%7s %d %d %d %lf", op, &m, &k, &n, &seconds) == 5) {
        int ta = strcmp(op, "TN") == 0, tb = strcmp(op, "NT") == 0;
        float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n);
        float *c = malloc(sizeof(float) * (size_t)m * n);
        srand(1);
        for (long i = 0; i < (long)m * k; i++) a[i] = 2.0f * rand() / RAND_MAX - 1.0f;
        for (long i = 0; i < (long)k * n; i++) b[i] = 2.0f * rand() / RAND_MAX - 1.0f;
        int lda = ta ? m : k, ldb = tb ? k : n;
#define CALL sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n)
        double flop = 2.0 * m * n * k, start = now();
        long calls = 0;
        while (now() - start < seconds / 2) { CALL; calls++; }
        double per = (now() - start) / calls;
        long reps = (long)(seconds / 2 / 5 / per);
        if (reps < 1) reps = 1;
        double batches[5];
        for (int r = 0; r < 5; r++) {
            double t0 = now();
            for (long i = 0; i < reps; i++) CALL;
            batches[r] = (now() - t0) / reps;
        }
        qsort(batches, 5, sizeof(double), cmp);
        printf("{\"gflops\": %.3f, \"reps\": %ld}\n", flop / batches[2] / 1e9, reps);
        fflush(stdout);
        free(a);
        free(b);
        free(c);
    }
    return 0;
}
