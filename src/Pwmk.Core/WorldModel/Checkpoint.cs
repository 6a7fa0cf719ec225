using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Pwmk.Tensors;
using Pwmk.Core.Storage;

namespace Pwmk.Core.WorldModel;

/// <summary>A checkpoint (or trajectory) file that cannot be read: names the file and what is wrong.</summary>
public sealed class InvalidModelFileException(string message) : Exception(message);

/// <summary>
/// Checkpoints in the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
/// length, a JSON header (dtype F32, shape, data offsets per tensor; <c>__metadata__</c> holding the model sizes and
/// an FNV-1a 64 checksum of the data), then the raw little-endian float32 data. PyTorch users read it with
/// <c>safetensors.torch.load_file</c>; linear weights are stored [in, out] (transpose for <c>nn.Linear</c>).
/// </summary>
internal static class Checkpoint
{
    private const long MaxHeaderBytes = 16 << 20;
    private const string ConfigKey = "pwmk.config";
    private const string ChecksumKey = "pwmk.data_fnv1a64";

    public static void Save(string path, WorldModelConfig config, IReadOnlyList<Tensor> parameters, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ulong hash = Fnv.Offset;
        long offset = 0;
        var header = new Dictionary<string, object>();
        foreach (var p in parameters)
        {
            long bytes = 4L * p.Length;
            header[p.Name!] = new { dtype = "F32", shape = p.Shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
            hash = Fnv.Hash(hash, MemoryMarshal.AsBytes(p.Data.AsSpan()));
        }
        header["__metadata__"] = new Dictionary<string, string>
        {
            [ConfigKey] = JsonSerializer.Serialize(config),
            [ChecksumKey] = hash.ToString("x16"),
            ["format"] = "pt",
        };
        if (metadata is not null)
        {
            var md = (Dictionary<string, string>)header["__metadata__"];
            foreach (var (k, v) in metadata)
            {
                md[k] = v;
            }
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8;
        var headerBytes = new byte[padded];
        json.CopyTo(headerBytes, 0);
        headerBytes.AsSpan(json.Length).Fill((byte)' ');
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("checkpoints are written on little-endian machines only");
        }
        AtomicFile.Write(path, s =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            s.Write(len);
            s.Write(headerBytes);
            foreach (var p in parameters)
            {
                s.Write(MemoryMarshal.AsBytes(p.Data.AsSpan()));
            }
        });
    }

    /// <summary>Reads and checks the whole file: header, offsets, sizes and checksum.</summary>
    public static (WorldModelConfig Config, Dictionary<string, Tensor> Tensors) Read(string path)
    {
        var (config, tensors, _) = ReadWithMetadata(path);
        return (config, tensors);
    }

    /// <summary>As <see cref="Read"/>, with the string entries of <c>__metadata__</c>.</summary>
    public static (WorldModelConfig Config, Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) ReadWithMetadata(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidModelFileException($"{path}: cannot read checkpoint: {e.Message}");
        }
        string Where(string what) => $"{path}: not a valid checkpoint: {what}";
        if (bytes.Length < 8)
        {
            throw new InvalidModelFileException(Where($"file has {bytes.Length} bytes, shorter than the 8-byte header length"));
        }
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLen > MaxHeaderBytes || headerLen > (ulong)(bytes.Length - 8))
        {
            throw new InvalidModelFileException(Where($"header length {headerLen} exceeds the file ({bytes.Length} bytes) or the {MaxHeaderBytes}-byte limit; truncated?"));
        }
        var dataStart = 8 + (int)headerLen;
        var data = bytes.AsSpan(dataStart);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLen), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new InvalidModelFileException(Where($"header JSON at byte {8 + (e.BytePositionInLine ?? 0)}: {e.Message}"));
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidModelFileException(Where("header is not a JSON object"));
            }
            WorldModelConfig? config = null;
            string? checksum = null;
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new Dictionary<string, Tensor>();
            long covered = 0;
            ulong hash = Fnv.Offset;
            var entries = new List<(string Name, long Begin, long End, int[] Shape)>();
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new InvalidModelFileException(Where("__metadata__ is not an object"));
                    }
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind == JsonValueKind.String)
                        {
                            metadata[m.Name] = m.Value.GetString()!;
                        }
                    }
                    if (prop.Value.TryGetProperty(ConfigKey, out var c) && c.ValueKind == JsonValueKind.String)
                    {
                        try
                        {
                            config = JsonSerializer.Deserialize<WorldModelConfig>(c.GetString()!);
                        }
                        catch (JsonException e)
                        {
                            throw new InvalidModelFileException(Where($"{ConfigKey}: {e.Message}"));
                        }
                    }
                    if (prop.Value.TryGetProperty(ChecksumKey, out var h) && h.ValueKind == JsonValueKind.String)
                    {
                        checksum = h.GetString();
                    }
                    continue;
                }
                entries.Add(ParseEntry(prop, Where, data.Length));
            }
            entries.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            foreach (var (name, begin, end, shape) in entries)
            {
                if (begin != covered)
                {
                    throw new InvalidModelFileException(Where($"tensor '{name}' starts at data byte {begin}, expected {covered} (gap or overlap)"));
                }
                covered = end;
                var floats = new float[(end - begin) / 4];
                var src = data.Slice((int)begin, (int)(end - begin));
                hash = Fnv.Hash(hash, src);
                src.CopyTo(MemoryMarshal.AsBytes(floats.AsSpan()));
                tensors[name] = new Tensor(floats, shape) { Name = name };
            }
            if (covered != data.Length)
            {
                throw new InvalidModelFileException(Where($"{data.Length - covered} bytes after the last tensor"));
            }
            if (checksum is not null && checksum != hash.ToString("x16"))
            {
                throw new InvalidModelFileException(Where($"data checksum {hash:x16} does not match the header's {checksum}: the file is corrupted"));
            }
            if (config is null)
            {
                throw new InvalidModelFileException(Where($"__metadata__ has no '{ConfigKey}' (model sizes)"));
            }
            try
            {
                config.Validate();
            }
            catch (ArgumentException e)
            {
                throw new InvalidModelFileException(Where($"{ConfigKey}: {e.Message}"));
            }
            return (config, tensors, metadata);
        }
    }

    private static (string, long, long, int[]) ParseEntry(JsonProperty prop, Func<string, string> where, int dataLength)
    {
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
        {
            throw new InvalidModelFileException(where($"tensor '{prop.Name}' needs dtype, shape and data_offsets [begin, end]"));
        }
        if (dtype.GetString() != "F32")
        {
            throw new InvalidModelFileException(where($"tensor '{prop.Name}' has dtype {dtype.GetString()}, only F32 is supported"));
        }
        if (shapeEl.GetArrayLength() > 8)
        {
            throw new InvalidModelFileException(where($"tensor '{prop.Name}' has rank {shapeEl.GetArrayLength()} (at most 8)"));
        }
        var shape = new int[shapeEl.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out var di) || di < 0)
            {
                throw new InvalidModelFileException(where($"tensor '{prop.Name}' has a bad dimension {d}"));
            }
            shape[i++] = di;
            count *= di;
            if (count > dataLength)
            {
                throw new InvalidModelFileException(where($"tensor '{prop.Name}' shape exceeds the file's data"));
            }
        }
        if (!offEl[0].TryGetInt64(out var begin) || !offEl[1].TryGetInt64(out var end) || begin < 0 || end < begin || end > dataLength)
        {
            throw new InvalidModelFileException(where($"tensor '{prop.Name}' data_offsets {offEl} are outside the {dataLength} data bytes; truncated?"));
        }
        if (end - begin != count * 4)
        {
            throw new InvalidModelFileException(where($"tensor '{prop.Name}' holds {end - begin} bytes but shape [{string.Join(", ", shape)}] needs {count * 4}"));
        }
        return (prop.Name, begin, end, shape);
    }

    /// <summary>Copies loaded tensors into the model's parameters; names and shapes must match exactly.</summary>
    public static void CopyInto(string path, Dictionary<string, Tensor> loaded, IReadOnlyList<Tensor> parameters)
    {
        var missing = new List<string>();
        foreach (var p in parameters)
        {
            if (!loaded.TryGetValue(p.Name!, out var t))
            {
                missing.Add(p.Name!);
                continue;
            }
            if (!t.Shape.AsSpan().SequenceEqual(p.Shape))
            {
                throw new InvalidModelFileException($"{path}: tensor '{p.Name}' has shape {t.ShapeText}, the model expects {p.ShapeText}");
            }
        }
        if (missing.Count > 0)
        {
            throw new InvalidModelFileException($"{path}: missing tensors: {string.Join(", ", missing)}");
        }
        if (loaded.Count != parameters.Count)
        {
            var known = new HashSet<string>();
            foreach (var p in parameters)
            {
                known.Add(p.Name!);
            }
            var extra = loaded.Keys.Where(k => !known.Contains(k));
            throw new InvalidModelFileException($"{path}: unexpected tensors: {string.Join(", ", extra)}");
        }
        foreach (var p in parameters)
        {
            loaded[p.Name!].Data.CopyTo(p.Data, 0);
        }
    }
}

/// <summary>FNV-1a 64-bit hash (file checksums).</summary>
internal static class Fnv
{
    public const ulong Offset = 0xcbf29ce484222325UL;
    private const ulong Prime = 0x100000001b3UL;

    public static ulong Hash(ulong h, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            h = (h ^ b) * Prime;
        }
        return h;
    }
}
