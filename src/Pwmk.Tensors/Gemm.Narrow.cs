using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pwmk.Tensors;

/// <summary>
/// Products whose result is at most 8 columns wide (a projection to a few outputs): one 8-lane vector per row of C,
/// 16 rows at a time, A and B read where they lie. On a core that runs 512-bit vectors as two 256-bit halves this is as
/// fast per multiply-add as the 32-wide tiles and needs no packing, where computing C transposed would pass all of A
/// through register transposes for a few columns of work.
/// </summary>
public static unsafe partial class Gemm
{
    /// <summary>Columns of C up to which a product (A and B not transposed) takes the narrow path.</summary>
    internal const int NarrowCols = 8;

    /// <summary>Rows of C one narrow tile computes (16 accumulators of 8 lanes).</summary>
    private const int NarrowRows = 16;

    /// <summary>Rows [r0, r1) of a product whose B rows are <paramref name="n"/> (at most 8) contiguous values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Narrow(in Problem p, int r0, int r1, int n)
    {
        var mask = Mask256(n);
        float* a = (float*)p.A, b = (float*)p.B, c = (float*)p.C;
        for (int pc = 0; pc < p.K; pc += KBlock)
        {
            int kc = Math.Min(KBlock, p.K - pc);
            bool overwrite = !p.Accumulate && pc == 0;
            float* bp = b + pc * p.DepthStrideB;
            int ir = r0;
            for (; ir + NarrowRows <= r1; ir += NarrowRows)
            {
                TileNarrow<Rows16>(a + ir * p.RowStrideA + pc * p.DepthStrideA, p.RowStrideA, p.DepthStrideA, bp, p.DepthStrideB, kc, c + ir * p.RowStrideC, p.RowStrideC, mask, overwrite);
            }
            int rest = r1 - ir;
            float* ap = a + ir * p.RowStrideA + pc * p.DepthStrideA, cp = c + ir * p.RowStrideC;
            if ((rest & 8) != 0)
            {
                TileNarrow<Rows8>(ap, p.RowStrideA, p.DepthStrideA, bp, p.DepthStrideB, kc, cp, p.RowStrideC, mask, overwrite);
                ap += 8 * p.RowStrideA;
                cp += 8 * p.RowStrideC;
            }
            if ((rest & 4) != 0)
            {
                TileNarrow<Rows4>(ap, p.RowStrideA, p.DepthStrideA, bp, p.DepthStrideB, kc, cp, p.RowStrideC, mask, overwrite);
                ap += 4 * p.RowStrideA;
                cp += 4 * p.RowStrideC;
            }
            if ((rest & 2) != 0)
            {
                TileNarrow<Rows2>(ap, p.RowStrideA, p.DepthStrideA, bp, p.DepthStrideB, kc, cp, p.RowStrideC, mask, overwrite);
                ap += 2 * p.RowStrideA;
                cp += 2 * p.RowStrideC;
            }
            if ((rest & 1) != 0)
            {
                TileNarrow<Rows1>(ap, p.RowStrideA, p.DepthStrideA, bp, p.DepthStrideB, kc, cp, p.RowStrideC, mask, overwrite);
            }
        }
    }

    private struct Rows16 : ITileRows
    {
        public static int Count => 16;
    }

    /// <summary>
    /// TR rows (1, 2, 4, 8 or 16) of C, one vector each on the lanes of <paramref name="mask"/>: per step of k one
    /// (masked) load of B's row and TR broadcasts of A(i,p) = a[i*ars + p*acs]. C(i,j) is at c[i*ldc + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileNarrow<TR>(float* a, nint ars, nint acs, float* b, nint bs, int kc, float* c, nint ldc, Vector256<float> mask, bool overwrite)
        where TR : struct, ITileRows
    {
        int rows = TR.Count;
        nint ars2 = 2 * ars, ars3 = 3 * ars;
        float* a0 = a, a4 = a + 4 * ars, a8 = a + 8 * ars, a12 = a + 12 * ars;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector256<float> c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        for (int q = 0; q < kc; q++, a0 += acs, a4 += acs, a8 += acs, a12 += acs, b += bs)
        {
            var bv = Avx512F.VL.MaskLoad(b, mask, Vector256<float>.Zero);
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a0[0]), bv, c0);
            if (rows > 1)
            {
                c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a0[ars]), bv, c1);
            }
            if (rows > 2)
            {
                c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a0[ars2]), bv, c2);
                c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a0[ars3]), bv, c3);
            }
            if (rows > 4)
            {
                c4 = Vector256.FusedMultiplyAdd(Vector256.Create(a4[0]), bv, c4);
                c5 = Vector256.FusedMultiplyAdd(Vector256.Create(a4[ars]), bv, c5);
                c6 = Vector256.FusedMultiplyAdd(Vector256.Create(a4[ars2]), bv, c6);
                c7 = Vector256.FusedMultiplyAdd(Vector256.Create(a4[ars3]), bv, c7);
            }
            if (rows > 8)
            {
                c8 = Vector256.FusedMultiplyAdd(Vector256.Create(a8[0]), bv, c8);
                c9 = Vector256.FusedMultiplyAdd(Vector256.Create(a8[ars]), bv, c9);
                c10 = Vector256.FusedMultiplyAdd(Vector256.Create(a8[ars2]), bv, c10);
                c11 = Vector256.FusedMultiplyAdd(Vector256.Create(a8[ars3]), bv, c11);
                c12 = Vector256.FusedMultiplyAdd(Vector256.Create(a12[0]), bv, c12);
                c13 = Vector256.FusedMultiplyAdd(Vector256.Create(a12[ars]), bv, c13);
                c14 = Vector256.FusedMultiplyAdd(Vector256.Create(a12[ars2]), bv, c14);
                c15 = Vector256.FusedMultiplyAdd(Vector256.Create(a12[ars3]), bv, c15);
            }
        }
        PutMasked(c, c0, mask, overwrite);
        if (rows > 1)
        {
            PutMasked(c + ldc, c1, mask, overwrite);
        }
        if (rows > 2)
        {
            PutMasked(c + 2 * ldc, c2, mask, overwrite);
            PutMasked(c + 3 * ldc, c3, mask, overwrite);
        }
        if (rows > 4)
        {
            PutMasked(c + 4 * ldc, c4, mask, overwrite);
            PutMasked(c + 5 * ldc, c5, mask, overwrite);
            PutMasked(c + 6 * ldc, c6, mask, overwrite);
            PutMasked(c + 7 * ldc, c7, mask, overwrite);
        }
        if (rows > 8)
        {
            PutMasked(c + 8 * ldc, c8, mask, overwrite);
            PutMasked(c + 9 * ldc, c9, mask, overwrite);
            PutMasked(c + 10 * ldc, c10, mask, overwrite);
            PutMasked(c + 11 * ldc, c11, mask, overwrite);
            PutMasked(c + 12 * ldc, c12, mask, overwrite);
            PutMasked(c + 13 * ldc, c13, mask, overwrite);
            PutMasked(c + 14 * ldc, c14, mask, overwrite);
            PutMasked(c + 15 * ldc, c15, mask, overwrite);
        }
    }
}
