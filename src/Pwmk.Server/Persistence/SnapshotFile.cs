using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Pwmk.Core.Storage;

namespace Pwmk.Server.Persistence;

/// <summary>
/// A snapshot of the belief store: <c>snapshot-&lt;LSN, 20 digits&gt;.pwsnap</c> holds the store as Prolog program text
/// after the journal record with that LSN. Layout: the magic <c>PWMKSNP1</c>, int64 LSN, int64 text length in bytes,
/// uint32 CRC-32 of the text (all little-endian), then the UTF-8 text. Written atomically: a temporary file in the same
/// folder, fsynced, renamed over the final name, then the folder fsynced; a crash leaves either no file or a whole one.
/// </summary>
internal static class SnapshotFile
{
    public const int HeaderSize = 28;
    public const string Prefix = "snapshot-";
    public const string Extension = ".pwsnap";

    public static ReadOnlySpan<byte> Magic => "PWMKSNP1"u8;

    public static string Name(long lsn) => Prefix + lsn.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    /// <summary>The LSN in a snapshot file name, or -1.</summary>
    public static long ParseName(string fileName)
    {
        if (!fileName.StartsWith(Prefix, StringComparison.Ordinal) || !fileName.EndsWith(Extension, StringComparison.Ordinal)) return -1;
        var digits = fileName.AsSpan(Prefix.Length, fileName.Length - Prefix.Length - Extension.Length);
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long lsn) ? lsn : -1;
    }

    /// <summary>Writes the snapshot of <paramref name="lsn"/> atomically into <paramref name="dir"/>; returns its path.</summary>
    public static string Write(string dir, long lsn, string programText)
    {
        var text = Encoding.UTF8.GetBytes(programText);
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), lsn);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), text.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), Crc32.HashToUInt32(text));
        string path = Path.Combine(dir, Name(lsn));
        AtomicFile.Write(path, fs =>
        {
            fs.Write(header);
            fs.Write(text);
        });
        return path;
    }

    /// <summary>Reads and checks a snapshot: its text, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static string? TryRead(string path, long expectedLsn, out string? error)
    {
        error = null;
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = "cannot be read: " + e.Message;
            return null;
        }
        if (data.Length < HeaderSize || !data.AsSpan(0, 8).SequenceEqual(Magic))
        {
            error = "the header is missing or does not start with PWMKSNP1";
            return null;
        }
        long lsn = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(8));
        long length = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(16));
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(24));
        if (lsn != expectedLsn)
        {
            error = $"the header says LSN {lsn}, the file name {expectedLsn}";
            return null;
        }
        if (length != data.Length - HeaderSize)
        {
            error = $"the header announces {length} bytes of text, the file holds {data.Length - HeaderSize}";
            return null;
        }
        var text = data.AsSpan(HeaderSize);
        if (Crc32.HashToUInt32(text) != crc)
        {
            error = "the text fails its CRC-32 check";
            return null;
        }
        try { return new UTF8Encoding(false, true).GetString(text); }
        catch (DecoderFallbackException)
        {
            error = "the text is not valid UTF-8";
            return null;
        }
    }
}
