using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Pwmk.Logic.Terms;
using Pwmk.Server.Persistence;
using System.IO.Hashing;

namespace Pwmk.Server.Tests.Durability;

public class JournalFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-jnl-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Crc32MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.HashToUInt32("123456789"u8));
        Assert.Equal(0u, Crc32.HashToUInt32([]));
    }

    private string WriteSegment(long first, params JournalRecord[] records)
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write(JournalFormat.Header(first));
        foreach (var r in records) JournalFormat.Encode(buffer, r);
        var path = Path.Combine(_dir, JournalFormat.SegmentName(first));
        File.WriteAllBytes(path, buffer.WrittenSpan.ToArray());
        return path;
    }

    private static List<JournalRecord> ReadAll(string path, out JournalReader reader)
    {
        reader = new JournalReader(path);
        var list = new List<JournalRecord>();
        while (reader.TryRead(out var r)) list.Add(r);
        return list;
    }

    [Fact]
    public void RecordsRoundTripWithTheirLsnOpAndText()
    {
        JournalRecord[] records = [new(7, JournalOp.Assert, "believes(anne,in(marble,box))"), new(8, JournalOp.Retract, "'Zoë says'(\"ünïcode\",1.5e10)")];
        var path = WriteSegment(7, records);
        var read = ReadAll(path, out var reader);
        using (reader)
        {
            Assert.Equal(records, read);
            Assert.Null(reader.Error);
            Assert.Equal(7, reader.FirstLsn);
            Assert.Equal(new FileInfo(path).Length, reader.GoodLength);
        }
        Assert.Equal(7, JournalFormat.ParseSegmentName(Path.GetFileName(path)));
        Assert.Equal(-1, JournalFormat.ParseSegmentName("journal-x.pwj"));
    }

    [Fact]
    public void EveryTruncationPointStopsAtTheLastWholeRecord()
    {
        JournalRecord[] records = [new(1, JournalOp.Assert, "a(1)"), new(2, JournalOp.Assert, "b(two)"), new(3, JournalOp.Retract, "a(1)")];
        var path = WriteSegment(1, records);
        var full = File.ReadAllBytes(path);
        var ends = new List<long> { JournalFormat.HeaderSize };
        foreach (var r in records) ends.Add(ends[^1] + JournalFormat.RecordHeadSize + 9 + Encoding.UTF8.GetByteCount(r.Term));
        for (int cut = JournalFormat.HeaderSize; cut < full.Length; cut++)
        {
            File.WriteAllBytes(path, full[..cut]);
            var read = ReadAll(path, out var reader);
            using (reader)
            {
                int whole = ends.FindLastIndex(e => e <= cut);
                Assert.Equal(records[..whole], read);
                Assert.Equal(ends[whole], reader.GoodLength);
                Assert.Equal(cut != ends[whole], reader.Error is not null);
            }
        }
    }

    [Fact]
    public void AFlippedByteInAnyRecordIsDetected()
    {
        JournalRecord[] records = [new(1, JournalOp.Assert, "a(1)"), new(2, JournalOp.Assert, "b(2)")];
        var path = WriteSegment(1, records);
        var full = File.ReadAllBytes(path);
        for (int i = JournalFormat.HeaderSize; i < full.Length; i++)
        {
            var bad = (byte[])full.Clone();
            bad[i] ^= 0x20;
            File.WriteAllBytes(path, bad);
            var read = ReadAll(path, out var reader);
            using (reader)
            {
                Assert.NotNull(reader.Error);
                Assert.True(read.Count < 2, $"flip at {i} went unnoticed");
                Assert.True(read.TrueForAll(r => records.Contains(r)));
            }
        }
    }

    [Fact]
    public void ABadHeaderOrImpossibleLengthIsReported()
    {
        var path = Path.Combine(_dir, JournalFormat.SegmentName(1));
        File.WriteAllBytes(path, "PWMKJNL"u8.ToArray());
        using (var r = new JournalReader(path)) Assert.Contains("header", r.Error);
        var bytes = JournalFormat.Header(1).Concat(new byte[8]).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), uint.MaxValue);
        File.WriteAllBytes(path, bytes);
        ReadAll(path, out var reader);
        using (reader) Assert.Contains("impossible length", reader.Error);
    }

    [Theory]
    [InlineData("believes(agent_0,believes(agent_1,at(key,room_3)))")]
    [InlineData("p('hello world',\"a string\",-3,2.5,[1,2|c],'\\n')")]
    [InlineData("f(- 1,-(1),a- -1,(a:-b),(a,b),{x},'[]',[])")]
    [InlineData("g(1.0e100,0.1,123456789012345678901234567890)")]
    public void JournalTermsReadBackAsTheSameTerm(string text)
    {
        var term = Term.Parse(text);
        Assert.Equal(term, Term.Parse(term.ToString()));
    }

    [Fact]
    public void SnapshotsRoundTripAndDamageIsNamed()
    {
        var path = SnapshotFile.Write(_dir, 42, "a(1).\nb('x y').\n");
        Assert.Equal(42, SnapshotFile.ParseName(Path.GetFileName(path)));
        Assert.Equal("a(1).\nb('x y').\n", SnapshotFile.TryRead(path, 42, out var error));
        Assert.Null(error);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        var bytes = File.ReadAllBytes(path);
        bytes[^2] ^= 1;
        File.WriteAllBytes(path, bytes);
        Assert.Null(SnapshotFile.TryRead(path, 42, out error));
        Assert.Contains("CRC-32", error);
        File.WriteAllBytes(path, bytes[..^3]);
        Assert.Null(SnapshotFile.TryRead(path, 42, out error));
        Assert.Contains("announces", error);
    }
}
