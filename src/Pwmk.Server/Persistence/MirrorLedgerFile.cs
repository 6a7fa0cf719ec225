using System.Globalization;
using System.Text;
using Pwmk.Logic.Terms;

namespace Pwmk.Server.Persistence;

/// <summary>
/// <c>simulation-mirror.pl</c>: the facts the background simulation may have mirrored into the server's belief store,
/// one per line after a header line <c>% pwmk-mirror/1 crc32=&lt;8 hex digits&gt; facts=&lt;n&gt;</c> whose CRC-32
/// covers the exact UTF-8 bytes after it. Written atomically (temporary file, fsync, rename) before the mirror commits
/// facts not named yet, so after any stop or crash it names every simulation fact in the store.
/// </summary>
internal static class MirrorLedgerFile
{
    public const string FileName = "simulation-mirror.pl";
    private const string Header = "% pwmk-mirror/1";

    /// <summary>Largest ledger read.</summary>
    public const long MaxBytes = 64 << 20;

    public static void Write(string dir, IEnumerable<Term> facts)
    {
        var body = new StringBuilder();
        int n = 0;
        foreach (var f in facts)
        {
            body.Append(f.ToString()).Append('\n');
            n++;
        }
        var bytes = Encoding.UTF8.GetBytes(body.ToString());
        var head = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Header} crc32={Crc32.Compute(bytes):x8} facts={n}\n"));
        SnapshotFile.WriteAtomic(Path.Combine(dir, FileName), s =>
        {
            s.Write(head);
            s.Write(bytes);
        });
    }

    /// <summary>The facts, or none: with <paramref name="error"/> null when there is no file, else what is wrong.</summary>
    public static IReadOnlyList<Term> TryRead(string dir, out string? error)
    {
        error = null;
        string path = Path.Combine(dir, FileName);
        byte[] data;
        try
        {
            if (!File.Exists(path)) return [];
            if (new FileInfo(path).Length > MaxBytes)
            {
                error = $"{path}: larger than {MaxBytes} bytes";
                return [];
            }
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: cannot be read: {e.Message}";
            return [];
        }
        int eol = Array.IndexOf(data, (byte)'\n');
        string head = eol < 0 ? "" : Encoding.UTF8.GetString(data, 0, eol);
        var parts = head.Split(' ');
        if (parts.Length != 4 || parts[0] + " " + parts[1] != Header || !parts[2].StartsWith("crc32=", StringComparison.Ordinal))
        {
            error = $"{path}: line 1: expected '{Header} crc32=<hex> facts=<n>'";
            return [];
        }
        var body = data.AsSpan(eol + 1);
        string actual = Crc32.Compute(body).ToString("x8", CultureInfo.InvariantCulture);
        if (!string.Equals(actual, parts[2]["crc32=".Length..], StringComparison.OrdinalIgnoreCase))
        {
            error = $"{path}: fails its CRC-32 check (stored {parts[2]["crc32=".Length..]}, computed {actual}): the file is corrupted";
            return [];
        }
        var facts = new List<Term>();
        int line = 1;
        foreach (var text in Encoding.UTF8.GetString(body).Split('\n'))
        {
            line++;
            if (text.Length == 0) continue;
            try
            {
                facts.Add(Term.Parse(text));
            }
            catch (Exception e) when (e is Pwmk.Logic.Parsing.SyntaxErrorException or ArgumentException)
            {
                error = $"{path}: line {line}: {e.Message}";
                return [];
            }
        }
        return facts;
    }
}
