using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Pwmk.Core.WorldModel;

/// <summary>
/// NumPy <c>.npy</c> arrays (format version 1.0 written, 1.0-3.0 read): little-endian float32 (<c>&lt;f4</c>) and
/// int32 (<c>&lt;i4</c>), C order. See numpy.lib.format.
/// </summary>
internal static partial class NpyFormat
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int MaxHeader = 1 << 16;

    public static void Write(Stream s, ReadOnlySpan<float> data, int[] shape) => Write(s, "<f4", MemoryMarshal.AsBytes(data), shape);

    public static void Write(Stream s, ReadOnlySpan<int> data, int[] shape) => Write(s, "<i4", MemoryMarshal.AsBytes(data), shape);

    /// <summary>Writes <paramref name="rows"/> as a dense float32 array, one row at a time.</summary>
    public static void Write(Stream s, SparseRows rows, int[] shape)
    {
        WriteHeader(s, "<f4", shape);
        var row = new float[rows.Width];
        for (int r = 0; r < rows.Rows; r++)
        {
            rows.Read(r, row);
            s.Write(MemoryMarshal.AsBytes(row.AsSpan()));
        }
    }

    private static void Write(Stream s, string descr, ReadOnlySpan<byte> bytes, int[] shape)
    {
        WriteHeader(s, descr, shape);
        s.Write(bytes);
    }

    private static void WriteHeader(Stream s, string descr, int[] shape)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("npy files are written on little-endian machines only");
        }
        string dims = shape.Length == 1 ? shape[0].ToString(CultureInfo.InvariantCulture) + "," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = Magic.Length + 2 + 2 + dict.Length + 1;
        int pad = (64 - total % 64) % 64;
        var header = dict + new string(' ', pad) + "\n";
        s.Write(Magic);
        s.WriteByte(1);
        s.WriteByte(0);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        s.Write(len);
        s.Write(Encoding.ASCII.GetBytes(header));
    }

    /// <summary>An array read back: its dtype descriptor, shape and raw little-endian bytes.</summary>
    public sealed record NpyArray(string Descr, int[] Shape, byte[] Bytes)
    {
        public float[] AsFloats(string where)
        {
            if (Descr != "<f4")
            {
                throw new InvalidModelFileException($"{where}: dtype {Descr}, expected <f4 (float32)");
            }
            return MemoryMarshal.Cast<byte, float>(Bytes).ToArray();
        }

        public int[] AsInts(string where)
        {
            if (Descr != "<i4")
            {
                throw new InvalidModelFileException($"{where}: dtype {Descr}, expected <i4 (int32)");
            }
            return MemoryMarshal.Cast<byte, int>(Bytes).ToArray();
        }
    }

    [GeneratedRegex(@"^\{\s*'descr'\s*:\s*'(?<d>[^']*)'\s*,\s*'fortran_order'\s*:\s*(?<f>True|False)\s*,\s*'shape'\s*:\s*\((?<s>[0-9,\s]*)\)\s*,?\s*\}\s*$")]
    private static partial Regex HeaderPattern();

    /// <summary>Reads a whole array; <paramref name="where"/> names it in errors. Refuses truncated or malformed input.</summary>
    public static NpyArray Read(Stream s, string where, long maxBytes)
    {
        var (descr, shape, count) = ReadHeader(s, where, maxBytes);
        var bytes = new byte[count * 4];
        int got = ReadFull(s, bytes);
        if (got < bytes.Length)
        {
            throw new InvalidModelFileException($"{where}: truncated data: {got} of {bytes.Length} bytes");
        }
        return new NpyArray(descr, shape, bytes);
    }

    /// <summary>
    /// Reads an array's header only (its type, shape and number of values, checked as <see cref="Read"/> checks them),
    /// leaving <paramref name="s"/> at the first byte of the data.
    /// </summary>
    public static (string Descr, int[] Shape, long Count) ReadHeader(Stream s, string where, long maxBytes)
    {
        Span<byte> pre = stackalloc byte[8];
        if (ReadFull(s, pre) < 8 || !pre[..6].SequenceEqual(Magic))
        {
            throw new InvalidModelFileException($"{where}: not a .npy array (bad magic)");
        }
        int major = pre[6];
        int headerLen;
        if (major == 1)
        {
            Span<byte> l = stackalloc byte[2];
            if (ReadFull(s, l) < 2)
            {
                throw new InvalidModelFileException($"{where}: truncated header");
            }
            headerLen = BinaryPrimitives.ReadUInt16LittleEndian(l);
        }
        else if (major is 2 or 3)
        {
            Span<byte> l = stackalloc byte[4];
            if (ReadFull(s, l) < 4)
            {
                throw new InvalidModelFileException($"{where}: truncated header");
            }
            uint hl = BinaryPrimitives.ReadUInt32LittleEndian(l);
            if (hl > MaxHeader)
            {
                throw new InvalidModelFileException($"{where}: header of {hl} bytes is too large");
            }
            headerLen = (int)hl;
        }
        else
        {
            throw new InvalidModelFileException($"{where}: unsupported .npy format version {major}");
        }
        var hb = new byte[headerLen];
        if (ReadFull(s, hb) < headerLen)
        {
            throw new InvalidModelFileException($"{where}: truncated header");
        }
        var text = Encoding.Latin1.GetString(hb);
        var m = HeaderPattern().Match(text);
        if (!m.Success)
        {
            throw new InvalidModelFileException($"{where}: cannot parse header {text.Trim()}");
        }
        if (m.Groups["f"].Value == "True")
        {
            throw new InvalidModelFileException($"{where}: Fortran-order arrays are not supported");
        }
        var parts = m.Groups["s"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > 8)
        {
            throw new InvalidModelFileException($"{where}: rank {parts.Length} is above 8");
        }
        var shape = new int[parts.Length];
        long count = 1;
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
            {
                throw new InvalidModelFileException($"{where}: bad dimension '{parts[i]}'");
            }
            count *= shape[i];
            if (count * 4 > maxBytes)
            {
                throw new InvalidModelFileException($"{where}: array of shape ({string.Join(", ", shape[..(i + 1)])}...) exceeds the {maxBytes}-byte limit");
            }
        }
        string descr = m.Groups["d"].Value;
        if (descr is not ("<f4" or "<i4"))
        {
            throw new InvalidModelFileException($"{where}: dtype {descr} is not supported (float32 '<f4' or int32 '<i4')");
        }
        return (descr, shape, count);
    }

    private static int ReadFull(Stream s, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
