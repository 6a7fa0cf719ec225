using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Orleans.Storage;
using Pwmk.Core.Storage;

namespace Pwmk.Cluster;

/// <summary>
/// Grain state of a one-member cluster (<c>--cluster local</c>) on local disk: one file per grain state in a folder,
/// replaced atomically and flushed to disk (<see cref="AtomicFile"/>: fsync of the file and of the folder) before the
/// write returns, so a state acknowledged to its grain survives SIGKILL and power loss, as the single process's journal
/// under <c>--fsync always</c> does. A file holds its version (the ETag, 8 bytes little-endian) and the state as Orleans
/// serializes it; its name is a hash of the state's name and grain id, which may hold any text. With
/// <paramref name="createFolder"/> the folder is made by the first write (a member whose belief partitions are in a journal
/// may never write grain state, and may serve from a state directory it cannot write); a missing folder then holds no
/// state. Without it a missing folder is an error (the state it held is gone).
/// </summary>
internal sealed class DiskGrainStorage(string directory, IGrainStorageSerializer serializer, bool createFolder = false) : IGrainStorage
{
    private const string Extension = ".grain";

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!HasFile(path))
        {
            grainState.RecordExists = false;
            grainState.ETag = null;
            return Task.CompletedTask;
        }
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new IOException($"grain state file {path} is shorter than its header ({bytes.Length} bytes)");
        grainState.State = serializer.Deserialize<T>(new BinaryData(bytes.AsMemory(8)));
        grainState.ETag = BinaryPrimitives.ReadInt64LittleEndian(bytes).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        long next = Version(path, grainState.ETag) + 1;
        var data = serializer.Serialize(grainState.State).ToMemory();
        // the fsyncs block: off the grain's scheduler
        await Task.Run(() =>
        {
            MakeFolder();
            AtomicFile.Write(path, fs => Write(fs, next, data.Span));
        }).ConfigureAwait(false);
        grainState.ETag = next.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (createFolder && !Directory.Exists(directory)) return;
        Version(path, grainState.ETag);
        await Task.Run(() =>
        {
            File.Delete(path);
            AtomicFile.SyncDirectory(directory);
        }).ConfigureAwait(false);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static void Write(Stream fs, long version, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(header, version);
        fs.Write(header);
        fs.Write(data);
    }

    /// <summary>Makes the folder (and makes its entry durable) when <c>createFolder</c> says the first write makes it.</summary>
    private void MakeFolder()
    {
        if (!createFolder || Directory.Exists(directory)) return;
        Directory.CreateDirectory(directory);
        AtomicFile.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(directory))!);
    }

    /// <summary>
    /// Whether <paramref name="path"/> holds a state: a folder the first write makes holds none until then; any other missing
    /// folder is an error, not a grain without state.
    /// </summary>
    private bool HasFile(string path) => (!createFolder || Directory.Exists(directory)) && File.Exists(Present(path));

    /// <summary>The stored version of <paramref name="path"/> (0 when absent); throws when it is not the one the grain read.</summary>
    private long Version(string path, string? etag)
    {
        long stored = 0;
        if (HasFile(path))
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> header = stackalloc byte[8];
            fs.ReadExactly(header);
            stored = BinaryPrimitives.ReadInt64LittleEndian(header);
        }
        string? expected = stored == 0 ? null : stored.ToString(CultureInfo.InvariantCulture);
        if (expected != etag) throw new InconsistentStateException($"grain state {Path.GetFileName(path)} is at version {expected ?? "none"}, the grain read {etag ?? "none"}", expected, etag);
        return stored;
    }

    private static string Present(string path) =>
        Directory.Exists(Path.GetDirectoryName(path)) ? path : throw new IOException($"the grain state folder {Path.GetDirectoryName(path)} is not there");

    private string PathOf(string stateName, GrainId grainId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(stateName + "\n" + grainId.ToString()));
        return Path.Combine(directory, Convert.ToHexStringLower(hash.AsSpan(0, 20)) + Extension);
    }
}
