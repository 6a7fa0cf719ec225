using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pwmk.Tensors;

/// <summary>
/// Single-precision matrix multiply (row-major), C (+)= op(A) op(B) with op a transpose or not.
/// B is packed into panels a register tile wide (transposed B through 8x8 register transposes); a register-blocked
/// micro-kernel reads A where it lies and sweeps the panels: AVX-512 tiles of 8 rows (9 to 11 at the end of a block,
/// else 4, 2, 1 at an edge) by 32 or 16 columns, AVX2 tiles of 6 x 16, or a portable one. A result is computed
/// transposed (C^T = op(B)^T op(A)^T) when its tiles waste much less that way (a few columns, many rows); a result
/// at most 8 columns wide with A and B untransposed instead takes one 8-lane vector per row (Gemm.Narrow.cs).
/// Every element of C is the same sequence of fused multiply-adds over k, in blocks of <see cref="KBlock"/>, whatever
/// the kernel, the thread count or the timing: results are bit-for-bit reproducible across runs, threads and
/// instruction sets (threads own fixed rectangles of C; none splits k).
/// </summary>
public static unsafe partial class Gemm
{
    /// <summary>Depth of one pass over k (a B panel of KBlock x 32 floats stays in L1 while A streams).</summary>
    internal const int KBlock = 256;

    /// <summary>Columns of B packed at once (KBlock x NBlock floats fit L2).</summary>
    internal const int NBlock = 512;

    /// <summary>Floats of B (a k block by the block's columns) up to which full panels are read in place, not packed.</summary>
    internal const int DirectFloats = 4096;

    /// <summary>
    /// Row stride of B (floats) up to which full panels are read in place whatever their size: rows of a panel this
    /// close stream from L2 without the cache-set conflicts of power-of-two strides of 4 KiB and more, and packing
    /// them cost 5-15% on the world model's products (measured against packing at 64 to 1024).
    /// </summary>
    internal const int DirectStride = 256;

    /// <summary>Multiply-adds below which a product runs on one thread.</summary>
    internal const long ParallelWork = 1L << 20;

    /// <summary>Most threads one product may use (defaults to the processor count; benchmarks pin it).</summary>
    public static int MaxThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>The micro-kernel used on this machine.</summary>
    internal static GemmKernel BestKernel { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmKernel.Avx512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmKernel.Avx2
        : GemmKernel.Portable;

    /// <summary>C[m,n] (+)= A[m,k] * B[k,n].</summary>
    public static void NN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
        Multiply(a, false, b, false, c, m, k, n, accumulate, BestKernel, MaxThreads);

    /// <summary>C[m,n] (+)= A[m,k] * B[n,k]^T.</summary>
    public static void NT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
        Multiply(a, false, b, true, c, m, k, n, accumulate, BestKernel, MaxThreads);

    /// <summary>C[m,n] (+)= A[k,m]^T * B[k,n].</summary>
    public static void TN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
        Multiply(a, true, b, false, c, m, k, n, accumulate, BestKernel, MaxThreads);

    /// <summary>
    /// C[m,n] (+)= op(A) op(B): op(A) is A[m,k], or A[k,m]^T when <paramref name="transA"/>; op(B) is B[k,n], or
    /// B[n,k]^T when <paramref name="transB"/>. <paramref name="kernel"/> and <paramref name="threads"/> change the
    /// speed, never the result.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Multiply(ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int k, int n, bool accumulate, GemmKernel kernel, int threads)
    {
        if (m < 0 || k < 0 || n < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"matrix dimensions must not be negative, got {m} x {k} x {n}");
        }
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
        {
            throw new ArgumentException($"matrix buffers ({a.Length}, {b.Length}, {c.Length} values) are smaller than {m} x {k} x {n} needs");
        }
        if (m == 0 || n == 0)
        {
            return;
        }
        if (k == 0)
        {
            if (!accumulate)
            {
                c[..(m * n)].Clear();
            }
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            var shape = Shape.Of(kernel);
            var p = new Problem
            {
                A = (nint)pa,
                RowStrideA = transA ? 1 : k,
                DepthStrideA = transA ? m : 1,
                B = (nint)pb,
                DepthStrideB = transB ? 1 : n,
                ColStrideB = transB ? k : 1,
                C = (nint)pc,
                RowStrideC = n,
                ColStrideC = 1,
                K = k,
                Accumulate = accumulate,
                Kernel = kernel,
                Mr = shape.Mr,
                Nr = shape.Nr,
            };
            if (kernel == GemmKernel.Avx512 && n <= NarrowCols && !transA && !transB && Avx512F.VL.IsSupported)
            {
                // C a few columns wide with A's rows and B's rows contiguous: one 8-lane vector per row of C, nothing packed
                // (computed transposed, all of A would go through register transposes for a few columns of work)
                Split(in p, m, n, k, threads, NarrowRows, n, static (in Problem q, int r0, int r1, int c0, int c1) => Narrow(in q, r0, r1, c1));
                return;
            }
            if (shape.Cost(n, m) * TransposeMargin < shape.Cost(m, n))
            {
                // A narrow C (a few columns, many rows) wastes most of each register tile: compute C^T = op(B)^T op(A)^T
                // instead, written back transposed. Each element is still the same fused multiply-adds in the same order.
                p = p with
                {
                    A = p.B,
                    RowStrideA = p.ColStrideB,
                    DepthStrideA = p.DepthStrideB,
                    B = p.A,
                    DepthStrideB = p.DepthStrideA,
                    ColStrideB = p.RowStrideA,
                    RowStrideC = 1,
                    ColStrideC = n,
                };
                (m, n) = (n, m);
            }
            Split(in p, m, n, k, threads, p.Mr, p.Nr, static (in Problem q, int r0, int r1, int c0, int c1) => Block(in q, r0, r1, c0, c1));
        }
    }

    /// <summary>Computes C[r0..r1, c0..c1] of a product (on the calling thread).</summary>
    private delegate void Rectangle(in Problem p, int r0, int r1, int c0, int c1);

    /// <summary>
    /// Runs <paramref name="body"/> over the m x n result, on one thread for small products, else on up to
    /// <paramref name="threads"/> workers that each own a fixed rectangle of whole mr x nr tiles, so that who computes a
    /// tile never changes it.
    /// </summary>
    private static void Split(in Problem p, int m, int n, int k, int threads, int mr, int nr, Rectangle body)
    {
        int rowTiles = (m + mr - 1) / mr, colTiles = (n + nr - 1) / nr;
        int workers = (long)m * n * k < ParallelWork ? 1 : Math.Min(Math.Max(1, threads), Math.Max(rowTiles, colTiles));
        if (workers <= 1)
        {
            body(in p, 0, m, 0, n);
            return;
        }
        bool byRows = rowTiles >= colTiles;
        var q = p;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            if (byRows)
            {
                int r0 = (int)((long)rowTiles * w / workers) * mr, r1 = Math.Min(m, (int)((long)rowTiles * (w + 1) / workers) * mr);
                body(in q, r0, r1, 0, n);
            }
            else
            {
                int c0 = (int)((long)colTiles * w / workers) * nr, c1 = Math.Min(n, (int)((long)colTiles * (w + 1) / workers) * nr);
                body(in q, 0, m, c0, c1);
            }
        });
    }

    /// <summary>One product's operands: A(i,p) = A[i*RowStrideA + p*DepthStrideA], B(p,j) = B[p*DepthStrideB + j*ColStrideB].</summary>
    private record struct Problem
    {
        public nint A, B, C;
        public nint RowStrideA, DepthStrideA, DepthStrideB, ColStrideB, RowStrideC, ColStrideC;
        public int K, Mr, Nr;
        public bool Accumulate;
        public GemmKernel Kernel;
    }

    /// <summary>How much cheaper (by <see cref="Shape.Cost"/>) C^T must be for a product to be computed transposed.</summary>
    private const double TransposeMargin = 1.15;

    /// <summary>A kernel's register tile (<paramref name="Mr"/> x <paramref name="Nr"/>) and how it computes edges.</summary>
    private readonly record struct Shape(GemmKernel Kernel, int Mr, int Nr)
    {
        /// <summary>
        /// The time an m x n result takes per step of k, in units of one row of one full-width vector: padded rows and
        /// columns count, and so do the edge tiles' slower kinds (see <see cref="RowUnits"/> and <see cref="ColUnits"/>).
        /// </summary>
        public double Cost(int m, int n) => RowUnits(m) * ColUnits(n);

        private double RowUnits(int m) => Kernel switch
        {
            // groups of 8 (9 to 11 at the end), then 4, 2, 1; a lone row (2 accumulators) waits on the FMA latency half the time
            GemmKernel.Avx512 => m % 8 is >= 1 and <= 3 && m > 8 ? m : m / 8 * 8 + (m & 4) + (m & 2) + 2 * (m & 1),
            GemmKernel.Avx2 => (m + Mr - 1) / Mr * Mr,
            _ => m,
        };

        private double ColUnits(int n)
        {
            int full = n / Nr * Nr, rest = n - full;
            // AVX-512: a tail of 16 columns or fewer is one vector per row, at two thirds of the speed (one broadcast per multiply-add)
            return full + (rest == 0 ? 0 : Kernel == GemmKernel.Avx512 && rest <= 16 ? 24 : Nr);
        }

        public static Shape Of(GemmKernel kernel) => kernel switch
        {
            GemmKernel.Avx512 => new(kernel, 8, 32),
            GemmKernel.Avx2 => new(kernel, 6, 16),
            _ => new(kernel, 4, 8),
        };
    }

    /// <summary>C[r0..r1, c0..c1] of the product, on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block(in Problem p, int r0, int r1, int c0, int c1)
    {
        int mr = p.Mr, nr = p.Nr;
        int panelCols = Math.Min(NBlock, c1 - c0);
        // B read where it lies (rows of B contiguous, full panels only) when packing would cost more than it saves:
        // one or two row tiles use each panel, the whole block of B fits half of L1, or B's rows lie close (DirectStride).
        // Same multiply-adds, same order.
        bool direct = p.Kernel == GemmKernel.Avx512 && p.ColStrideB == 1
            && (r1 - r0 <= 2 * mr || (long)Math.Min(KBlock, p.K) * panelCols <= DirectFloats || p.DepthStrideB <= DirectStride);
        float* packed = PackBuffer(Math.Min(KBlock, p.K) * (direct ? nr : (panelCols + nr - 1) / nr * nr));
        float* a = (float*)p.A, b = (float*)p.B, c = (float*)p.C;
        for (int pc = 0; pc < p.K; pc += KBlock)
        {
            int kc = Math.Min(KBlock, p.K - pc);
            bool overwrite = !p.Accumulate && pc == 0;
            for (int jc = c0; jc < c1; jc += NBlock)
            {
                int nc = Math.Min(NBlock, c1 - jc);
                int full = nc / nr * nr;
                if (!direct)
                {
                    PackB(in p, pc, kc, jc, nc, packed);
                }
                else if (full < nc)
                {
                    PackB(in p, pc, kc, jc + full, nc - full, packed);
                }
                for (int ir = r0, rows; ir < r1; ir += rows)
                {
                    rows = Math.Min(mr, r1 - ir);
                    if (p.Kernel == GemmKernel.Avx512 && r1 - ir < mr + 4)
                    {
                        rows = r1 - ir; // 9 to 11 rows in one tile (Rows512)
                    }
                    float* ap = a + ir * p.RowStrideA + pc * p.DepthStrideA;
                    float* cp = c + ir * p.RowStrideC + jc * p.ColStrideC;
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bp = packed + (nint)jr * kc;
                        nint bs = nr;
                        if (direct && jr < full)
                        {
                            bp = b + pc * p.DepthStrideB + jc + jr;
                            bs = p.DepthStrideB;
                        }
                        else if (direct)
                        {
                            bp = packed;
                        }
                        switch (p.Kernel)
                        {
                            case GemmKernel.Avx512:
                                Rows512(ap, p.RowStrideA, p.DepthStrideA, bp, bs, kc, cp + jr * p.ColStrideC, p.RowStrideC, p.ColStrideC, rows, cols, overwrite);
                                break;
                            case GemmKernel.Avx2:
                                Tile6x16(ap, p.RowStrideA, p.DepthStrideA, bp, kc, cp + jr * p.ColStrideC, p.RowStrideC, p.ColStrideC, rows, cols, overwrite);
                                break;
                            default:
                                TilePortable(ap, p.RowStrideA, p.DepthStrideA, bp, kc, cp + jr * p.ColStrideC, p.RowStrideC, p.ColStrideC, rows, cols, overwrite);
                                break;
                        }
                    }
                }
            }
        }
    }

    [ThreadStatic] private static float[]? packArray;

    /// <summary>This thread's packing buffer of at least <paramref name="floats"/> values, 64-byte aligned (pinned, reused).</summary>
    private static float* PackBuffer(int floats)
    {
        if (packArray is null || packArray.Length < floats + 16)
        {
            packArray = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
        }
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(packArray));
        return (float*)((start + 63) & ~(nint)63);
    }

    /// <summary>
    /// B[pc..pc+kc, jc..jc+nc] into panels of Nr columns: panel q holds, for each p, its Nr values side by side
    /// (columns past the edge are zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(in Problem p, int pc, int kc, int jc, int nc, float* dst)
    {
        int nr = p.Nr;
        float* b = (float*)p.B;
        for (int j0 = 0; j0 < nc; j0 += nr, dst += (nint)kc * nr)
        {
            int w = Math.Min(nr, nc - j0);
            if (p.ColStrideB == 1)
            {
                float* src = b + pc * p.DepthStrideB + jc + j0;
                if (w == nr && Vector256.IsHardwareAccelerated)
                {
                    for (int q = 0; q < kc; q++, src += p.DepthStrideB)
                    {
                        for (int j = 0; j < nr; j += 8)
                        {
                            Vector256.Load(src + j).Store(dst + (nint)q * nr + j);
                        }
                    }
                }
                else
                {
                    for (int q = 0; q < kc; q++, src += p.DepthStrideB)
                    {
                        float* d = dst + (nint)q * nr;
                        for (int j = 0; j < w; j++)
                        {
                            d[j] = src[j];
                        }
                        for (int j = w; j < nr; j++)
                        {
                            d[j] = 0f;
                        }
                    }
                }
            }
            else if (w == nr && Avx.IsSupported)
            {
                // B stored transposed (column j of B is a contiguous run over p): 8 x 8 blocks transposed in registers.
                float* src = b + (jc + j0) * p.ColStrideB + pc;
                int q = 0;
                for (; q + 8 <= kc; q += 8)
                {
                    for (int j = 0; j < nr; j += 8)
                    {
                        Transpose8x8(src + j * p.ColStrideB + q, p.ColStrideB, dst + (nint)q * nr + j, nr);
                    }
                }
                for (; q < kc; q++)
                {
                    for (int j = 0; j < nr; j++)
                    {
                        dst[(nint)q * nr + j] = src[j * p.ColStrideB + q];
                    }
                }
            }
            else
            {
                for (int j = 0; j < w; j++)
                {
                    float* src = b + (jc + j0 + j) * p.ColStrideB + pc;
                    float* d = dst + j;
                    for (int q = 0; q < kc; q++)
                    {
                        d[(nint)q * nr] = src[q];
                    }
                }
                for (int j = w; j < nr; j++)
                {
                    for (int q = 0; q < kc; q++)
                    {
                        dst[(nint)q * nr + j] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>dst[c * dstStride + r] = src[r * srcStride + c] for an 8 x 8 block (AVX shuffles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2 * srcStride);
        var r3 = Avx.LoadVector256(src + 3 * srcStride);
        var r4 = Avx.LoadVector256(src + 4 * srcStride);
        var r5 = Avx.LoadVector256(src + 5 * srcStride);
        var r6 = Avx.LoadVector256(src + 6 * srcStride);
        var r7 = Avx.LoadVector256(src + 7 * srcStride);
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Avx.Store(dst, r0);
        Avx.Store(dst + dstStride, r1);
        Avx.Store(dst + 2 * dstStride, r2);
        Avx.Store(dst + 3 * dstStride, r3);
        Avx.Store(dst + 4 * dstStride, r4);
        Avx.Store(dst + 5 * dstStride, r5);
        Avx.Store(dst + 6 * dstStride, r6);
        Avx.Store(dst + 7 * dstStride, r7);
    }

    /// <summary>Transposes the 8 x 8 block whose rows are r0..r7, in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20);
        r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20);
        r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31);
        r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31);
        r7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    /// <summary>
    /// A transposed store of eight rows of eight lanes: lane l of every row goes, as 8 consecutive values, to
    /// <paramref name="c"/> + l * <paramref name="csc"/> (added to what is there unless <paramref name="overwrite"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutTransposed(float* c, nint csc, bool overwrite, Vector256<float> r0, Vector256<float> r1, Vector256<float> r2,
        Vector256<float> r3, Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7)
    {
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Put(c, r0, overwrite);
        Put(c + csc, r1, overwrite);
        Put(c + 2 * csc, r2, overwrite);
        Put(c + 3 * csc, r3, overwrite);
        Put(c + 4 * csc, r4, overwrite);
        Put(c + 5 * csc, r5, overwrite);
        Put(c + 6 * csc, r6, overwrite);
        Put(c + 7 * csc, r7, overwrite);
    }

    /// <summary>Adds (or, when <paramref name="overwrite"/>, writes) the rows x cols corner of a tile to C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreEdge(float* tile, int nr, int rows, int cols, float* c, nint ldc, nint csc, bool overwrite)
    {
        for (int r = 0; r < rows; r++)
        {
            float* t = tile + r * nr;
            float* d = c + r * ldc;
            for (int j = 0; j < cols; j++)
            {
                d[j * csc] = overwrite ? t[j] : d[j * csc] + t[j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, Vector256<float> v, bool overwrite) =>
        (overwrite ? v : Vector256.Load(c) + v).Store(c);

    /// <summary>Lanes below <paramref name="count"/> set (none when it is 0 or less).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Mask512(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Mask256(int count) =>
        Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();

    /// <summary>Adds <paramref name="v"/> to (or writes it over) the lanes of <paramref name="mask"/> at <paramref name="c"/>; other lanes are neither read nor written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutMasked(float* c, Vector512<float> v, Vector512<float> mask, bool overwrite) =>
        Avx512F.MaskStore(c, mask, overwrite ? v : Avx512F.MaskLoad(c, mask, Vector512<float>.Zero) + v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutMasked(float* c, Vector256<float> v, Vector256<float> mask, bool overwrite)
    {
        // the AVX-512 forms: AVX's vmaskmovps store is microcoded and slow on AMD cores
        if (Avx512F.VL.IsSupported)
        {
            Avx512F.VL.MaskStore(c, mask, overwrite ? v : Avx512F.VL.MaskLoad(c, mask, Vector256<float>.Zero) + v);
        }
        else
        {
            Avx.MaskStore(c, mask, overwrite ? v : Avx.MaskLoad(c, mask) + v);
        }
    }

    /// <summary>Below this many multiply-adds a product is done by direct loops (no packing, no blocking).</summary>
    internal const int SmallWork = 4096;

    /// <summary>
    /// Direct loops for tiny products (attention over a handful of agent tokens):
    /// C[m,n] (+)= op(A) op(B) with op(A) = A[m,k] or A[k,m]^T, op(B) = B[k,n] or B[n,k]^T.
    /// Rows of C are built as sums of scaled rows of B, or (B transposed) as dot products of rows.
    /// </summary>
    public static void Small(ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c, int m, int k, int n, bool accumulate)
    {
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
        {
            throw new ArgumentException($"matrix buffers ({a.Length}, {b.Length}, {c.Length} values) are smaller than {m} x {k} x {n} needs");
        }
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * n, n);
            if (!transB)
            {
                if (!accumulate)
                {
                    row.Clear();
                }
                for (int p = 0; p < k; p++)
                {
                    RowKernels.AddScaled(row, transA ? a[p * m + i] : a[i * k + p], b.Slice(p * n, n));
                }
                continue;
            }
            for (int j = 0; j < n; j++)
            {
                float sum = accumulate ? row[j] : 0f;
                if (!transA)
                {
                    sum += RowKernels.Dot(a.Slice(i * k, k), b.Slice(j * k, k));
                }
                else
                {
                    for (int p = 0; p < k; p++)
                    {
                        sum += a[p * m + i] * b[j * k + p];
                    }
                }
                row[j] = sum;
            }
        }
    }

    /// <summary>dst[cols, rows] = src[rows, cols]^T, in tiles.</summary>
    public static void Transpose(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols)
    {
        const int T = 16;
        for (int i0 = 0; i0 < rows; i0 += T)
        {
            int i1 = Math.Min(rows, i0 + T);
            for (int j0 = 0; j0 < cols; j0 += T)
            {
                int j1 = Math.Min(cols, j0 + T);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++)
                    {
                        dst[j * rows + i] = src[i * cols + j];
                    }
                }
            }
        }
    }
}

/// <summary>Which micro-kernel a product runs on (they give identical results; only the speed differs).</summary>
internal enum GemmKernel
{
    /// <summary>Scalar fused multiply-adds (any CPU).</summary>
    Portable,

    /// <summary>256-bit vectors with FMA.</summary>
    Avx2,

    /// <summary>512-bit vectors.</summary>
    Avx512,
}
