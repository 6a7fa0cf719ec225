using System.Runtime.InteropServices;

namespace Pwmk.Core.WorldModel;

/// <summary>
/// Rows of float values of one width, stored as their non-zero entries (column and value): the trajectories' observations,
/// belief targets and world truth are one-hot slots and drawn grids, almost all zero, so a box-world step of three agents
/// keeps about 245 of its 15,342 values. Decoding gives back exactly the floats stored (zeros included).
/// </summary>
internal sealed class SparseRows
{
    private readonly int[] starts; // Rows + 1 offsets into columns/values
    private readonly int[] columns;
    private readonly float[] values;

    private SparseRows(int width, int[] starts, int[] columns, float[] values)
    {
        Width = width;
        this.starts = starts;
        this.columns = columns;
        this.values = values;
    }

    /// <summary>Values per row.</summary>
    public int Width { get; }

    /// <summary>Number of rows.</summary>
    public int Rows => starts.Length - 1;

    /// <summary>Non-zero values stored.</summary>
    public long Stored => values.Length;

    /// <summary><paramref name="rows"/> rows of <paramref name="width"/> values read from a dense row-major array.</summary>
    public static SparseRows FromDense(ReadOnlySpan<float> dense, long rows, int width, long maxStored)
    {
        var b = new Builder(width, maxStored);
        for (int r = 0; r < rows; r++)
        {
            b.Add(dense.Slice(r * width, width));
        }
        return b.Build();
    }

    /// <summary>Writes row <paramref name="row"/> into <paramref name="into"/> (at least <see cref="Width"/> values).</summary>
    public void Read(int row, Span<float> into)
    {
        var dense = into[..Width];
        dense.Clear();
        for (int k = starts[row]; k < starts[row + 1]; k++)
        {
            dense[columns[k]] = values[k];
        }
    }

    /// <summary>Rows [start, start+count) as new rows.</summary>
    public SparseRows Slice(int start, int count)
    {
        int from = starts[start], to = starts[start + count];
        var s = new int[count + 1];
        for (int r = 0; r <= count; r++)
        {
            s[r] = starts[start + r] - from;
        }
        return new SparseRows(Width, s, columns[from..to], values[from..to]);
    }

    /// <summary>Every row, dense and row-major.</summary>
    public float[] ToDense()
    {
        var dense = new float[(long)Rows * Width];
        for (int r = 0; r < Rows; r++)
        {
            Read(r, dense.AsSpan(r * Width, Width));
        }
        return dense;
    }

    /// <summary>Appends rows one at a time.</summary>
    internal sealed class Builder(int width, long maxStored)
    {
        private readonly List<int> starts = [0];
        private readonly List<int> columns = [];
        private readonly List<float> values = [];

        /// <summary>Appends a row of <c>width</c> values (a shorter span: the rest are zero).</summary>
        public void Add(ReadOnlySpan<float> row)
        {
            for (int c = 0; c < row.Length && c < width; c++)
            {
                if (row[c] != 0f || float.IsNegative(row[c]))
                {
                    columns.Add(c);
                    values.Add(row[c]);
                }
            }
            if (values.Count > maxStored)
            {
                throw new ArgumentException($"the trajectories would store more than {maxStored} non-zero values");
            }
            starts.Add(values.Count);
        }

        /// <summary>The rows added so far.</summary>
        public SparseRows Build() =>
            new(width, [.. starts], CollectionsMarshal.AsSpan(columns).ToArray(), CollectionsMarshal.AsSpan(values).ToArray());
    }
}
