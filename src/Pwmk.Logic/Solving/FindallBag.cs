namespace Pwmk.Logic.Solving;

/// <summary>
/// The solutions findall/3 collected so far, copied out of the heap into one growing cell array (no object per
/// solution). Each solution is laid out as a record (root cell first, variables as slots) whose addresses are shifted
/// to its place in the array, so the heap copy can be made straight from there.
/// </summary>
internal sealed class FindallBag
{
    private long[] _cells = new long[64];
    private (int Start, int Length, int NVars)[] _items = new (int, int, int)[8];
    private int _used;

    /// <summary>Solutions collected.</summary>
    public int Count { get; private set; }

    /// <summary>The cells of every solution.</summary>
    public long[] Cells => _cells;

    /// <summary>Where solution <paramref name="i"/> lies in <see cref="Cells"/>.</summary>
    public (int Start, int Length, int NVars) Item(int i) => _items[i];

    /// <summary>Appends a record (addresses relative to its first cell), shifting its addresses to where it lands.</summary>
    public void Add(ReadOnlySpan<long> record, int nvars)
    {
        int start = _used;
        if (start + record.Length > _cells.Length) Array.Resize(ref _cells, Math.Max(_cells.Length * 2, start + record.Length));
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        long shift = (long)start << 3;
        var dst = _cells.AsSpan(start, record.Length);
        for (int i = 0; i < record.Length; i++)
        {
            long c = record[i];
            switch ((int)(c & 7))
            {
                case Cell.STR:
                case Cell.LST:
                case Cell.BOX:
                    dst[i] = c + shift;
                    break;
                case Cell.FUN when (c & Cell.BoxMarker) != 0:
                    {
                        // a box header: its payload is raw data, copied as it is
                        dst[i] = c;
                        int k = Cell.BoxCells(c);
                        record.Slice(i + 1, k).CopyTo(dst[(i + 1)..]);
                        i += k;
                        break;
                    }
                default:
                    dst[i] = c;
                    break;
            }
        }
        _used += record.Length;
        _items[Count++] = (start, record.Length, nvars);
    }
}
