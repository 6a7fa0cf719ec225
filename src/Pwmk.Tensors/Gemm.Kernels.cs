using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Pwmk.Tensors;

/// <summary>The register-tiled micro-kernels of <see cref="Gemm"/>: AVX-512, AVX2 and portable.</summary>
public static unsafe partial class Gemm
{
    /// <summary>How many rows (1, 2, 4, 8, or 9 to 11 at the end of a run of 8-row tiles) a specialisation of <see cref="Tile512"/> computes.</summary>
    private interface ITileRows
    {
        static abstract int Count { get; }
    }

    /// <summary>Whether a specialisation of <see cref="Tile512"/> is 32 columns wide (two vectors) or 16.</summary>
    private interface ITileWidth
    {
        static abstract bool Wide { get; }
    }

    private struct Rows1 : ITileRows
    {
        public static int Count => 1;
    }

    private struct Rows2 : ITileRows
    {
        public static int Count => 2;
    }

    private struct Rows4 : ITileRows
    {
        public static int Count => 4;
    }

    private struct Rows8 : ITileRows
    {
        public static int Count => 8;
    }

    private struct Rows9 : ITileRows
    {
        public static int Count => 9;
    }

    private struct Rows10 : ITileRows
    {
        public static int Count => 10;
    }

    private struct Rows11 : ITileRows
    {
        public static int Count => 11;
    }

    private struct Cols16 : ITileWidth
    {
        public static bool Wide => false;
    }

    private struct Cols32 : ITileWidth
    {
        public static bool Wide => true;
    }

    /// <summary>
    /// Rows [0, rows) of C against one packed 32-wide panel with AVX-512: a group of 8 rows (9 to 11 when the block's last
    /// rows would otherwise leave 1 to 3 behind, whose 2 to 6 accumulators alone cannot hide the multiply-add latency),
    /// else 4, 2 and 1, so that no fused multiply-add is spent on a row that does not exist; 16 columns or fewer use one
    /// vector per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows512(float* a, nint ars, nint acs, float* b, nint bs, int kc, float* c, nint ldc, nint csc, int rows, int cols, bool overwrite)
    {
        if (cols > 16)
        {
            RowPieces512<Cols32>(a, ars, acs, b, bs, kc, c, ldc, csc, rows, cols, overwrite);
            return;
        }
        RowPieces512<Cols16>(a, ars, acs, b, bs, kc, c, ldc, csc, rows, cols, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowPieces512<TW>(float* a, nint ars, nint acs, float* b, nint bs, int kc, float* c, nint ldc, nint csc, int rows, int cols, bool overwrite)
        where TW : struct, ITileWidth
    {
        switch (rows)
        {
            case 8:
                Tile512<Rows8, TW>(a, ars, acs, b, bs, kc, c, ldc, csc, cols, overwrite);
                return;
            case 9:
                Tile512<Rows9, TW>(a, ars, acs, b, bs, kc, c, ldc, csc, cols, overwrite);
                return;
            case 10:
                Tile512<Rows10, TW>(a, ars, acs, b, bs, kc, c, ldc, csc, cols, overwrite);
                return;
            case 11:
                Tile512<Rows11, TW>(a, ars, acs, b, bs, kc, c, ldc, csc, cols, overwrite);
                return;
        }
        if ((rows & 4) != 0)
        {
            Tile512<Rows4, TW>(a, ars, acs, b, bs, kc, c, ldc, csc, cols, overwrite);
            a += 4 * ars;
            c += 4 * ldc;
        }
        if ((rows & 2) != 0)
        {
            Tile512<Rows2, TW>(a, ars, acs, b, bs, kc, c, ldc, csc, cols, overwrite);
            a += 2 * ars;
            c += 2 * ldc;
        }
        if ((rows & 1) != 0)
        {
            Tile512<Rows1, TW>(a, ars, acs, b, bs, kc, c, ldc, csc, cols, overwrite);
        }
    }

    /// <summary>
    /// A TR x (16 or 32) tile of C from A(i,p) = a[i*ars + p*acs] and a 32-wide panel of B whose rows lie
    /// <paramref name="bs"/> floats apart (32 when packed): up to 22 accumulators,
    /// one or two panel loads and TR broadcasts per step of k. C(i,j) is at c[i*ldc + j*csc]; columns past
    /// <paramref name="cols"/> are neither read nor written. The JIT compiles one body per (TR, TW), unused rows removed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit] // the edge buffer is written before it is read
    private static void Tile512<TR, TW>(float* a, nint ars, nint acs, float* b, nint bs, int kc, float* c, nint ldc, nint csc, int cols, bool overwrite)
        where TR : struct, ITileRows
        where TW : struct, ITileWidth
    {
        int rows = TR.Count;
        bool wide = TW.Wide;
        float* a0 = a, a1 = a + ars, a2 = a + 2 * ars, a3 = a + 3 * ars, a4 = a + 4 * ars, a5 = a + 5 * ars, a6 = a + 6 * ars, a7 = a + 7 * ars;
        float* a8 = a + 8 * ars, a9 = a + 9 * ars, a10 = a + 10 * ars;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default, c90 = default, c91 = default, ca0 = default, ca1 = default;
        nint off = 0;
        for (int q = 0; q < kc; q++, off += acs, b += bs)
        {
            var b0 = Vector512.Load(b);
            var b1 = wide ? Vector512.Load(b + 16) : default;
            var x = Vector512.Create(a0[off]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            if (wide) { c01 = Vector512.FusedMultiplyAdd(x, b1, c01); }
            if (rows > 1)
            {
                x = Vector512.Create(a1[off]);
                c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
                if (wide) { c11 = Vector512.FusedMultiplyAdd(x, b1, c11); }
            }
            if (rows > 2)
            {
                x = Vector512.Create(a2[off]);
                c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
                if (wide) { c21 = Vector512.FusedMultiplyAdd(x, b1, c21); }
                x = Vector512.Create(a3[off]);
                c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
                if (wide) { c31 = Vector512.FusedMultiplyAdd(x, b1, c31); }
            }
            if (rows > 4)
            {
                x = Vector512.Create(a4[off]);
                c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
                if (wide) { c41 = Vector512.FusedMultiplyAdd(x, b1, c41); }
                x = Vector512.Create(a5[off]);
                c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
                if (wide) { c51 = Vector512.FusedMultiplyAdd(x, b1, c51); }
                x = Vector512.Create(a6[off]);
                c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
                if (wide) { c61 = Vector512.FusedMultiplyAdd(x, b1, c61); }
                x = Vector512.Create(a7[off]);
                c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
                if (wide) { c71 = Vector512.FusedMultiplyAdd(x, b1, c71); }
            }
            if (rows > 8)
            {
                x = Vector512.Create(a8[off]);
                c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
                if (wide) { c81 = Vector512.FusedMultiplyAdd(x, b1, c81); }
            }
            if (rows > 9)
            {
                x = Vector512.Create(a9[off]);
                c90 = Vector512.FusedMultiplyAdd(x, b0, c90);
                if (wide) { c91 = Vector512.FusedMultiplyAdd(x, b1, c91); }
            }
            if (rows > 10)
            {
                x = Vector512.Create(a10[off]);
                ca0 = Vector512.FusedMultiplyAdd(x, b0, ca0);
                if (wide) { ca1 = Vector512.FusedMultiplyAdd(x, b1, ca1); }
            }
        }
        if (csc == 1 && cols == (wide ? 32 : 16))
        {
            // a full tile: plain stores (no masks to build or apply)
            PutRow(c, c00, c01, wide, overwrite);
            if (rows > 1) { PutRow(c + ldc, c10, c11, wide, overwrite); }
            if (rows > 2) { PutRow(c + 2 * ldc, c20, c21, wide, overwrite); PutRow(c + 3 * ldc, c30, c31, wide, overwrite); }
            if (rows > 4)
            {
                PutRow(c + 4 * ldc, c40, c41, wide, overwrite);
                PutRow(c + 5 * ldc, c50, c51, wide, overwrite);
                PutRow(c + 6 * ldc, c60, c61, wide, overwrite);
                PutRow(c + 7 * ldc, c70, c71, wide, overwrite);
            }
            if (rows > 8) { PutRow(c + 8 * ldc, c80, c81, wide, overwrite); }
            if (rows > 9) { PutRow(c + 9 * ldc, c90, c91, wide, overwrite); }
            if (rows > 10) { PutRow(c + 10 * ldc, ca0, ca1, wide, overwrite); }
            return;
        }
        if (csc == 1)
        {
            var m0 = Mask512(cols);
            var m1 = Mask512(cols - 16);
            PutRow(c, c00, c01, m0, m1, wide, overwrite);
            if (rows > 1) { PutRow(c + ldc, c10, c11, m0, m1, wide, overwrite); }
            if (rows > 2) { PutRow(c + 2 * ldc, c20, c21, m0, m1, wide, overwrite); PutRow(c + 3 * ldc, c30, c31, m0, m1, wide, overwrite); }
            if (rows > 4)
            {
                PutRow(c + 4 * ldc, c40, c41, m0, m1, wide, overwrite);
                PutRow(c + 5 * ldc, c50, c51, m0, m1, wide, overwrite);
                PutRow(c + 6 * ldc, c60, c61, m0, m1, wide, overwrite);
                PutRow(c + 7 * ldc, c70, c71, m0, m1, wide, overwrite);
            }
            if (rows > 8) { PutRow(c + 8 * ldc, c80, c81, m0, m1, wide, overwrite); }
            if (rows > 9) { PutRow(c + 9 * ldc, c90, c91, m0, m1, wide, overwrite); }
            if (rows > 10) { PutRow(c + 10 * ldc, ca0, ca1, m0, m1, wide, overwrite); }
            return;
        }
        float* t = stackalloc float[11 * 32];
        if (rows > 8)
        {
            c80.Store(t + 256); c81.Store(t + 272); c90.Store(t + 288); c91.Store(t + 304); ca0.Store(t + 320); ca1.Store(t + 336);
        }
        if (rows >= 8 && wide && ldc == 1 && cols == 32)
        {
            // a narrow C computed transposed: each column of this tile is eight consecutive values of one row of C
            PutTransposed(c, csc, overwrite, c00.GetLower(), c10.GetLower(), c20.GetLower(), c30.GetLower(), c40.GetLower(), c50.GetLower(), c60.GetLower(), c70.GetLower());
            PutTransposed(c + 8 * csc, csc, overwrite, c00.GetUpper(), c10.GetUpper(), c20.GetUpper(), c30.GetUpper(), c40.GetUpper(), c50.GetUpper(), c60.GetUpper(), c70.GetUpper());
            PutTransposed(c + 16 * csc, csc, overwrite, c01.GetLower(), c11.GetLower(), c21.GetLower(), c31.GetLower(), c41.GetLower(), c51.GetLower(), c61.GetLower(), c71.GetLower());
            PutTransposed(c + 24 * csc, csc, overwrite, c01.GetUpper(), c11.GetUpper(), c21.GetUpper(), c31.GetUpper(), c41.GetUpper(), c51.GetUpper(), c61.GetUpper(), c71.GetUpper());
            StoreEdge(t + 256, 32, rows - 8, cols, c + 8, ldc, csc, overwrite);
            return;
        }
        c00.Store(t); c01.Store(t + 16); c10.Store(t + 32); c11.Store(t + 48);
        c20.Store(t + 64); c21.Store(t + 80); c30.Store(t + 96); c31.Store(t + 112);
        c40.Store(t + 128); c41.Store(t + 144); c50.Store(t + 160); c51.Store(t + 176);
        c60.Store(t + 192); c61.Store(t + 208); c70.Store(t + 224); c71.Store(t + 240);
        StoreEdge(t, 32, rows, cols, c, ldc, csc, overwrite);
    }

    /// <summary>One full row of a tile: the first vector, and the second when the tile is wide.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutRow(float* c, Vector512<float> v0, Vector512<float> v1, bool wide, bool overwrite)
    {
        (overwrite ? v0 : Vector512.Load(c) + v0).Store(c);
        if (wide)
        {
            (overwrite ? v1 : Vector512.Load(c + 16) + v1).Store(c + 16);
        }
    }

    /// <summary>One row of a tile: the first vector, and the second when the tile is wide, on the lanes of their masks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutRow(float* c, Vector512<float> v0, Vector512<float> v1, Vector512<float> m0, Vector512<float> m1, bool wide, bool overwrite)
    {
        PutMasked(c, v0, m0, overwrite);
        if (wide)
        {
            PutMasked(c + 16, v1, m1, overwrite);
        }
    }

    /// <summary>A 6 x 16 tile (AVX2, 16 registers): 12 accumulators, two panel loads and six broadcasts per step of k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x16(float* a, nint ars, nint acs, float* b, int kc, float* c, nint ldc, nint csc, int rows, int cols, bool overwrite)
    {
        nint last = rows - 1;
        float* a0 = a, a1 = a + Math.Min(1, last) * ars, a2 = a + Math.Min(2, last) * ars;
        float* a3 = a + Math.Min(3, last) * ars, a4 = a + Math.Min(4, last) * ars, a5 = a + Math.Min(5, last) * ars;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nint off = 0;
        for (int q = 0; q < kc; q++, off += acs, b += 16)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a0[off]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a1[off]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a2[off]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[off]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a4[off]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a5[off]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        if (csc != 1)
        {
            float* t = stackalloc float[6 * 16];
            c00.Store(t); c01.Store(t + 8); c10.Store(t + 16); c11.Store(t + 24);
            c20.Store(t + 32); c21.Store(t + 40); c30.Store(t + 48); c31.Store(t + 56);
            c40.Store(t + 64); c41.Store(t + 72); c50.Store(t + 80); c51.Store(t + 88);
            StoreEdge(t, 16, rows, cols, c, ldc, csc, overwrite);
            return;
        }
        if (rows == 6 && cols == 16)
        {
            Put(c, c00, overwrite); Put(c + 8, c01, overwrite); c += ldc;
            Put(c, c10, overwrite); Put(c + 8, c11, overwrite); c += ldc;
            Put(c, c20, overwrite); Put(c + 8, c21, overwrite); c += ldc;
            Put(c, c30, overwrite); Put(c + 8, c31, overwrite); c += ldc;
            Put(c, c40, overwrite); Put(c + 8, c41, overwrite); c += ldc;
            Put(c, c50, overwrite); Put(c + 8, c51, overwrite);
            return;
        }
        var m0 = Mask256(cols);
        var m1 = Mask256(cols - 8);
        PutMasked(c, c00, m0, overwrite); PutMasked(c + 8, c01, m1, overwrite);
        if (rows == 1) { return; }
        c += ldc; PutMasked(c, c10, m0, overwrite); PutMasked(c + 8, c11, m1, overwrite);
        if (rows == 2) { return; }
        c += ldc; PutMasked(c, c20, m0, overwrite); PutMasked(c + 8, c21, m1, overwrite);
        if (rows == 3) { return; }
        c += ldc; PutMasked(c, c30, m0, overwrite); PutMasked(c + 8, c31, m1, overwrite);
        if (rows == 4) { return; }
        c += ldc; PutMasked(c, c40, m0, overwrite); PutMasked(c + 8, c41, m1, overwrite);
        if (rows == 5) { return; }
        c += ldc; PutMasked(c, c50, m0, overwrite); PutMasked(c + 8, c51, m1, overwrite);
    }

    /// <summary>A 4 x 8 tile without SIMD (same fused multiply-adds in the same order as the vector kernels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TilePortable(float* a, nint ars, nint acs, float* b, int kc, float* c, nint ldc, nint csc, int rows, int cols, bool overwrite)
    {
        const int Mr = 4, Nr = 8;
        float* t = stackalloc float[Mr * Nr];
        new Span<float>(t, Mr * Nr).Clear();
        for (int r = 0; r < rows; r++)
        {
            float* ar = a + r * ars;
            float* tr = t + r * Nr;
            float* bp = b;
            for (nint q = 0; q < kc; q++, bp += Nr)
            {
                float x = ar[q * acs];
                for (int j = 0; j < Nr; j++)
                {
                    tr[j] = MathF.FusedMultiplyAdd(x, bp[j], tr[j]);
                }
            }
        }
        StoreEdge(t, Nr, rows, cols, c, ldc, csc, overwrite);
    }
}
