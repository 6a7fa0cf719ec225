using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.IO.Hashing;

namespace Pwmk.Server.Persistence;

/// <summary>What a journal record does to the belief store.</summary>
internal enum JournalOp : byte
{
    /// <summary><c>AssertFact</c> of the record's term (a <c>believes/2</c> term is a belief).</summary>
    Assert = 1,

    /// <summary><c>RetractFact</c> of the record's term.</summary>
    Retract = 2,
}

/// <summary>One journal record: its log sequence number (1, 2, 3, ... without gaps), the operation and the ground term written with <c>writeq</c> and the default operators.</summary>
internal readonly record struct JournalRecord(long Lsn, JournalOp Op, string Term);

/// <summary>
/// The journal's on-disk format. A segment file <c>journal-&lt;first LSN, 20 digits&gt;.pwj</c> starts with a 16-byte
/// header: the magic <c>PWMKJNL1</c> and the segment's first LSN (int64, little-endian). Records follow back to back:
/// <code>
/// uint32 payload length | uint32 CRC-32 of the payload | payload = int64 LSN | uint8 op | UTF-8 term text
/// </code>
/// (all little-endian). A record is whole when its 8-byte head and its payload are present, the length is in
/// 9..<see cref="MaxPayload"/> and the CRC matches; a reader stops at the first record that is not whole (a torn write
/// at the tail after a crash, or corruption) and reports the offset of the end of the last whole record.
/// </summary>
internal static class JournalFormat
{
    public const int HeaderSize = 16;
    public const int RecordHeadSize = 8;
    public const int MinPayload = 9;
    public const int MaxPayload = 16 << 20;
    public const string Prefix = "journal-";
    public const string Extension = ".pwj";

    public static ReadOnlySpan<byte> Magic => "PWMKJNL1"u8;

    public static string SegmentName(long firstLsn) => Prefix + firstLsn.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    /// <summary>The first LSN in a segment file name, or -1 when the name is not a segment's.</summary>
    public static long ParseSegmentName(string fileName)
    {
        if (!fileName.StartsWith(Prefix, StringComparison.Ordinal) || !fileName.EndsWith(Extension, StringComparison.Ordinal)) return -1;
        var digits = fileName.AsSpan(Prefix.Length, fileName.Length - Prefix.Length - Extension.Length);
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long lsn) ? lsn : -1;
    }

    public static byte[] Header(long firstLsn)
    {
        var h = new byte[HeaderSize];
        Magic.CopyTo(h);
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(8), firstLsn);
        return h;
    }

    /// <summary>Appends the bytes of <paramref name="record"/> to <paramref name="buffer"/>.</summary>
    public static void Encode(ArrayBufferWriter<byte> buffer, JournalRecord record)
    {
        int textBytes = Encoding.UTF8.GetByteCount(record.Term);
        int payload = 9 + textBytes;
        if (payload > MaxPayload) throw new ArgumentException($"journal record of {payload} bytes exceeds {MaxPayload}", nameof(record));
        var span = buffer.GetSpan(RecordHeadSize + payload)[..(RecordHeadSize + payload)];
        var body = span[RecordHeadSize..];
        BinaryPrimitives.WriteInt64LittleEndian(body, record.Lsn);
        body[8] = (byte)record.Op;
        Encoding.UTF8.GetBytes(record.Term, body[9..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)payload);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Crc32.HashToUInt32(body));
        buffer.Advance(RecordHeadSize + payload);
    }
}

/// <summary>Reads one segment record by record, stopping at the first record that is not whole (see <see cref="JournalFormat"/>).</summary>
internal sealed class JournalReader : IDisposable
{
    private readonly FileStream _file;
    private readonly byte[] _head = new byte[JournalFormat.RecordHeadSize];
    private byte[] _payload = new byte[256];

    public JournalReader(string path)
    {
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        Length = _file.Length;
        var h = new byte[JournalFormat.HeaderSize];
        if (_file.ReadAtLeast(h, h.Length, throwOnEndOfStream: false) < h.Length)
            Error = "the segment header is incomplete";
        else if (!h.AsSpan(0, 8).SequenceEqual(JournalFormat.Magic))
            Error = "the segment header does not start with PWMKJNL1";
        else
        {
            FirstLsn = BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(8));
            GoodLength = JournalFormat.HeaderSize;
        }
    }

    /// <summary>First LSN written in the header (-1 when the header is bad).</summary>
    public long FirstLsn { get; } = -1;

    /// <summary>File length when opened.</summary>
    public long Length { get; }

    /// <summary>Offset just after the last whole record read (0 when the header is bad).</summary>
    public long GoodLength { get; private set; }

    /// <summary>Why reading stopped before the end of the file; null at a clean end.</summary>
    public string? Error { get; private set; }

    /// <summary>Reads the next whole record; false at the end of the file or at the first damaged record (see <see cref="Error"/>).</summary>
    public bool TryRead(out JournalRecord record)
    {
        record = default;
        if (Error is not null) return false;
        int got = _file.ReadAtLeast(_head, _head.Length, throwOnEndOfStream: false);
        if (got == 0) return false;
        if (got < _head.Length) return Stop($"record head torn at offset {GoodLength} ({got} of {_head.Length} bytes)");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_head);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(_head.AsSpan(4));
        if (length is < JournalFormat.MinPayload or > JournalFormat.MaxPayload)
            return Stop($"record at offset {GoodLength} has an impossible length {length}");
        if (_payload.Length < length) _payload = new byte[Math.Max(length, (uint)_payload.Length * 2)];
        var body = _payload.AsSpan(0, (int)length);
        got = _file.ReadAtLeast(body, body.Length, throwOnEndOfStream: false);
        if (got < body.Length) return Stop($"record at offset {GoodLength} torn ({got} of {length} payload bytes)");
        if (Crc32.HashToUInt32(body) != crc) return Stop($"record at offset {GoodLength} fails its CRC-32 check");
        var op = (JournalOp)body[8];
        if (op is not (JournalOp.Assert or JournalOp.Retract)) return Stop($"record at offset {GoodLength} has an unknown operation {body[8]}");
        string text;
        try { text = new UTF8Encoding(false, true).GetString(body[9..]); }
        catch (DecoderFallbackException) { return Stop($"record at offset {GoodLength} is not valid UTF-8"); }
        record = new JournalRecord(BinaryPrimitives.ReadInt64LittleEndian(body), op, text);
        GoodLength += JournalFormat.RecordHeadSize + length;
        return true;
    }

    private bool Stop(string why)
    {
        Error = why;
        return false;
    }

    public void Dispose() => _file.Dispose();
}
