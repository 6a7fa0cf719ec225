namespace Pwmk.Core.Environments;

/// <summary>Line of sight on a square grid: a cell is seen when it lies within the view radius
/// (Chebyshev distance) and no opaque cell lies strictly between viewer and cell (Bresenham line).</summary>
internal static class GridSight
{
    public static bool Sees(int size, ReadOnlySpan<bool> opaque, int from, int to, int radius)
    {
        int x0 = from % size, y0 = from / size, x1 = to % size, y1 = to / size;
        int dx = Math.Abs(x1 - x0), dy = Math.Abs(y1 - y0);
        if (Math.Max(dx, dy) > radius) return false;
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx - dy;
        int x = x0, y = y0;
        while (true)
        {
            if (x == x1 && y == y1) return true;
            if ((x != x0 || y != y0) && opaque[y * size + x]) return false;
            int e2 = 2 * err;
            if (e2 > -dy) { err -= dy; x += sx; }
            if (e2 < dx) { err += dx; y += sy; }
        }
    }

    /// <summary>Fills <paramref name="visible"/> (one flag per cell) for a viewer at <paramref name="from"/>.</summary>
    public static void Fill(int size, ReadOnlySpan<bool> opaque, int from, int radius, Span<bool> visible)
    {
        visible.Clear();
        int x0 = from % size, y0 = from / size;
        for (int y = Math.Max(0, y0 - radius); y <= Math.Min(size - 1, y0 + radius); y++)
            for (int x = Math.Max(0, x0 - radius); x <= Math.Min(size - 1, x0 + radius); x++)
            {
                int c = y * size + x;
                visible[c] = Sees(size, opaque, from, c, radius);
            }
    }
}
