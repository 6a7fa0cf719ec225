using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Security;

/// <summary>
/// Refuses request bodies over <see cref="PwmkServerOptions.MaxBodyBytes"/> with 413: at once when Content-Length says so,
/// and while reading otherwise (chunked bodies). Kestrel's own limit is set to the same value.
/// </summary>
internal sealed class BodySizeLimitMiddleware(RequestDelegate next, IOptions<PwmkServerOptions> options)
{
    private readonly long _limit = options.Value.MaxBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        var length = context.Request.ContentLength;
        if (length > _limit) return Problems.Write(context, StatusCodes.Status413PayloadTooLarge, "Payload Too Large", $"The request body is {length} bytes; the limit is {_limit} bytes.");
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = _limit;
        if (length is null && context.Request.Body.CanRead) context.Request.Body = new LimitedStream(context.Request.Body, _limit);
        return next(context);
    }

    /// <summary>Throws <see cref="BadHttpRequestException"/> (413) once more than the limit has been read.</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            _read += n;
            if (_read > limit) throw new BadHttpRequestException($"The request body is larger than the limit of {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            return n;
        }
    }
}
