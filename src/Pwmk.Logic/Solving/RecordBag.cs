namespace Pwmk.Logic.Solving;

/// <summary>
/// Terms copied out of the heap into one growing cell array (no object per term): the solutions of a findall/3 call
/// and the answers of a tabled call variant. Each term is laid out as a record (root cell first, variables as slots)
/// whose addresses are shifted to its place in the array, so the heap copy can be made straight from there.
/// <see cref="AddUnique"/> keeps a set of the terms (open addressing over item numbers) for answer tables: about
/// 28 bytes per ground one-cell answer instead of a record object, its array and a hash-set entry.
/// </summary>
internal sealed class RecordBag
{
    private long[] _cells = new long[32];
    private Entry[] _items = new Entry[8];
    private int[]? _index;   // item number + 1 per slot, 0 = empty; capacity a power of two, at most half full
    private int _used;

    private struct Entry
    {
        public int Start, NVars, Hash;
    }

    /// <summary>Terms collected.</summary>
    public int Count { get; private set; }

    /// <summary>The cells of every term.</summary>
    public long[] Cells => _cells;

    /// <summary>Where term <paramref name="i"/> lies in <see cref="Cells"/>.</summary>
    public (int Start, int Length, int NVars) Item(int i)
    {
        var it = _items[i];
        int end = i + 1 < Count ? _items[i + 1].Start : _used;
        return (it.Start, end - it.Start, it.NVars);
    }

    /// <summary>Appends a record (addresses relative to its first cell), shifting its addresses to where it lands.</summary>
    public void Add(ReadOnlySpan<long> record, int nvars) => Append(record, nvars, 0);

    /// <summary>Appends a record unless an equal one (same cells) is already in the bag; says whether it was added.</summary>
    public bool AddUnique(ReadOnlySpan<long> record, int nvars)
    {
        int hash = Hash(record);
        if (_index is null || (Count + 1) * 2 > _index.Length) Rehash();
        var index = _index!;
        int mask = index.Length - 1;
        int slot = hash & mask;
        for (int e; (e = index[slot]) != 0; slot = (slot + 1) & mask)
            if (_items[e - 1].Hash == hash && SameAs(e - 1, record)) return false;
        Append(record, nvars, hash);
        index[slot] = Count;
        return true;
    }

    /// <summary>Gives back the spare capacity of the arrays (a table that is complete takes no more answers).</summary>
    public void Trim()
    {
        if (_cells.Length > _used) Array.Resize(ref _cells, Math.Max(_used, 1));
        if (_items.Length > Count) Array.Resize(ref _items, Math.Max(Count, 1));
    }

    private void Append(ReadOnlySpan<long> record, int nvars, int hash)
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
        _items[Count++] = new Entry { Start = start, NVars = nvars, Hash = hash };
    }

    /// <summary>Whether item <paramref name="i"/> holds <paramref name="record"/> (stored addresses are shifted by its start).</summary>
    private bool SameAs(int i, ReadOnlySpan<long> record)
    {
        var (start, length, _) = Item(i);
        if (length != record.Length) return false;
        var stored = _cells.AsSpan(start, length);
        long shift = (long)start << 3;
        for (int k = 0; k < length; k++)
        {
            long c = record[k];
            switch ((int)(c & 7))
            {
                case Cell.STR:
                case Cell.LST:
                case Cell.BOX:
                    if (stored[k] != c + shift) return false;
                    break;
                case Cell.FUN when (c & Cell.BoxMarker) != 0:
                    {
                        int n = Cell.BoxCells(c);
                        if (!stored.Slice(k, n + 1).SequenceEqual(record.Slice(k, n + 1))) return false;
                        k += n;
                        break;
                    }
                default:
                    if (stored[k] != c) return false;
                    break;
            }
        }
        return true;
    }

    private static int Hash(ReadOnlySpan<long> record)
    {
        long h = record.Length;
        foreach (long c in record) h = ArgIndex.Mix(h, c);
        return (int)(h ^ (h >> 32)) & int.MaxValue;
    }

    private void Rehash()
    {
        var index = new int[Math.Max(16, (_index?.Length ?? 8) * 2)];
        int mask = index.Length - 1;
        for (int i = 0; i < Count; i++)
        {
            int slot = _items[i].Hash & mask;
            while (index[slot] != 0) slot = (slot + 1) & mask;
            index[slot] = i + 1;
        }
        _index = index;
    }
}
